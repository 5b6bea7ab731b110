import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../lib/net.js";
import { fromRoot } from "../../lib/paths.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { controllerEnv } from "./controller-env.js";
import { startRedisServer } from "./redis-server.js";

/** What a drill does to Redis before signalling: nothing listens on its port, or the server is SIGSTOPped. */
export type RedisFault = "unreachable" | "stalled";

export interface DrillOptions {
  command: "agent" | "controller";
  fault: RedisFault;
  runs: number;
  /** Processes per batch, all signalled together. */
  parallel: number;
  /** ECSMON_SHUTDOWN_TIMEOUT given to each process. */
  shutdownTimeoutMs: number;
  /** The AWS endpoint for controllers. */
  sim: RunningSim;
}

export interface DrillRun {
  /** Exit code; null when the drill had to SIGKILL a process that outlived the bound by far. */
  code: number | null;
  /** From SIGTERM/SIGINT to the exit event. */
  ms: number;
  stderr: string;
}

/** The log line each command prints once it is up (LOG_LEVEL=info). */
const READY = { agent: /"msg":"agent started"/, controller: /status API at http/ };

/**
 * Starts `runs` real `ecsmon agent` or `ecsmon controller` processes (dist/), `parallel` at a time, makes Redis
 * unreachable or stalled for each batch, sends every process SIGTERM or SIGINT (alternating) and records how long
 * it took to exit. A process still alive 10 s past its shutdown timeout is SIGKILLed and reported with code null.
 */
export async function shutdownDrill(options: DrillOptions): Promise<DrillRun[]> {
  const results: DrillRun[] = [];
  for (let start = 0; start < options.runs; start += options.parallel) {
    const size = Math.min(options.parallel, options.runs - start);
    const redis = options.fault === "stalled" ? await startRedisServer() : undefined;
    const redisUrl = redis?.url ?? `redis://127.0.0.1:${await freePort()}`;
    try {
      const batch = await Promise.all(
        Array.from({ length: size }, (_, i) => launch(options, redisUrl, `drill-${start + i}`)),
      );
      await Promise.all(batch.map((p) => p.ready));
      redis?.pause();
      const runs = batch.map((p, i) => p.signal(i % 2 === 0 ? "SIGTERM" : "SIGINT", options.shutdownTimeoutMs));
      results.push(...(await Promise.all(runs)));
    } finally {
      redis?.resume();
      await redis?.stop(true);
    }
  }
  return results;
}

async function launch(options: DrillOptions, redisUrl: string, id: string) {
  const port = await freePort();
  const common = { LOG_LEVEL: "info", ECSMON_SHUTDOWN_TIMEOUT: `${options.shutdownTimeoutMs}ms` };
  const [args, env] =
    options.command === "agent"
      ? [
          ["agent", "--cluster", "demo", "--node-id", id, "--bind", `127.0.0.1:${port}`],
          { PATH: process.env.PATH, REDIS_URL: redisUrl, ...common },
        ]
      : [
          ["controller"],
          controllerEnv(options.sim, redisUrl, {
            ...common,
            ECSMON_CONTROLLER_ID: id,
            ECSMON_API_BIND: `127.0.0.1:${port}`,
          }),
        ];
  const child: ChildProcess = spawn(process.execPath, [fromRoot("dist/cli/ecsmon.js"), ...args], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${id} did not start within 60 s:\n${stderr}`)), 60_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (READY[options.command].test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => reject(new Error(`${id} exited with ${code} while starting:\n${stderr}`)));
  });
  return {
    ready,
    async signal(signal: NodeJS.Signals, timeoutMs: number): Promise<DrillRun> {
      const sent = performance.now();
      child.kill(signal);
      const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs + 10_000);
      const code = await exited;
      clearTimeout(killer);
      const ms = performance.now() - sent;
      return { code: child.signalCode === "SIGKILL" ? null : code, ms, stderr };
    },
  };
}

/** Process scheduling on a loaded 2-core machine: a signal's delivery and the exit event can lag a little. */
const SLACK_MS = 1_500;

/**
 * Every run exited within `timeoutMs` (+ {@link SLACK_MS}): code 0 after a clean stop, or code 1 with the logged
 * hard exit; none had to be killed.
 */
export function expectBounded(runs: DrillRun[], timeoutMs: number): void {
  for (const [i, run] of runs.entries()) {
    const tail = run.stderr.split("\n").slice(-8).join("\n");
    expect(run.code, `run ${i} was still alive 10 s after its deadline:\n${tail}`).not.toBeNull();
    expect(run.ms, `run ${i} took ${run.ms.toFixed(0)} ms to exit:\n${tail}`).toBeLessThan(timeoutMs + SLACK_MS);
    expect([0, 1], `run ${i}:\n${tail}`).toContain(run.code);
    if (run.code === 1) expect(run.stderr, `run ${i}`).toContain(`did not stop within ${timeoutMs} ms`);
  }
}

/** `exit ms median M max X; codes 0011…` for the test log (figures for the README and the issue). */
export function summarize(runs: DrillRun[]): string {
  const sorted = runs.map((r) => r.ms).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return `exit ms median ${median.toFixed(0)} max ${(sorted.at(-1) ?? 0).toFixed(0)}; codes ${runs.map((r) => r.code).join("")}`;
}

/**
 * The drill suite: `ecsmon agent` and `ecsmon controller`, each signalled `runs` times with Redis unreachable and
 * `runs` times with Redis stalled (SIGSTOP), `parallel` at a time, against the demo simulator. Every run must exit
 * within `shutdownTimeoutMs` (see {@link expectBounded}).
 */
export function describeShutdownDrills(title: string, runs: number, parallel: number, shutdownTimeoutMs = 2_000): void {
  let sim: RunningSim;
  beforeAll(async () => {
    sim = await startSim({ scenario: fromRoot("sim/scenarios/demo.yaml"), nodeSurfaces: false });
  });
  afterAll(async () => {
    await sim?.stop();
  });
  describe(title, () => {
    const cases: ["agent" | "controller", RedisFault][] = [
      ["agent", "unreachable"],
      ["agent", "stalled"],
      ["controller", "unreachable"],
      ["controller", "stalled"],
    ];
    it.each(cases)(
      `ecsmon %s exits within the timeout ${runs} times in a row with Redis %s`,
      async (command, fault) => {
        const results = await shutdownDrill({ command, fault, runs, parallel, shutdownTimeoutMs, sim });
        expect(results).toHaveLength(runs);
        console.log(`${command} / redis ${fault}: ${summarize(results)}`);
        expectBounded(results, shutdownTimeoutMs);
      },
      Math.ceil(runs / parallel) * 60_000 + 60_000,
    );
  });
}
