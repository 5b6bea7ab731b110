import type { Redis } from "ioredis";
import type { StatusDocument } from "../../controller/api/status-view.js";
import { redisKeys } from "../../crds-like-schemas/contracts/redis-keys.js";
import type { RequestCount } from "../../sim/aws/counters.js";
import { byOperation, type Calls } from "./aws-calls.js";
import { type BenchChild, getJson, getText, untilWhileAlive } from "./processes.js";

/**
 * What the failover bench (bench/failover.ts) reads from outside the controllers: a replica's status API, its
 * /metrics, the simulator's request counters, and the published state in Redis (sync-job generations and payload
 * hashes of every node, the http_sd digest, the shared observer cache's size).
 */

export async function simCalls(endpoint: string): Promise<Calls> {
  return byOperation((await getJson<{ requests: RequestCount[] }>(`${endpoint}/_sim/requests`)).requests);
}

export interface Published {
  /** When the probe saw it (performance.now()). */
  at: number;
  /** When the probe first saw the replica hold the lease (performance.now()). */
  heldAt: number;
  observedAt: string;
  lastReconcileAt: string;
  fencingToken: number | undefined;
  targets: number;
}

/**
 * Waits until `replica` holds `cluster` and has completed a reconcile whose observation started at or after
 * `sinceEpochMs` (a fresh one, not a summary carried over): `lastReconcileAt` is set at the end of a reconcile,
 * after the http_sd document and the status were published.
 */
export function freshReconcile(
  child: BenchChild,
  api: string,
  replicaId: string,
  sinceEpochMs: number,
  timeoutMs: number,
): Promise<Published> {
  let heldAt: number | undefined;
  return untilWhileAlive(
    child,
    `a fresh reconcile by ${replicaId}`,
    async () => {
      const status = await getJson<StatusDocument>(`${api}/api/v1/status`);
      if (heldAt === undefined && status.leases[0]?.holder === replicaId) heldAt = performance.now();
      const summary = status.clusters[0];
      if (!summary || "pending" in summary || summary.holder !== replicaId) return undefined;
      if (!summary.observedAt || !summary.lastReconcileAt) return undefined;
      if (Date.parse(summary.observedAt) < sinceEpochMs) return undefined;
      const at = performance.now();
      return {
        at,
        heldAt: heldAt ?? at,
        observedAt: summary.observedAt,
        lastReconcileAt: summary.lastReconcileAt,
        fencingToken: summary.fencingToken,
        targets: Object.values(summary.targets).reduce((a, b) => a + b, 0),
      };
    },
    timeoutMs,
    100,
  );
}

/** The sum of every series of `name` whose labels contain all of `labels` (`k="v"` fragments). */
export async function metricSum(api: string, name: string, labels: readonly string[] = []): Promise<number> {
  const text = await getText(`${api}/metrics`);
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!labels.every((l) => line.includes(l))) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

/** Every node's sync-job generation counter and latest payload hash, and the cluster's http_sd digest. */
export interface PublishedState {
  generations: Map<string, number>;
  hashes: Map<string, string | null>;
  sdDigest: string | null;
}

export async function publishedState(redis: Redis, cluster: string, prefix = "ecsmon"): Promise<PublishedState> {
  const keys = redisKeys(prefix);
  const generationKeys = await redis.keys(`${prefix}:{n:*}:generation`);
  const nodeIds = generationKeys.map((k) => k.slice(k.indexOf("{n:") + 3, k.indexOf("}")));
  const pipeline = redis.pipeline();
  for (const id of nodeIds) pipeline.get(keys.node(id).generation).get(keys.node(id).hash);
  const answers = (await pipeline.exec()) ?? [];
  const generations = new Map<string, number>();
  const hashes = new Map<string, string | null>();
  nodeIds.forEach((id, i) => {
    generations.set(id, Number(answers[2 * i]?.[1] ?? 0));
    hashes.set(id, (answers[2 * i + 1]?.[1] as string | null) ?? null);
  });
  return { generations, hashes, sdDigest: await redis.get(keys.sdDigest(cluster)) };
}

/**
 * What the new holder published again: sync jobs it sent (generation increments) and, among them, those whose
 * payload hash equals the one already published (the same payload sent twice); whether the http_sd digest moved.
 */
export function republished(
  before: PublishedState,
  after: PublishedState,
): {
  jobs: number;
  samePayload: number;
  sdChanged: boolean;
} {
  let jobs = 0;
  let samePayload = 0;
  for (const [id, generation] of after.generations) {
    const sent = generation - (before.generations.get(id) ?? 0);
    if (sent <= 0) continue;
    jobs += sent;
    if (after.hashes.get(id) === before.hashes.get(id)) samePayload += sent;
  }
  return { jobs, samePayload, sdChanged: before.sdDigest !== after.sdDigest };
}

/**
 * Bytes Redis uses for the shared observer cache of `cluster` (MEMORY USAGE, all samples): the task definitions and
 * instance facts, and the task snapshot, with their entry counts.
 */
export async function sharedCacheFootprint(
  redis: Redis,
  cluster: string,
  prefix = "ecsmon",
): Promise<{
  factsBytes: number;
  tasksBytes: number;
  taskDefinitions: number;
  instanceEntries: number;
  tasks: number;
}> {
  const keys = redisKeys(prefix);
  const usage = async (key: string) => Number((await redis.call("MEMORY", "USAGE", key, "SAMPLES", "0")) ?? 0);
  return {
    factsBytes: (await usage(keys.taskDefinitions(cluster))) + (await usage(keys.instanceFacts(cluster))),
    tasksBytes: await usage(keys.taskSnapshot(cluster)),
    taskDefinitions: await redis.hlen(keys.taskDefinitions(cluster)),
    instanceEntries: await redis.hlen(keys.instanceFacts(cluster)),
    tasks: await redis.hlen(keys.taskSnapshot(cluster)),
  };
}
