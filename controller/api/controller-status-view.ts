import type { Registry } from "prom-client";
import type { z } from "zod";
import {
  type AgentView,
  type CapacityEntry,
  ClusterSummary,
  type TargetView,
} from "../../crds-like-schemas/contracts/status-api.js";
import { redisKeys } from "../../crds-like-schemas/index.js";
import type { RedisClient } from "../../lib/redis.js";
import type { ClusterRuntime } from "../cluster-runtime.js";
import type { LeaseManager, LeaseStatus } from "../leases/lease-manager.js";
import { readPersistedViews } from "../machines/target-registry.js";
import type { SpecSource } from "../reconcile/ports.js";
import { BoundedRead, BoundedReads, type Reading } from "./bounded-read.js";
import type { ExplainAnswer, Listing, StaleNote, StatusDocument, StatusView, TargetFilter } from "./status-view.js";

export interface ControllerStatusViewDeps {
  id: string;
  redis: RedisClient;
  keyPrefix: string;
  registry: Registry;
  specSource: SpecSource;
  leases: LeaseManager;
  runtimes: ReadonlyMap<string, ClusterRuntime>;
  /** The http_sd document, serialised and gzipped (its JSON can be tens of MB). */
  httpSd: () => Buffer;
  ready: () => boolean;
  /** A held cluster whose last completed reconcile is older than this is reported stale. */
  staleAfterMs: number;
  /** How long a request waits for a Redis read before it is answered with the older value. @defaultValue 500 */
  readBudgetMs?: number | undefined;
  /** Redis reads younger than this are served from memory. @defaultValue 1000 */
  readMaxAgeMs?: number | undefined;
  now?: () => number;
}

/**
 * The status API's view of the whole fleet from one replica: clusters this replica holds are read live from
 * their machines; the others from what their owner last persisted in Redis (machine snapshots, summaries), and
 * the lease table from Redis. Redis reads go through {@link BoundedRead}s, so every answer comes within about
 * `readBudgetMs` whatever Redis does, with what is older than it should be listed as {@link StaleNote}s.
 */
export class ControllerStatusView implements StatusView {
  private readonly now: () => number;
  private readonly leaseTable: BoundedRead<LeaseStatus[]>;
  private readonly storedSummaries: BoundedReads<ClusterSummary | undefined>;
  private readonly storedMachines: BoundedReads<{ targets: TargetView[]; agents: AgentView[] }>;

  constructor(private readonly deps: ControllerStatusViewDeps) {
    this.now = deps.now ?? Date.now;
    const options = { maxAgeMs: deps.readMaxAgeMs ?? 1_000, waitMs: deps.readBudgetMs ?? 500, now: this.now };
    this.leaseTable = new BoundedRead(() => deps.leases.status(), options);
    this.storedSummaries = new BoundedReads(
      async (cluster) => parseJson(ClusterSummary, await deps.redis.get(redisKeys(deps.keyPrefix).status(cluster))),
      options,
    );
    this.storedMachines = new BoundedReads(
      (cluster) => readPersistedViews(deps.redis, cluster, deps.keyPrefix),
      options,
    );
  }

  ready(): boolean {
    return this.deps.ready();
  }

  async status(): Promise<StatusDocument> {
    const applied = this.deps.specSource.current();
    const stale: StaleNote[] = [];
    const names = this.clusterNames();
    const [leaseReading, ...stored] = await Promise.all([
      this.leaseTable.read(),
      ...names.map((cluster) => (this.deps.runtimes.has(cluster) ? undefined : this.storedSummaries.read(cluster))),
    ]);
    this.forgetUnasked(names);
    this.note(stale, "leases", leaseReading);
    const leases = leaseReading.value ?? [];
    const holders = new Map(leases.map((l) => [l.cluster, l.holder]));
    const clusters: StatusDocument["clusters"] = [];
    names.forEach((cluster, i) => {
      const runtime = this.deps.runtimes.get(cluster);
      if (runtime) {
        const summary = runtime.reconciler.summary(this.deps.id);
        this.noteReconcile(stale, summary);
        clusters.push(summary);
        return;
      }
      const reading = stored[i];
      if (reading) this.note(stale, `cluster ${cluster}`, reading);
      const summary = reading?.value;
      if (summary) clusters.push({ ...summary, holder: holders.get(cluster) });
      else clusters.push({ cluster, holder: holders.get(cluster), pending: true });
    });
    return {
      replica: this.deps.id,
      ready: this.ready(),
      stale,
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

  async targets(filter: TargetFilter): Promise<Listing<TargetView>> {
    const { items, stale } = await this.machines(filter.cluster, (v) => v.targets);
    const targets = items
      .filter((t) => !filter.service || t.serviceName === filter.service)
      .filter((t) => !filter.state || t.state === filter.state || t.state.startsWith(`${filter.state}.`))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { items: targets, stale };
  }

  async target(id: string): Promise<TargetView | undefined> {
    const { items } = await this.machines(undefined, (v) => v.targets);
    return items.find((t) => t.id === id);
  }

  async agents(cluster?: string): Promise<Listing<AgentView>> {
    const { items, stale } = await this.machines(cluster, (v) => v.agents);
    return { items: items.sort((a, b) => (a.cluster + a.nodeId < b.cluster + b.nodeId ? -1 : 1)), stale };
  }

  async capacity(): Promise<Listing<CapacityEntry>> {
    const names = this.clusterNames();
    const readings = await Promise.all(
      names.map((c) => (this.deps.runtimes.has(c) ? undefined : this.storedSummaries.read(c))),
    );
    const stale: StaleNote[] = [];
    const items = names.map((cluster, i): CapacityEntry => {
      const runtime = this.deps.runtimes.get(cluster);
      if (runtime) {
        this.noteReconcile(stale, runtime.reconciler.summary(this.deps.id));
        return (
          runtime.reconciler.lastCapacity() ?? {
            cluster,
            capacity: null,
            message: "capacity disabled or not computed yet",
          }
        );
      }
      const reading = readings[i];
      if (reading) this.note(stale, `cluster ${cluster}`, reading);
      return (
        reading?.value?.capacity ?? { cluster, capacity: null, message: "held by another replica; no summary yet" }
      );
    });
    return { items, stale };
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
    const leases = (await this.leaseTable.read()).value ?? [];
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

  /** Targets or agents of one cluster or all: live for held clusters, stored (bounded) for the others. */
  private async machines<T>(
    only: string | undefined,
    pick: (views: { targets: TargetView[]; agents: AgentView[] }) => T[],
  ): Promise<Listing<T>> {
    const names = this.clusterNames().filter((c) => !only || c === only);
    const stale: StaleNote[] = [];
    const parts = await Promise.all(
      names.map(async (cluster) => {
        const runtime = this.deps.runtimes.get(cluster);
        if (runtime) {
          this.noteReconcile(stale, runtime.reconciler.summary(this.deps.id));
          return pick({ targets: runtime.registry.targetViews(), agents: runtime.registry.agentViews() });
        }
        const reading = await this.storedMachines.read(cluster);
        this.note(stale, `cluster ${cluster} machines`, reading);
        return reading.value ? pick(reading.value) : [];
      }),
    );
    return { items: parts.flat(), stale };
  }

  private note(stale: StaleNote[], what: string, reading: Reading<unknown>): void {
    if (!reading.stale) return;
    const at = reading.readAt;
    stale.push({
      what,
      ageMs: at === undefined ? null : this.now() - at,
      asOf: at === undefined ? null : new Date(at).toISOString(),
      reason: reading.reason ?? "not read",
    });
  }

  /** A held cluster is stale when its last completed reconcile is older than `staleAfterMs` (e.g. Redis stalls it). */
  private noteReconcile(stale: StaleNote[], summary: ClusterSummary): void {
    if (!summary.lastReconcileAt) return;
    const at = Date.parse(summary.lastReconcileAt);
    const ageMs = this.now() - at;
    if (ageMs <= this.deps.staleAfterMs) return;
    stale.push({
      what: `cluster ${summary.cluster}`,
      ageMs,
      asOf: summary.lastReconcileAt,
      reason: `no reconcile has completed for ${Math.round(ageMs / 1_000)} s (stale after ${Math.round(this.deps.staleAfterMs / 1_000)} s)`,
    });
  }

  /** Drops stored reads of clusters this replica now holds or that left the spec. */
  private forgetUnasked(names: string[]): void {
    const wanted = new Set(names.filter((c) => !this.deps.runtimes.has(c)));
    this.storedSummaries.retain((c) => wanted.has(c));
    this.storedMachines.retain((c) => wanted.has(c));
  }
}

/** A spec cluster given by name or ARN matches the name in a task ARN. */
function sameCluster(specCluster: string, arnCluster: string): boolean {
  return specCluster === arnCluster || specCluster.endsWith(`:cluster/${arnCluster}`);
}

/**
 * A value another replica stored, parsed with its contract; undefined when absent, not JSON or not of the
 * contract (a replica of another version): the answer then shows the cluster as pending.
 */
function parseJson<T>(schema: z.ZodType<T>, value: string | null | undefined): T | undefined {
  if (!value) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
