import { Option } from "commander";
import { parseHostPort } from "../../lib/net.js";
import { UsageError } from "../context.js";

/** `--redis-url`, as the long-running commands (agent, controller) take it. */
export function redisUrlOption(): Option {
  return new Option(
    "--redis-url <url>",
    "redis:// or rediss:// URL (default: $REDIS_URL; the password may come from $REDIS_PASSWORD; with $REDIS_CLUSTER=true, one node of a Redis Cluster)",
  );
}

/** A `--bind` value, checked to be host:port; otherwise a usage error that names the option. */
export function checkedBind(bind: string): string {
  try {
    parseHostPort(bind);
  } catch (error) {
    throw new UsageError(`--bind: ${(error as Error).message}`);
  }
  return bind;
}

/**
 * The Redis URL a command will use (flag or environment), checked to parse as a URL and, with
 * `redisSchemeOnly`, to be redis:// or rediss://; otherwise a usage error that names the option.
 */
export function checkRedisUrl(url: string, options: { redisSchemeOnly: boolean }): void {
  try {
    const { protocol } = new URL(url);
    if (options.redisSchemeOnly && protocol !== "redis:" && protocol !== "rediss:") throw new Error("protocol");
  } catch {
    throw new UsageError("--redis-url: expected a redis:// or rediss:// URL");
  }
}
