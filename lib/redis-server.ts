import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { freePort } from "./net.js";

/**
 * A throwaway redis-server on loopback, the way `ecsmon local`, the bench and the tests run one: no RDB
 * snapshots, no AOF, bound to 127.0.0.1.
 */

/** redis-server's arguments for `port`; `dir` is its working directory (where it would write anything). */
export function redisServerArgs(port: number, options: { password?: string; dir?: string } = {}): string[] {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  if (options.dir) args.push("--dir", options.dir);
  if (options.password) args.push("--requirepass", options.password);
  return args;
}

export interface WaitForRedisOptions {
  /** @defaultValue 5000 */
  timeoutMs?: number;
  /** Pause between attempts. @defaultValue 100 */
  intervalMs?: number;
  /** Why the server process is gone, when it is (e.g. "exited with code 1"): the wait then fails at once. */
  exited?: () => string | undefined;
}

/**
 * Polls PING on `url` until it answers. Fails after `timeoutMs` with "Redis did not answer PING within … ms
 * (<last error>)", where the connection's own error (ECONNREFUSED, WRONGPASS) is preferred to the command's,
 * or at once with "redis-server <why>" when `exited` reports the process gone.
 */
export async function waitForRedis(url: string, options: WaitForRedisOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const deadline = Date.now() + timeoutMs;
  let lastError = "no answer";
  while (Date.now() < deadline) {
    const gone = options.exited?.();
    if (gone) throw new Error(`redis-server ${gone}`);
    const client = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      connectTimeout: 1_000,
      retryStrategy: () => null,
    });
    let connectionError: string | undefined;
    client.on("error", (error: Error) => {
      connectionError ??= error.message;
    });
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      lastError = connectionError ?? (error as Error).message;
      await sleep(options.intervalMs ?? 100);
    } finally {
      client.disconnect();
    }
  }
  throw new Error(`Redis did not answer PING within ${timeoutMs} ms (${lastError})`);
}

/** A running redis-server child; its owner stops it. */
export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGKILL when `hard`) and waits for the process to exit. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port (after a stop), for outage drills. */
  restart(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing is answered, the way a stalled Redis looks to clients. */
  pause(): void;
  /** SIGCONT after {@link pause}. */
  resume(): void;
}

export interface StartRedisServerOptions {
  password?: string;
  /** Working directory of the server. @defaultValue the caller's */
  dir?: string;
  /** @defaultValue a free loopback port */
  port?: number;
  /** How long to wait for the first PING. @defaultValue 5000 */
  startTimeoutMs?: number;
}

/** Starts a redis-server child on loopback and resolves once it answers PING. */
export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : "";
  const url = `redis://${auth}127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const launch = async () => {
    const started = spawn("redis-server", redisServerArgs(port, options), { stdio: "ignore" });
    child = started;
    let failure: string | undefined;
    started.on("error", (error) => {
      failure = `could not start (${error.message}; is the redis-server package installed?)`;
    });
    started.on("exit", (code, signal) => {
      failure ??= `exited (${signal ?? `code ${code}`})`;
    });
    try {
      await waitForRedis(url, { timeoutMs: options.startTimeoutMs ?? 5_000, intervalMs: 50, exited: () => failure });
    } catch (error) {
      started.kill("SIGKILL");
      throw new Error(`redis-server on port ${port}: ${(error as Error).message}`);
    }
  };
  await launch();
  return {
    url,
    port,
    async stop(hard = false) {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((resolve) => c.once("exit", resolve));
      c.kill(hard ? "SIGKILL" : "SIGTERM");
      c.kill("SIGCONT"); // a paused server acts on SIGTERM only once continued
      await exited;
    },
    restart: launch,
    pause() {
      child?.kill("SIGSTOP");
    },
    resume() {
      child?.kill("SIGCONT");
    },
  };
}
