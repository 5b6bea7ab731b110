import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../cli/program.js";
import { freePort } from "../../lib/net.js";
import { useRedisServer } from "../helpers/use-redis-server.js";

/** `ecsmon agent`: flags and usage errors in-process through main(); a clean stop on SIGTERM as the built CLI. */

const CLI = fileURLToPath(new URL("../../dist/cli/ecsmon.js", import.meta.url));

const redis = useRedisServer();
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

function captureStreams(): { out: () => string } {
  let text = "";
  const capture = (chunk: unknown) => {
    text += String(chunk);
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
  vi.spyOn(process.stderr, "write").mockImplementation(capture);
  return { out: () => text };
}

describe("ecsmon agent", () => {
  it("documents its flags in --help", async () => {
    const io = captureStreams();
    expect(await main(["node", "ecsmon", "agent", "--help"])).toBe(0);
    for (const flag of [
      "--cluster <name>",
      "--node-id <id>",
      "--bind <host:port>",
      "--pool",
      "--redis-url <url>",
      "ECS_CONTAINER_METADATA_URI_V4",
    ]) {
      expect(io.out()).toContain(flag);
    }
  });

  it("rejects a bad --bind and --pool without a cluster with exit code 2", async () => {
    const io = captureStreams();
    expect(
      await main([
        "node",
        "ecsmon",
        "--log-level",
        "silent",
        "agent",
        "--bind",
        "nonsense",
        "--cluster",
        "c",
        "--node-id",
        "n",
      ]),
    ).toBe(2);
    expect(io.out()).toContain("--bind: expected host:port");
    expect(await main(["node", "ecsmon", "--log-level", "silent", "agent", "--pool"])).toBe(2);
    expect(io.out()).toContain("--pool needs --cluster");
  });

  // A child process, not main(): the bounded stop ends with an explicit process.exit (lib/bounded-stop.ts).
  it("runs until SIGTERM, serving /healthz, then stops cleanly with exit code 0", async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        CLI,
        "--log-level",
        "silent",
        "agent",
        "--cluster",
        "cli-cluster",
        "--node-id",
        `cli-${randomUUID().slice(0, 8)}`,
        "--bind",
        `127.0.0.1:${port}`,
        "--redis-url",
        redis.server.url,
      ],
      { stdio: "ignore" },
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      let healthy = false;
      for (let i = 0; i < 150 && !healthy; i++) {
        healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (!healthy) await new Promise((r) => setTimeout(r, 100));
      }
      expect(healthy).toBe(true);
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toContain("# TYPE ecsmon_agent_scrapes_total counter");
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      child.kill("SIGKILL");
    }
  });
});
