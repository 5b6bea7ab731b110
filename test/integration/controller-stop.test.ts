import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../lib/net.js";
import { fromRoot } from "../../lib/paths.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { controllerEnv } from "../helpers/controller-env.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { until } from "../helpers/until.js";

/**
 * `ecsmon controller` as a process: SIGTERM stops it cleanly with code 0, and when Redis is gone (the stop's
 * Redis commands would wait forever) it still exits within ECSMON_SHUTDOWN_TIMEOUT (bounded-shutdown.test.ts
 * repeats that for both processes, with Redis unreachable and stalled).
 */
let sim: RunningSim;
let redis: RedisServer;

beforeAll(async () => {
  sim = await startSim({ scenario: fromRoot("sim/scenarios/demo.yaml"), nodeSurfaces: false });
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop(true);
  await sim?.stop();
});

async function startController() {
  const port = await freePort();
  const child = spawn(process.execPath, [fromRoot("dist/cli/ecsmon.js"), "controller"], {
    env: controllerEnv(sim, redis.url, {
      ECSMON_API_BIND: `127.0.0.1:${port}`,
      ECSMON_SHUTDOWN_TIMEOUT: "2s",
      LOG_LEVEL: "warn",
    }),
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, "exit") as Promise<[number | null, string | null]>;
  await until(
    "the controller to serve /healthz",
    async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok,
    30_000,
  );
  return { child, exited, stderr: () => stderr };
}

describe("ecsmon controller stop", () => {
  it("exits 0 on SIGTERM", async () => {
    const { child, exited } = await startController();
    child.kill("SIGTERM");
    expect((await exited)[0]).toBe(0);
  });

  it("exits within the shutdown timeout when Redis is gone, logging a hard exit if it comes to that", async () => {
    const { child, exited, stderr } = await startController();
    await redis.stop(true);
    const started = Date.now();
    child.kill("SIGTERM");
    const [code] = await exited;
    expect(Date.now() - started).toBeLessThan(2_000 + 1_500);
    if (code === 1) expect(stderr()).toContain("did not stop within 2000 ms");
    else expect(code).toBe(0);
    await redis.restart();
  });
});
