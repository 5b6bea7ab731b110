import type { Config } from "../../lib/config.js";
import { createRedisConnection } from "../../lib/redis.js";
import { type CheckResult, runCheck } from "./check.js";

/** BullMQ refuses older servers (RedisConnection.minimumVersion) and warns unless eviction is off. */
export const BULLMQ_MIN_REDIS_VERSION = "5.0.0";

/** Redact the password of a redis:// URL for display. */
function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split(".").map(Number);
  const b = minimum.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, "m").exec(info)?.[1]?.trim();
}

/**
 * Connects once (no retries), measures the PING round trip (median of 3), and reads the server version and the
 * eviction policy from INFO. Every command is bounded by `timeoutMs`, so a stalled server fails the check
 * instead of hanging it.
 */
export function redisCheck(redis: Config["redis"], timeoutMs: number): Promise<CheckResult> {
  const where = displayUrl(redis.url);
  return runCheck(
    `Redis ${where}`,
    async () => {
      const client = createRedisConnection(redis, "producer", {
        lazyConnect: true,
        connectTimeout: timeoutMs,
        commandTimeout: timeoutMs,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      // ioredis rejects with "Connection is closed." once it gives up; the socket error says why.
      let socketError: Error | undefined;
      client.on("error", (error: Error) => {
        socketError = error;
      });
      try {
        await bounded(client.connect(), timeoutMs, `no connection within ${timeoutMs} ms`).catch((error: Error) => {
          throw socketError ?? error;
        });
        const rtts: number[] = [];
        for (let i = 0; i < 3; i++) {
          const started = performance.now();
          await client.ping();
          rtts.push(performance.now() - started);
        }
        rtts.sort((a, b) => a - b);
        const info = await client.info();
        const version = infoField(info, "redis_version") ?? "unknown";
        const policy = infoField(info, "maxmemory_policy");
        const latency = `PING ${(rtts[1] ?? 0).toFixed(1)} ms`;
        if (version !== "unknown" && !versionAtLeast(version, BULLMQ_MIN_REDIS_VERSION)) {
          return {
            status: "fail",
            detail: `Redis ${version}, ${latency}`,
            fix: `BullMQ needs Redis ${BULLMQ_MIN_REDIS_VERSION} or newer`,
          };
        }
        if (policy && policy !== "noeviction") {
          return {
            status: "warn",
            detail: `Redis ${version}, ${latency}, maxmemory-policy ${policy}`,
            fix: 'set maxmemory-policy to "noeviction": with eviction Redis may drop BullMQ jobs and lease keys',
          };
        }
        return { status: "ok", detail: `Redis ${version}, ${latency}${policy ? `, maxmemory-policy ${policy}` : ""}` };
      } finally {
        client.disconnect();
      }
    },
    (error) => ({
      status: "fail",
      detail: `unreachable: ${(error as Error)?.message ?? String(error)}`,
      fix: "check REDIS_URL (or --redis-url), REDIS_PASSWORD, TLS (rediss://) and the security group or network path",
    }),
  );
}

function bounded<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
