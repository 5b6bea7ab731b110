/**
 * Every Redis key and BullMQ queue name ecsmon uses, in one place (BullMQ's `QueueKeys` pattern). The controller
 * and the agents both build their keys here, so neither side can retype the other's layout.
 *
 * The layout is hash-tagged for Redis Cluster (ADR 0062): Redis hashes only the part between the first `{` and the
 * next `}`, so every key that shares a tag lives in one slot, and any operation over several keys (MULTI/EXEC, a Lua
 * script's KEYS[], MGET/DEL) is legal only when its keys share a tag.
 * - `{c:<cluster>}`: everything about one ECS cluster (lease, fencing counter, machines, status, http_sd, reports,
 *   capacity stamp). Clusters spread over the shards; one cluster's keys may be combined freely.
 * - `{n:<nodeId>}`: one node's dispatch state (generation, latest job id, job, hash).
 * - BullMQ queues carry their tag in the queue name (`{ecsmon-node-<id>}`), since BullMQ's scripts touch all of a
 *   queue's keys at once (`<bullPrefix>:{ecsmon-node-<id>}:wait`, `…:meta`, …); each queue gets its own slot.
 * - `<prefix>:replicas` is a single key, never combined with another, so it needs no tag.
 *
 * Keys under different tags are never combined in one command: read them one key at a time.
 * `prefix` is the key prefix (the `keyPrefix` option, default {@link KEY_PREFIX}); it must not contain `{` or `}`,
 * which would replace the tags.
 */

/** The default prefix of ecsmon's own keys. */
export const KEY_PREFIX = "ecsmon";

/** The BullMQ key prefix (queues live under `<bullPrefix>:<queue name>`). */
export const BULL_PREFIX = "bull";

/** One BullMQ queue per node, hash-tagged by its own name. Fargate tasks without a sidecar go to {@link POOL_QUEUE}. */
export function nodeQueueName(nodeId: string): string {
  return `{ecsmon-node-${nodeId}}`;
}

export const POOL_QUEUE = "{ecsmon-pool}";
export const REPORTS_QUEUE = "{ecsmon-reports}";

/** Queue names as the controller's `ecsmon_queue_depth{queue}` metric labels them (node queues summed). */
export const QUEUE_DEPTH_LABELS = { node: "ecsmon-node", pool: "ecsmon-pool", reports: "ecsmon-reports" } as const;

/** The keys of one key prefix. Throws when the prefix holds a brace (it would take the tags' place). */
export function redisKeys(prefix: string) {
  if (/[{}]/.test(prefix)) throw new Error(`redis key prefix ${JSON.stringify(prefix)} must not contain { or }`);
  const cluster = (name: string) => `${prefix}:{c:${name}}`;
  return {
    /** The cluster's lease: `holder|token`, with a TTL. */
    lease: (name: string) => `${cluster(name)}:lease`,
    /** INCR counter of fencing tokens for a cluster's lease (same slot as the lease: one script takes both). */
    leaseToken: (name: string) => `${cluster(name)}:lease:token`,
    /** Sorted set of live controller replicas (score: expiry). A single key: never combined with another. */
    replicas: () => `${prefix}:replicas`,
    /** Hash of the cluster's machine snapshots (target and agent machines). */
    machines: (name: string) => `${cluster(name)}:machines`,
    /** JSON summary of the cluster's last reconcile, read by every replica's status API. */
    status: (name: string) => `${cluster(name)}:status`,
    /** The cluster's http_sd document (gzipped JSON array). Written with {@link sdDigest} in one MULTI. */
    sd: (name: string) => `${cluster(name)}:sd`,
    /** The digest of the cluster's http_sd document. */
    sdDigest: (name: string) => `${cluster(name)}:sd:digest`,
    /** Hash of one report kind of a cluster, field per node or target. */
    reports: (name: string, kind: "health" | "heartbeats" | "capacity") => `${cluster(name)}:reports:${kind}`,
    /** When capacity was last published for a cluster (ms since the epoch). */
    capacityPublishedAt: (name: string) => `${cluster(name)}:capacity:publishedAt`,
    /**
     * Shared observer cache (ADR 0068), schema v1 (the version is in the key): hash of task definitions by ARN.
     * Written by a Lua script that checks the cluster's lease in the same slot.
     */
    taskDefinitions: (name: string) => `${cluster(name)}:cache:v1:taskdefs`,
    /** Shared observer cache (ADR 0068), schema v1: hash of EC2 facts (`ec2:<id>`) and instance types (`type:<name>`). */
    instanceFacts: (name: string) => `${cluster(name)}:cache:v1:instances`,
    /** Shared observer cache (ADR 0068), schema v1: hash of the cluster's settled tasks by ARN, as last described. */
    taskSnapshot: (name: string) => `${cluster(name)}:cache:v1:tasks`,
    /** One node's dispatch state (ADR 0008), all in the node's slot. */
    node: (nodeId: string) => {
      const base = `${prefix}:{n:${nodeId}}`;
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
