import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { settlesWithin } from "../../lib/bounded-stop.js";
import { redisServerArgs, waitForRedis } from "../../lib/redis-server.js";
import { until } from "../../lib/until.js";

/**
 * Child processes for benches that measure a component in its own process. Lives in bench/support/ (not
 * bench/) because bench/run.ts treats every module directly in bench/ as a bench area.
 */

/** A spawned child that the bench owns: stopped in `finally`, and killed if the bench process exits first. */
export interface BenchChild {
  readonly name: string;
  readonly pid: number;
  hasExited(): boolean;
  /** The last few KB of its stderr, for error messages. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const STDERR_TAIL_CHARS = 4_000;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Last resort for children a `finally` could not reach (run.ts calls process.exit(); an uncaught error): the
 * 'exit' event runs synchronously, so only a synchronous SIGKILL is possible there.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
}

/** Spawns `command args` with stdout ignored and stderr kept (tail only, so a chatty child cannot grow memory). */
export function spawnChild(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): BenchChild {
  installExitHook();
  const child = spawn(command, args, { env: env ?? process.env, stdio: ["ignore", "ignore", "pipe"] });
  let tail = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-STDERR_TAIL_CHARS);
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => {
    const done = () => {
      live.delete(child);
      resolve();
    };
    child.once("exit", done);
    // A command that cannot be spawned (ENOENT) emits 'error' and never 'exit'.
    child.once("error", (error) => {
      tail += `\n${error.message}`;
      done();
    });
  });
  const hasExited = () => !live.has(child);
  return {
    name,
    pid: child.pid ?? -1,
    hasExited,
    stderrTail: () => tail.trim(),
    async stop(graceMs = 10_000) {
      if (hasExited()) return;
      child.kill("SIGTERM");
      if (await settlesWithin(exited, graceMs)) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Stops children one after the other, in the order given; never throws, so every child gets its stop. */
export async function stopAll(children: readonly (BenchChild | undefined)[]): Promise<void> {
  for (const child of children) await child?.stop().catch(() => {});
}

const EXITED = Symbol("exited");

/**
 * Polls `probe` with lib/until.ts, but fails at once, with the child's stderr, when the child exits
 * first, instead of waiting out the timeout for a process that is already gone.
 */
export async function untilWhileAlive<T>(
  child: BenchChild,
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const result = await until<T | typeof EXITED>(
    what,
    () => (child.hasExited() ? EXITED : probe()),
    timeoutMs,
    intervalMs,
  );
  if (result === EXITED) throw new Error(`${child.name} exited while waiting for ${what}: ${child.stderrTail()}`);
  return result;
}

/** Waits until a just-spawned child is ready (see {@link untilWhileAlive}); stops it if it never gets there. */
export async function whenReady(
  child: BenchChild,
  what: string,
  probe: () => Promise<unknown>,
  timeoutMs: number,
  intervalMs?: number,
): Promise<BenchChild> {
  try {
    await untilWhileAlive(child, what, probe, timeoutMs, intervalMs);
    return child;
  } catch (error) {
    await child.stop();
    throw error;
  }
}

/** GETs `url` and parses JSON; throws on a non-2xx answer (a probe's "not yet"). */
export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

export async function getText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.text();
}

/** A field of /proc/<pid>/status in MiB (VmRSS: resident now; VmHWM: peak resident). Undefined off Linux. */
export function procStatusMiB(pid: number, field: "VmRSS" | "VmHWM"): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's VmRSS every `intervalMs` until stopped; returns the samples in MiB. */
export function sampleRss(pid: number, intervalMs: number): { stop(): number[] } {
  const samples: number[] = [];
  const take = () => {
    const rss = procStatusMiB(pid, "VmRSS");
    if (rss !== undefined) samples.push(rss);
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

/**
 * A throwaway redis-server on `port`: no persistence, working directory `dir` (so nothing it might write lands
 * in the repository), tracked as a {@link BenchChild} (stderr tail, kill timeout) like the bench's other processes.
 */
export async function startRedisChild(port: number, dir: string): Promise<{ child: BenchChild; url: string }> {
  const args = redisServerArgs(port, { dir });
  const url = `redis://127.0.0.1:${port}`;
  const child = spawnChild("redis-server", "redis-server", args);
  return {
    child: await whenReady(
      child,
      "redis-server to answer PING",
      () => waitForRedis(url, { timeoutMs: 1_000, intervalMs: 50 }).then(() => true),
      10_000,
      50,
    ),
    url,
  };
}
