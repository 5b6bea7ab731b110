import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import { backoffDelay } from "./backoff.js";
import type { Config } from "./config.js";

/** How the connection is used; BullMQ needs different settings for each. */
export type RedisRole = "worker" | "producer";

/**
 * A connection to a single Redis server or to a Redis Cluster. Both offer the same commands; keys that one command
 * combines must share a hash tag (crds-like-schemas/contracts/redis-keys.ts, ADR 0062).
 */
export type RedisClient = Redis | Cluster;

/** Reconnect delays: 100 ms doubling to 5 s, with equal jitter (lib/backoff.ts). */
const RECONNECT = { initialMs: 100, maxMs: 5_000 };

/**
 * Builds an ioredis client for BullMQ from the typed config: a {@link Redis} for a single server, or, with
 * `cluster` (REDIS_CLUSTER=true), a {@link Cluster} seeded from the URL's host and port (e.g. an ElastiCache
 * configuration endpoint), which discovers the other nodes itself. `rediss://` turns TLS on (certificates are
 * verified unless `tlsInsecure`); `password` overrides a password in the URL and is never logged.
 * Reconnects forever with capped exponential backoff plus jitter (100 ms doubling to 5 s); a cluster also reconnects
 * each node that drops, and refreshes its slot map every 5 s.
 * - `worker` (default): `maxRetriesPerRequest: null`, as BullMQ requires for blocking workers; commands wait
 *   through an outage.
 * - `producer`: `enableOfflineQueue: false`, so that adds fail fast while Redis is away and callers can
 *   buffer or skip instead of hanging.
 * An `error` listener is attached so that connection errors never crash the process; callers may add their own.
 * `overrides` are single-server options; for a cluster, `retryStrategy` and `lazyConnect` apply to the cluster and
 * the rest to each node's connection.
 */
export function createRedisConnection(
  redis: Config["redis"],
  role: RedisRole = "worker",
  overrides: RedisOptions = {},
): RedisClient {
  const url = new URL(redis.url);
  const retryStrategy = (times: number) => backoffDelay(RECONNECT, times);
  const options: RedisOptions = {
    maxRetriesPerRequest: role === "worker" ? null : 1,
    enableOfflineQueue: role === "worker",
    enableReadyCheck: true,
    connectTimeout: 5_000,
    retryStrategy,
    ...credentials(url, redis),
    ...(url.protocol === "rediss:" ? { tls: { rejectUnauthorized: !redis.tlsInsecure } } : {}),
    ...overrides,
  };
  const client = redis.cluster
    ? new Cluster([seedNode(url)], clusterOptions(url, options))
    : new Redis(redis.url, options);
  client.on("error", () => {});
  return client;
}

/** The single-server options of {@link createRedisConnection}, moved to where ioredis's Cluster expects them. */
function clusterOptions(url: URL, options: RedisOptions): ClusterOptions {
  const { retryStrategy, enableOfflineQueue, lazyConnect, port: _p, host: _h, ...perNode } = options;
  return {
    clusterRetryStrategy: retryStrategy,
    // A node that drops (restart, failover) is reconnected with the same backoff, instead of only being found again
    // by the next slots refresh (ioredis's default drops the node's connection for good).
    clusterNodeRetryStrategy: retryStrategy,
    enableOfflineQueue,
    enableReadyCheck: options.enableReadyCheck,
    lazyConnect,
    // Slots move on failover and resharding: follow them within seconds.
    slotsRefreshInterval: 5_000,
    // TLS certificates name the configuration endpoint, not each node's address (ElastiCache): keep the hostnames.
    ...(url.protocol === "rediss:" ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    redisOptions: perNode,
  };
}

function seedNode(url: URL): { host: string; port: number } {
  return { host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 6379) };
}

/** The URL's user and password (a Cluster takes no URL), with REDIS_PASSWORD taking precedence. */
function credentials(url: URL, redis: Config["redis"]): Pick<RedisOptions, "username" | "password"> {
  const password = redis.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
  return {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(password ? { password } : {}),
  };
}
