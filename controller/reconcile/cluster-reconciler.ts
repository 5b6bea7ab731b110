import type { Redis } from "ioredis";
import type { ClusterSpec } from "../../crds-like-schemas/index.js";
import { parseDuration } from "../../lib/duration.js";
import type { Logger } from "../../lib/logger.js";
import type { ClusterCapacity } from "../capacity/compute-capacity.js";
import type { NodeDispatcher } from "../dispatch/node-dispatcher.js";
import type { ReportStore, StoredHealth } from "../dispatch/report-store.js";
import { buildNodeSyncJob, buildPoolSyncJob } from "../dispatch/sync-job.js";
import type { ClusterLease } from "../leases/cluster-lease.js";
import type { TargetRegistry } from "../machines/target-registry.js";
import type { ClusterPlan, Condition, CurrentState, ObservedCluster } from "../model.js";
import type { ControllerMetrics } from "../outputs/controller-metrics.js";
import type { SdStore } from "../outputs/sd-store.js";
import { sdDocument } from "../outputs/target-groups.js";
import { explain, plan, type TaskExplanation } from "../plan/index.js";
import { TerminalError } from "./errors.js";
import { type NodeWithoutAgent, nodesWithoutAgent, nodesWithoutAgentCondition } from "./node-coverage.js";
import type { CapacityPort, ObserverPort, SpecSource } from "./ports.js";

export interface ClusterReconcilerDeps {
  cluster: string;
  specSource: SpecSource;
  observer: ObserverPort;
  lease: Pick<ClusterLease, "assertHeld" | "token">;
  registry: TargetRegistry;
  dispatcher: NodeDispatcher;
  reports: ReportStore;
  sd: SdStore;
  metrics: ControllerMetrics;
  capacity?: CapacityPort | undefined;
  redis: Redis;
  logger: Logger;
  /** Requeue period of a successful reconcile. */
  intervalMs: number;
  /** @defaultValue "ecsmon" */
  keyPrefix?: string;
  /** Sync jobs in flight at once. @defaultValue 16 */
  dispatchConcurrency?: number;
  now?: () => number;
}

/** Agents lost for longer than this are forgotten (machine, snapshot and stored reports). */
const AGENT_RETENTION_MS = 15 * 60_000;

/**
 * Every this many reconciles the dispatcher re-reads the sent payload hashes and the registry rewrites every
 * snapshot, so state Redis lost (a restart without persistence) is re-created even when nothing changed.
 */
const FULL_RESYNC_EVERY = 30;

/** What a reconcile returns: when to run again. */
export interface ReconcileOutcome {
  requeueAfterMs: number;
}

/** The per-cluster summary shown by the status API (also stored in Redis for the other replicas). */
export interface ClusterSummary {
  cluster: string;
  holder: string | undefined;
  fencingToken: number | undefined;
  observedAt: string | undefined;
  lastReconcileAt: string | undefined;
  conditions: Condition[];
  targets: Record<string, number>;
  agents: Record<string, number>;
  invalidTargets: number;
  nodes: number;
  /** Nodes holding targets with no live agent; also the `NodesWithoutAgent` condition and metric. */
  nodesWithoutAgent: NodeWithoutAgent[];
  poolTargets: number;
  syncJobsSent: number;
  capacity: Omit<ClusterCapacity, "nodes"> | undefined;
}

/**
 * Reconciles one cluster: re-reads the spec and observes the cluster itself (the trigger is irrelevant), plans,
 * feeds the machines, dispatches changed node payloads, publishes SD outputs and, when due, capacity. A failed
 * observation throws (the loop retries with backoff) after marking `ObservationComplete=False`; nothing that was
 * published is touched, so the last good targets stay in force.
 */
export class ClusterReconciler {
  readonly cluster: string;
  private readonly deps: ClusterReconcilerDeps;
  private readonly now: () => number;
  private readonly prefix: string;
  private readonly conditionMap = new Map<string, Condition>();
  private lastObserved: ObservedCluster | undefined;
  private lastPlan: ClusterPlan | undefined;
  private lastCurrent: CurrentState | undefined;
  private lastReconcileAt: number | undefined;
  private capacity: ClusterCapacity | undefined;
  private uncovered: NodeWithoutAgent[] = [];
  private syncJobsSent = 0;
  private reconciles = 0;

  constructor(deps: ClusterReconcilerDeps) {
    this.deps = deps;
    this.cluster = deps.cluster;
    this.now = deps.now ?? Date.now;
    this.prefix = deps.keyPrefix ?? "ecsmon";
  }

  /** The cluster's entry in the spec in force; TerminalError when it left the spec. */
  clusterSpec(): ClusterSpec {
    const applied = this.deps.specSource.current();
    const spec = applied?.spec.spec.clusters.find((c) => c.name === this.cluster);
    if (!spec) throw new TerminalError(`cluster ${this.cluster} is not in the spec in force`);
    return spec;
  }

  async reconcile(): Promise<ReconcileOutcome> {
    const { registry, lease } = this.deps;
    const spec = this.clusterSpec();
    this.deps.observer.updateSpec?.(spec);
    await this.refreshAgents();

    let observed: ObservedCluster;
    try {
      observed = await this.deps.observer.observe();
    } catch (error) {
      const reason = (error as { reason?: unknown }).reason;
      this.setCondition(
        "ObservationComplete",
        "False",
        typeof reason === "string" ? reason : "ObservationFailed",
        String((error as Error).message ?? error),
      );
      throw error;
    }
    this.setCondition(
      "ObservationComplete",
      "True",
      "Observed",
      `observed ${observed.tasks.length} tasks on ${observed.instances.length} instances`,
    );
    for (const c of this.deps.observer.conditions?.() ?? []) this.setCondition(c.type, c.status, c.reason, c.message);
    const heartbeats = await this.deps.reports.heartbeats(this.cluster);
    const current = this.currentState(observed, heartbeats);
    const planned = plan(spec, observed, current);
    registry.applyPlan(planned);

    if (this.reconciles++ % FULL_RESYNC_EVERY === 0) {
      this.deps.dispatcher.forget(planned.nodes.keys());
      this.deps.registry.resyncPersisted();
    }
    await this.dispatch(spec, planned);
    const staleHealth = await this.applyHealthReports();
    registry.tick();
    this.coverageStep(planned, observed);
    const pruned = registry.pruneAgents(AGENT_RETENTION_MS);
    await registry.persist(lease);
    await this.forgetStaleReports(staleHealth, pruned);

    if (await this.deps.sd.put(this.cluster, sdDocument(planned.targets), lease)) {
      this.deps.metrics.sdWrites.labels("http_sd").inc();
    }
    if (planned.services) this.deps.metrics.setServices(this.cluster, planned.services);
    await this.capacityStep(spec, observed);

    this.lastObserved = observed;
    this.lastPlan = planned;
    this.lastCurrent = current;
    this.lastReconcileAt = this.now();
    this.publishCounts();
    await this.deps.redis.set(`${this.prefix}:status:${this.cluster}`, JSON.stringify(this.summary(undefined)));
    return { requeueAfterMs: this.deps.intervalMs };
  }

  /**
   * Reads the latest heartbeats and advances the agent machines. Returns true when an agent was lost or came
   * back, i.e. the plan's input changed and the cluster should reconcile now.
   */
  async refreshAgents(): Promise<boolean> {
    const heartbeats = await this.deps.reports.heartbeats(this.cluster);
    this.deps.registry.applyHeartbeats(heartbeats.values());
    const { lost, back } = this.deps.registry.tick();
    if (lost.length > 0) this.deps.logger.warn({ cluster: this.cluster, nodes: lost }, "agents lost");
    if (back.length > 0) this.deps.logger.info({ cluster: this.cluster, nodes: back }, "agents back");
    this.publishCounts();
    return lost.length > 0 || back.length > 0;
  }

  /** Why each container of a task is or is not a target, from the last complete observation. */
  explain(task: string): TaskExplanation | undefined {
    const observed = this.lastObserved ?? this.deps.observer.lastGood();
    if (!observed || !this.lastCurrent) return undefined;
    return explain(this.clusterSpec(), observed, this.lastCurrent, task);
  }

  /** Node ids of the last plan (for queue-depth metrics). */
  nodeIds(): string[] {
    return this.lastPlan ? [...this.lastPlan.nodes.keys()] : [];
  }

  lastCapacity(): ClusterCapacity | undefined {
    return this.capacity;
  }

  summary(holder: string | undefined): ClusterSummary {
    const { targets, agents } = this.counts();
    let capacity: ClusterSummary["capacity"];
    if (this.capacity) {
      const { nodes: _nodes, ...rest } = this.capacity;
      capacity = rest;
    }
    return {
      cluster: this.cluster,
      holder,
      fencingToken: this.deps.lease.token,
      observedAt: this.lastObserved?.observedAt,
      lastReconcileAt: this.lastReconcileAt === undefined ? undefined : new Date(this.lastReconcileAt).toISOString(),
      conditions: [...this.conditionMap.values()],
      targets,
      agents,
      invalidTargets: this.lastPlan?.invalid.length ?? 0,
      nodes: this.lastPlan?.nodes.size ?? 0,
      nodesWithoutAgent: this.uncovered,
      poolTargets: this.lastPlan?.pool.length ?? 0,
      syncJobsSent: this.syncJobsSent,
      capacity,
    };
  }

  /** Records a failure outside observe (dispatch, Redis) as a condition. */
  noteFailure(error: unknown): void {
    this.setCondition(
      "Reconciled",
      "False",
      (error as Error).name || "Error",
      String((error as Error).message ?? error),
    );
  }

  noteSuccess(): void {
    this.setCondition("Reconciled", "True", "Reconciled", "last reconcile succeeded");
  }

  private async dispatch(spec: ClusterSpec, planned: ClusterPlan): Promise<void> {
    const { dispatcher, lease, registry, metrics } = this.deps;
    const jobs = [...planned.nodes.values()].map((payload) => ({
      job: buildNodeSyncJob(this.cluster, spec, payload),
      ids: payload.targets.map((t) => t.id),
    }));
    jobs.push({
      job: buildPoolSyncJob(
        this.cluster,
        spec,
        planned.pool.map((t) => t.target),
      ),
      ids: planned.pool.map((t) => t.target.id),
    });
    let sent = 0;
    await mapLimit(jobs, this.deps.dispatchConcurrency ?? 16, async ({ job, ids }) => {
      const result = await dispatcher.sync(job, lease);
      if (result.sent) sent++;
      registry.markAssigned(ids);
    });
    if (sent > 0) {
      this.syncJobsSent += sent;
      metrics.syncJobs.labels(this.cluster).inc(sent);
      this.deps.logger.info({ cluster: this.cluster, sent, nodes: jobs.length }, "sync jobs dispatched");
    }
  }

  /**
   * Feeds the stored health results to the target machines batch by batch (10,000 targets report every scrape
   * interval; holding them all across awaits would promote them to the old generation). Returns the ids of
   * results whose target the registry no longer holds.
   */
  private async applyHealthReports(): Promise<string[]> {
    const { registry, reports } = this.deps;
    const stale: string[] = [];
    await reports.forEachHealth(this.cluster, (batch) => {
      const results: StoredHealth[] = [];
      for (const [targetId, health] of batch) {
        if (!registry.hasTarget(targetId)) stale.push(targetId);
        else if (health) results.push(health);
      }
      registry.applyHealth(results);
    });
    return stale;
  }

  /** Drops health results of targets that no longer exist and the reports of pruned agents. */
  private async forgetStaleReports(staleHealth: string[], prunedAgents: string[]): Promise<void> {
    await this.deps.reports.forget(this.cluster, "health", staleHealth);
    await this.deps.reports.forget(this.cluster, "heartbeats", prunedAgents);
    await this.deps.reports.forget(this.cluster, "capacity", prunedAgents);
  }

  /** Which nodes hold targets that no live agent scrapes: the `NodesWithoutAgent` condition and gauge. */
  private coverageStep(planned: ClusterPlan, observed: ObservedCluster): void {
    this.uncovered = nodesWithoutAgent(planned, this.deps.registry.liveAgents(), observed.instances);
    const c = nodesWithoutAgentCondition(this.uncovered);
    this.setCondition(c.type, c.status, c.reason, c.message);
    this.deps.metrics.nodesWithoutAgent.labels(this.cluster).set(this.uncovered.length);
  }

  private async capacityStep(spec: ClusterSpec, observed: ObservedCluster): Promise<void> {
    const port = this.deps.capacity;
    if (!port || !spec.capacity.enabled) return;
    const reports = await this.deps.reports.capacity(this.cluster);
    const capacity = port.compute(observed, spec, reports);
    this.capacity = capacity;
    port.update?.(this.cluster, capacity);
    const key = `${this.prefix}:capacity:${this.cluster}:publishedAt`;
    const periodMs = parseDuration(spec.capacity.period);
    const last = Number((await this.deps.redis.get(key)) ?? 0);
    const observedAtMs = Date.parse(capacity.observedAt);
    if (this.now() - last < periodMs || observedAtMs <= last) return;
    await this.deps.lease.assertHeld();
    await port.publish(spec.capacity.namespace, this.cluster, capacity);
    await this.deps.redis.set(key, String(Math.max(this.now(), observedAtMs)));
  }

  private currentState(observed: ObservedCluster, heartbeats: Map<string, { mode: string }>): CurrentState {
    const live = this.deps.registry.liveAgents();
    const sidecarTasks = new Set<string>();
    for (const task of observed.tasks) {
      if (live.has(task.taskId) && heartbeats.get(task.taskId)?.mode === "sidecar") sidecarTasks.add(task.taskArn);
    }
    return { liveAgents: live, sidecarTasks };
  }

  private counts(): { targets: Record<string, number>; agents: Record<string, number> } {
    const targets = Object.fromEntries(this.deps.registry.countByState());
    const agents: Record<string, number> = {};
    for (const a of this.deps.registry.agentViews()) agents[a.state] = (agents[a.state] ?? 0) + 1;
    return { targets, agents };
  }

  private publishCounts(): void {
    const { targets, agents } = this.counts();
    this.deps.metrics.setStateCounts(this.cluster, new Map(Object.entries(targets)), new Map(Object.entries(agents)));
  }

  private setCondition(type: string, status: Condition["status"], reason: string, message: string): void {
    const previous = this.conditionMap.get(type);
    const generation = this.deps.specSource.current()?.generation;
    this.conditionMap.set(type, {
      type,
      status,
      reason,
      message,
      observedGeneration: generation,
      lastTransitionTime:
        previous && previous.status === status ? previous.lastTransitionTime : new Date(this.now()).toISOString(),
    });
  }
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
}
