import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, expect, it } from "vitest";
import { packageRoot } from "../../lib/paths.js";

/**
 * README command 1, run as a user runs it (after `npm ci && npm run build`, which `npm test` has done):
 * `npx ecsmon local` in the repository, wait for the status API, check /api/v1/status, then Ctrl-C.
 */
let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
});

it("`npx ecsmon local` starts the stack, serves /api/v1/status, and stops cleanly on Ctrl-C", async () => {
  let output = "";
  child = spawn("npx", ["ecsmon", "local"], { cwd: packageRoot, stdio: ["ignore", "pipe", "pipe"], detached: true });
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<string>((resolve) =>
    child?.once("exit", (code, signal) => resolve(signal ?? `code ${code}`)),
  );

  const deadline = Date.now() + 150_000;
  let statusUrl: string | undefined;
  while (Date.now() < deadline && !statusUrl) {
    statusUrl = /status API\s+(\S+\/api\/v1\/status)/.exec(output)?.[1];
    if (child.exitCode !== null) throw new Error(`ecsmon local exited early:\n${output}`);
    await sleep(250);
  }
  expect(statusUrl, output).toBeDefined();
  expect(output).toContain("Prometheus UI");
  expect(output).toMatch(/agent\s+http:\/\/127\.0\.0\.1:\d+\/metrics/);

  let status: { ready?: boolean; spec?: { loaded?: boolean; version?: number }; clusters?: { cluster: string }[] } = {};
  for (let i = 0; i < 60; i++) {
    const response = await fetch(statusUrl!).catch(() => undefined);
    if (response?.ok) {
      status = (await response.json()) as typeof status;
      if (status.spec?.loaded && (status.clusters?.length ?? 0) > 0) break;
    }
    await sleep(500);
  }
  expect(status.spec?.loaded).toBe(true);
  expect(status.spec?.version).toBeGreaterThanOrEqual(1);
  expect(status.clusters?.map((c) => c.cluster)).toContain("demo");

  // Ctrl-C in a terminal signals the whole foreground process group.
  process.kill(-child.pid!, "SIGINT");
  const ending = await Promise.race([exited, sleep(60_000).then(() => "timeout")]);
  // npx itself dies of the SIGINT it was sent; ecsmon must have stopped everything first.
  expect(["code 0", "SIGINT", "code 130"], output).toContain(ending);
  expect(output).toContain("ecsmon local: stopped");
  // The stack's processes are gone: the status API no longer answers.
  await expect(fetch(statusUrl!, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
}, 240_000);
