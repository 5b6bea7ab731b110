import type { Cluster, Redis } from "ioredis";
import { parseLeaseValue } from "./cluster-lease.js";

/** Who holds each cluster's lease, for how much longer, and which replicas are live, as Redis sees it now. */
export interface LeaseSurvey {
  /** Live replica ids (registry members whose expiry is in the future). */
  live: string[];
  /** Holder id per cluster (undefined: free). */
  holders: Map<string, string | undefined>;
  /** Fencing token per held cluster. */
  tokens: Map<string, number | undefined>;
  /** Remaining lease time per held cluster, ms (PTTL). */
  remainingMs: Map<string, number>;
}

/**
 * One read per key, all sent at once: ioredis writes them back to back on one connection (a pipeline on the wire) and,
 * on a Redis Cluster, routes each to its shard. Deliberately not MGET nor `redis.pipeline()`: with hash-tagged keys
 * (one slot per cluster) both would be cross-slot, which a Redis Cluster rejects.
 */
export async function readLeaseHolders(
  redis: Redis | Cluster,
  leaseKey: (cluster: string) => string,
  clusters: readonly string[],
): Promise<Pick<LeaseSurvey, "holders" | "tokens">> {
  const values = await Promise.all(clusters.map((c) => redis.get(leaseKey(c))));
  const holders = new Map<string, string | undefined>();
  const tokens = new Map<string, number | undefined>();
  clusters.forEach((cluster, i) => {
    const parsed = parseLeaseValue(values[i]);
    holders.set(cluster, parsed?.holderId);
    tokens.set(cluster, parsed?.token);
  });
  return { holders, tokens };
}

/** {@link readLeaseHolders} plus each lease's PTTL and the live members of the replica registry (score = expiry). */
export async function surveyLeases(
  redis: Redis | Cluster,
  keys: { lease: (cluster: string) => string; replicas: () => string },
  clusters: readonly string[],
  now: number,
): Promise<LeaseSurvey> {
  const [read, ttls, live] = await Promise.all([
    readLeaseHolders(redis, keys.lease, clusters),
    Promise.all(clusters.map((c) => redis.pttl(keys.lease(c)))),
    redis.zrangebyscore(keys.replicas(), `(${now}`, "+inf"),
  ]);
  const remainingMs = new Map<string, number>();
  clusters.forEach((cluster, i) => {
    const ttl = ttls[i] ?? -2;
    if (ttl >= 0 && read.holders.get(cluster) !== undefined) remainingMs.set(cluster, ttl);
  });
  return { ...read, live, remainingMs };
}
