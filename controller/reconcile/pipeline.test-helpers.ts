import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { Registry } from "prom-client";
import { type ClusterSpec, MonitoringSpec, redisKeys } from "../../crds-like-schemas/index.js";
import { createLogger } from "../../lib/logger.js";
import { useRedisServer } from "../../test/helpers/use-redis-server.js";
import { NodeDispatcher } from "../dispatch/node-dispatcher.js";
import { ReportStore } from "../dispatch/report-store.js";
import { applyPlanStep } from "../machines/apply-plan-step.js";
import { TargetRegistry } from "../machines/target-registry.js";
import type { ObservedCluster } from "../model.js";
import { ControllerMetrics } from "../outputs/controller-metrics.js";
import { stateCounts } from "../outputs/publish-step.js";
import { SdStore } from "../outputs/sd-store.js";
import { CLUSTER, instance, observed, task, taskDef } from "../plan/fixtures.test-helpers.js";
import { planStep } from "../plan/plan-step.js";
import type { ClusterContext } from "./cluster-context.js";
import { ClusterStatus } from "./cluster-status.js";
import type { ObserverPort, SpecSource } from "./ports.js";

/**
 * Fixtures for the reconcile pipeline's tests: a real redis-server, the real stores, registry and dispatcher on
 * a fresh key prefix per context, and fakes only for what is AWS (the observer) or a watched parameter (the
 * spec source). Each fake implements exactly the calls the pipeline makes.
 */

export { CLUSTER };
export const logger = createLogger({ level: "silent", name: "test" });

/** A redis-server for the calling test file: started in `beforeAll`, stopped in `afterAll`. */
export const withRedis = useRedisServer;

/** The spec in force, set by the test; `set(..., { notify: false })` changes it without telling listeners. */
export class FakeSpecSource implements SpecSource {
  private applied: { spec: MonitoringSpec; version: number; generation: number } | undefined;
  private readonly listeners = new Set<
    (applied: { spec: MonitoringSpec; version: number; generation: number }) => void
  >();

  constructor(clusters: Record<string, unknown>[] = [{ name: CLUSTER }]) {
    this.set(clusters);
  }

  set(clusters: Record<string, unknown>[], options: { notify?: boolean } = {}): void {
    const generation = (this.applied?.generation ?? 0) + 1;
    const spec = MonitoringSpec.parse({
      apiVersion: "ecsmon.dev/v1alpha1",
      kind: "MonitoringSpec",
      spec: { clusters },
    });
    this.applied = { spec, version: generation, generation };
    if (options.notify ?? true) for (const listener of this.listeners) listener(this.applied);
  }

  current() {
    return this.applied;
  }

  conditions() {
    return [];
  }

  onChange(listener: (applied: { spec: MonitoringSpec; version: number; generation: number }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clusterSpec(name = CLUSTER): ClusterSpec {
    const spec = this.applied?.spec.spec.clusters.find((c) => c.name === name);
    if (!spec) throw new Error(`no cluster ${name}`);
    return spec;
  }
}

/** The observer port: answers `next` (a view, or an error to throw) and counts calls. */
export class FakeObserver implements ObserverPort {
  next: ObservedCluster | Error;
  observeCalls = 0;
  specs: ClusterSpec[] = [];
  private good: ObservedCluster | undefined;

  constructor(first: ObservedCluster = demoObserved()) {
    this.next = first;
  }

  async observe(): Promise<ObservedCluster> {
    this.observeCalls++;
    if (this.next instanceof Error) throw this.next;
    this.good = this.next;
    return this.next;
  }

  lastGood(): ObservedCluster | undefined {
    return this.good;
  }

  updateSpec(spec: ClusterSpec): void {
    this.specs.push(spec);
  }

  stopCalls = 0;
  async stop(): Promise<void> {
    this.stopCalls++;
  }
}

const scrapes = (value: string) => ({ PROMETHEUS_SCRAPES: value });

/**
 * Two EC2 nodes each running one bridge-less (host mode) exporter, and one Fargate task without a sidecar, whose
 * target goes to the pool: 3 targets, 2 node payloads, 1 pool target.
 */
export function demoObserved(overrides: { observedAt?: string } = {}): ObservedCluster {
  const node1 = instance(1);
  const node2 = instance(2);
  const exporter = taskDef("exporter", "host", [{ name: "node-exporter", dockerLabels: scrapes("9100") }]);
  const api = taskDef("api", "awsvpc", [{ name: "api", dockerLabels: scrapes("8080") }]);
  const view = observed({
    instances: [node1, node2],
    defs: [exporter, api],
    tasks: [
      task("t1", exporter, { on: node1 }),
      task("t2", exporter, { on: node2 }),
      task("t3", api, { launchType: "FARGATE", eniPrivateIp: "10.2.0.9" }),
    ],
  });
  return { ...view, ...overrides };
}

/** A lease that is always held, counting its checks. */
export type HeldLease = ClusterContext["lease"] & { checks: number };

export function heldLease(token = 7): HeldLease {
  const lease = {
    token,
    checks: 0,
    async assertHeld() {
      lease.checks++;
      return token;
    },
  };
  return lease;
}

/** A whole context over real Redis on fresh key and BullMQ prefixes, with an adjustable clock (`clock.now`). */
export function pipelineContext(
  redis: Redis,
  overrides: Partial<Omit<ClusterContext, "lease">> & { lease?: HeldLease } = {},
): ClusterContext & { lease: HeldLease; clock: { now: number }; keyPrefix: string; bullPrefix: string } {
  const keyPrefix = `t-${randomUUID()}`;
  const bullPrefix = `b-${keyPrefix}`;
  const clock = { now: Date.parse("2026-01-01T00:00:10.000Z") };
  const now = () => clock.now;
  const specSource = overrides.specSource ?? new FakeSpecSource();
  const registry =
    overrides.registry ?? new TargetRegistry({ cluster: CLUSTER, redis, logger, keyPrefix, drainDelayMs: 0, now });
  const lease = overrides.lease ?? heldLease();
  const status = new ClusterStatus({
    cluster: CLUSTER,
    generation: () => specSource.current()?.generation,
    fencingToken: () => lease.token,
    counts: () => stateCounts(registry),
    now,
  });
  return {
    cluster: CLUSTER,
    specSource,
    observer: new FakeObserver(),
    lease,
    registry,
    dispatcher: new NodeDispatcher({ redis, logger, keyPrefix, bullPrefix }),
    reports: new ReportStore(redis, keyPrefix),
    sd: new SdStore(redis, keyPrefix),
    metrics: new ControllerMetrics(new Registry()),
    capacity: undefined,
    redis,
    keys: redisKeys(keyPrefix),
    logger,
    status,
    dispatchConcurrency: 4,
    now,
    ...overrides,
    clock,
    keyPrefix,
    bullPrefix,
  };
}

/**
 * A context on {@link demoObserved} whose `live` nodes have a heartbeating agent (fed to the machines), and the
 * round's plan, already applied to the machines.
 */
export function plannedRound(redis: Redis, live: string[] = []) {
  const ctx = pipelineContext(redis);
  const spec = (ctx.specSource as FakeSpecSource).clusterSpec();
  const beats = live.map((node) => heartbeat(node, ctx.clock.now).report);
  ctx.registry.applyHeartbeats(beats.map((b) => ({ ...b, receivedAt: ctx.clock.now })));
  const observed = demoObserved();
  const heartbeats = new Map(beats.map((b) => [b.nodeId, b]));
  const { planned } = planStep(spec, observed, ctx.registry.liveAgents(), heartbeats);
  applyPlanStep(ctx, planned, false);
  return { ctx, spec, planned, observed };
}

/** A stored heartbeat for node `nodeId`, received at `receivedAt`. */
export function heartbeat(nodeId: string, receivedAt: number, mode: "daemon" | "sidecar" = "daemon", ttlMs = 15_000) {
  return {
    report: {
      contract: "ecsmon.dev/heartbeat/v1" as const,
      cluster: CLUSTER,
      nodeId,
      agentId: `agent-${nodeId}`,
      mode,
      generation: 1,
      ttlMs,
      at: new Date(receivedAt).toISOString(),
    },
    receivedAt,
  };
}

/** A gauge or counter value with exactly these labels (0 when absent). */
export async function metricValue(
  metric: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> },
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await metric.get();
  const found = values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  return found?.value ?? 0;
}
