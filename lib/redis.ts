import { Redis, type RedisOptions } from "ioredis";
import type { Config } from "./config.js";

/** How the connection is used; BullMQ needs different settings for each. */
export type RedisRole = "worker" | "producer";

/**
 * Builds an ioredis client for BullMQ from the typed config. `rediss://` turns TLS on (certificates are
 * verified unless `tlsInsecure`); `password` overrides a password in the URL and is never logged.
 * Reconnects forever with capped exponential backoff plus jitter (100 ms doubling to 5 s).
 * - `worker` (default): `maxRetriesPerRequest: null`, as BullMQ requires for blocking workers; commands wait
 *   through an outage.
 * - `producer`: `enableOfflineQueue: false`, so that adds fail fast while Redis is away and callers can
 *   buffer or skip instead of hanging.
 * An `error` listener is attached so that connection errors never crash the process; callers may add their own.
 */
export function createRedisConnection(
  redis: Config["redis"],
  role: RedisRole = "worker",
  overrides: RedisOptions = {},
): Redis {
  const url = new URL(redis.url);
  const options: RedisOptions = {
    maxRetriesPerRequest: role === "worker" ? null : 1,
    enableOfflineQueue: role === "worker",
    enableReadyCheck: true,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5_000) + Math.floor(Math.random() * 100),
    ...(redis.password ? { password: redis.password } : {}),
    ...(url.protocol === "rediss:" ? { tls: { rejectUnauthorized: !redis.tlsInsecure } } : {}),
    ...overrides,
  };
  const client = new Redis(redis.url, options);
  client.on("error", () => {});
  return client;
}
