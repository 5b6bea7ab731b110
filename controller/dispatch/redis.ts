import { Redis, type RedisOptions } from "ioredis";
import type { Config } from "../../lib/config.js";

/**
 * Builds an ioredis client from the typed config: `rediss://` turns TLS on (certificate checks stay on unless
 * `tlsInsecure`), `password` overrides any password in the URL. `maxRetriesPerRequest: null` is what BullMQ
 * requires for workers and lets commands wait through a Redis outage instead of failing the process.
 */
export function createRedis(redis: Config["redis"], overrides: RedisOptions = {}): Redis {
  const url = new URL(redis.url);
  const options: RedisOptions = {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(200 * times, 2_000),
    ...(redis.password ? { password: redis.password } : {}),
    ...(url.protocol === "rediss:" ? { tls: { rejectUnauthorized: !redis.tlsInsecure } } : {}),
    ...overrides,
  };
  const client = new Redis(redis.url, options);
  client.on("error", () => {});
  return client;
}
