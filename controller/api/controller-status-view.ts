import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import type { ClusterRuntime } from "../cluster-runtime.js";
import type { LeaseManager } from "../leases/lease-manager.js";
import { readPersistedViews } from "../machines/target-registry.js";
import type { AgentView, TargetView } from "../machines/views.js";
import type { ClusterSummary } from "../reconcile/cluster-reconciler.js";
import type { SpecSource } from "../reconcile/ports.js";
import type { ExplainAnswer, StatusDocument, StatusView, TargetFilter } from "./status-view.js";

export interface ControllerStatusViewDeps {
  id: string;
  redis: Redis;
  keyPrefix: string;
  registry: Registry;
  specSource: SpecSource;
  leases: LeaseManager;
  runtimes: ReadonlyMap<string, ClusterRuntime>;
  /** The http_sd document, serialised and gzipped (its JSON can be tens of MB). */
  httpSd: () => Buffer;
  ready: () => boolean;
}

/**
 * The status API's view of the whole fleet from one replica: clusters this replica holds are read live from
 * their machines; the others from what their owner last persisted in Redis (machine snapshots, summaries).
 */
export class ControllerStatusView implements StatusView {
  constructor(private readonly deps: ControllerStatusViewDeps) {}

  ready(): boolean {
    return this.deps.ready();
  }

  async status(): Promise<StatusDocument> {
    const applied = this.deps.specSource.current();
    const leases = await this.deps.leases.status();
    const holders = new Map(leases.map((l) => [l.cluster, l.holder]));
    const clusters: StatusDocument["clusters"] = [];
    for (const cluster of this.clusterNames()) {
      const runtime = this.deps.runtimes.get(cluster);
      if (runtime) {
        clusters.push(runtime.reconciler.summary(this.deps.id));
        continue;
      }
      const stored = await this.deps.redis.get(`${this.deps.keyPrefix}:status:${cluster}`);
      const summary = parseJson<ClusterSummary>(stored);
      if (summary) clusters.push({ ...summary, holder: holders.get(cluster) });
      else clusters.push({ cluster, holder: holders.get(cluster), pending: true });
    }
    return {
      replica: this.deps.id,
      ready: this.ready(),
      leases,
      spec: {
        loaded: applied !== undefined,
        name: applied?.spec.metadata.name,
        version: applied?.version,
        generation: applied?.generation,
        conditions: this.deps.specSource.conditions(),
      },
      clusters,
    };
  }

  async targets(filter: TargetFilter): Promise<TargetView[]> {
    const clusters = filter.cluster ? this.clusterNames().filter((c) => c === filter.cluster) : this.clusterNames();
    const out: TargetView[] = [];
    for (const cluster of clusters) out.push(...(await this.clusterViews(cluster)).targets);
    return out
      .filter((t) => !filter.service || t.serviceName === filter.service)
      .filter((t) => !filter.state || t.state === filter.state || t.state.startsWith(`${filter.state}.`))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async target(id: string): Promise<TargetView | undefined> {
    for (const cluster of this.clusterNames()) {
      const found = (await this.clusterViews(cluster)).targets.find((t) => t.id === id);
      if (found) return found;
    }
    return undefined;
  }

  async agents(cluster?: string): Promise<AgentView[]> {
    const clusters = cluster ? this.clusterNames().filter((c) => c === cluster) : this.clusterNames();
    const out: AgentView[] = [];
    for (const c of clusters) out.push(...(await this.clusterViews(c)).agents);
    return out.sort((a, b) => (a.cluster + a.nodeId < b.cluster + b.nodeId ? -1 : 1));
  }

  async capacity(): Promise<unknown[]> {
    const out: unknown[] = [];
    for (const cluster of this.clusterNames()) {
      const runtime = this.deps.runtimes.get(cluster);
      if (runtime) {
        const capacity = runtime.reconciler.lastCapacity();
        out.push(capacity ?? { cluster, capacity: null, message: "capacity disabled or not computed yet" });
        continue;
      }
      const summary = parseJson<ClusterSummary>(await this.deps.redis.get(`${this.deps.keyPrefix}:status:${cluster}`));
      out.push(summary?.capacity ?? { cluster, capacity: null, message: "held by another replica; no summary yet" });
    }
    return out;
  }

  async explain(task: string): Promise<ExplainAnswer> {
    const clusterOfArn = /^arn:aws[a-z-]*:ecs:[^:]*:[^:]*:task\/([^/]+)\/[^/]+$/.exec(task)?.[1];
    let notFound: ExplainAnswer | undefined;
    for (const [cluster, runtime] of this.deps.runtimes) {
      if (clusterOfArn && !sameCluster(cluster, clusterOfArn)) continue;
      const answer = runtime.reconciler.explain(task);
      if (answer?.found) return { status: 200, body: answer };
      if (answer && clusterOfArn) return { status: 404, body: { error: "NotFound", message: answer.message } };
      notFound ??= answer ? { status: 404, body: { error: "NotFound", message: answer.message } } : undefined;
    }
    const leases = await this.deps.leases.status();
    const elsewhere = leases.filter((l) => !l.mine).map((l) => ({ cluster: l.cluster, holder: l.holder }));
    const message =
      elsewhere.length > 0
        ? `task ${JSON.stringify(task)} not found in the clusters this replica holds; ask the replica holding ${elsewhere.map((e) => `${e.cluster} (${e.holder ?? "nobody"})`).join(", ")}`
        : (notFound?.body.message ?? `task ${JSON.stringify(task)} not found (no cluster observed yet)`);
    return { status: 404, body: { error: "NotFound", message, heldElsewhere: elsewhere } };
  }

  sd(): Buffer {
    return this.deps.httpSd();
  }

  async metrics(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.deps.registry.contentType, body: await this.deps.registry.metrics() };
  }

  private clusterNames(): string[] {
    return this.deps.specSource.current()?.spec.spec.clusters.map((c) => c.name) ?? [];
  }

  private async clusterViews(cluster: string): Promise<{ targets: TargetView[]; agents: AgentView[] }> {
    const runtime = this.deps.runtimes.get(cluster);
    if (runtime) return { targets: runtime.registry.targetViews(), agents: runtime.registry.agentViews() };
    return readPersistedViews(this.deps.redis, cluster, this.deps.keyPrefix);
  }
}

/** A spec cluster given by name or ARN matches the name in a task ARN. */
function sameCluster(specCluster: string, arnCluster: string): boolean {
  return specCluster === arnCluster || specCluster.endsWith(`:cluster/${arnCluster}`);
}

function parseJson<T>(value: string | null | undefined): T | undefined {
  if (!value) return undefined;
  try {
    return JSON.parse(value) as T;
  } catch {
    return undefined;
  }
}
