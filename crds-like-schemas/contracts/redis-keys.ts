/**
 * Every Redis key and BullMQ queue name ecsmon uses, in one place (BullMQ's `QueueKeys` pattern). The controller
 * and the agents both build their keys here, so neither side can retype the other's layout.
 *
 * `prefix` is the configured key prefix (`ECSMON_REDIS_PREFIX`, default "ecsmon").
 */

/** One BullMQ queue per node. Fargate tasks without a sidecar go to {@link POOL_QUEUE}. */
export function nodeQueueName(nodeId: string): string {
  return `ecsmon-node-${nodeId}`;
}

export const POOL_QUEUE = "ecsmon-pool";
export const REPORTS_QUEUE = "ecsmon-reports";

/** Queue names as the controller's `ecsmon_queue_depth{queue}` metric labels them (node queues summed). */
export const QUEUE_DEPTH_LABELS = { node: "ecsmon-node", pool: POOL_QUEUE, reports: REPORTS_QUEUE } as const;

/** The keys of one key prefix. */
export function redisKeys(prefix: string) {
  return {
    /** The cluster's lease: `holder|token`, with a TTL. */
    lease: (cluster: string) => `${prefix}:lease:${cluster}`,
    /** INCR counter of fencing tokens for a cluster's lease. */
    leaseToken: (cluster: string) => `${prefix}:lease:${cluster}:token`,
    /** Sorted set of live controller replicas (score: last heartbeat). */
    replicas: () => `${prefix}:replicas`,
    /** Hash of the cluster's machine snapshots (target and agent machines). */
    machines: (cluster: string) => `${prefix}:machines:${cluster}`,
    /** JSON summary of the cluster's last reconcile, read by every replica's status API. */
    status: (cluster: string) => `${prefix}:status:${cluster}`,
    /** The cluster's http_sd document (gzipped JSON array). */
    sd: (cluster: string) => `${prefix}:sd:${cluster}`,
    /** The digest of the cluster's http_sd document. */
    sdDigest: (cluster: string) => `${prefix}:sd:${cluster}:digest`,
    /** Hash of one report kind of a cluster, field per node or target. */
    reports: (cluster: string, kind: "health" | "heartbeats" | "capacity") => `${prefix}:reports:${cluster}:${kind}`,
    /** When capacity was last published for a cluster (ms since the epoch). */
    capacityPublishedAt: (cluster: string) => `${prefix}:capacity:${cluster}:publishedAt`,
    /** One node's dispatch state (ADR 0008). */
    node: (nodeId: string) => {
      const base = `${prefix}:node:${nodeId}`;
      return {
        /** INCR counter: the node's generation, monotonic across controller replicas. */
        generation: `${base}:generation`,
        /** Id of the latest sync job (`sync-<node>-g<generation>`). */
        latest: `${base}:latest`,
        /** JSON of the latest whole NodeSyncJob, so an agent can converge even after the job was removed. */
        job: `${base}:job`,
        /** Content hash of the latest payload (sans generation, issuedAt, fencingToken). */
        hash: `${base}:hash`,
      };
    },
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
