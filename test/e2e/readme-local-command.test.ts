import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../lib/paths.js";
import { until } from "../helpers/until.js";

/**
 * README command 1, run as a user runs it (after `npm ci && npm run build`, which `npm test` has done):
 * `npx ecsmon local` in the repository. The printed hint must be a command that works as printed (after `npx`
 * there is no `ecsmon` on PATH), Ctrl-C must stop everything, and so must a SIGTERM to the `npx` wrapper alone
 * or a SIGKILL of `ecsmon local` itself: no process of the stack may outlive it. A bad REDIS_URL fails start-up.
 */
const started: ChildProcess[] = [];
const stateDirs: string[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.pid) killGroup(child.pid);
  for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
});

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** `npx ecsmon local …` in its own process group (as a terminal runs a foreground job), output collected. */
function npxLocal(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn("npx", ["ecsmon", "local", ...args], {
    cwd: packageRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  started.push(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? `code ${code}`)),
  );
  const running = async () => {
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline && !output.includes("Ctrl-C stops everything")) {
      if (child.exitCode !== null) throw new Error(`ecsmon local exited early:\n${output}`);
      await sleep(250);
    }
    expect(output).toContain("Ctrl-C stops everything");
  };
  return { child, exited, running, output: () => output };
}

/** Every process below `root` now, from /proc (children first found by their parent pid). */
function descendants(root: number): Map<number, string> {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      parents.set(Number(entry), ppid);
      names.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim());
    } catch {
      // exited while we looked
    }
  }
  const found = new Map<number, string>();
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const [child, ppid] of parents) {
      if (ppid === pid && !found.has(child)) {
        found.set(child, names.get(child) ?? "?");
        queue.push(child);
      }
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "); // a zombie is dead
  } catch {
    return false;
  }
}

describe("npx ecsmon local", () => {
  it("prints a status command that works as printed, and stops cleanly on Ctrl-C", async () => {
    const local = npxLocal([]);
    await local.running();
    const output = local.output();
    const statusUrl = /status API\s+(\S+\/api\/v1\/status)/.exec(output)?.[1];
    expect(statusUrl, output).toBeDefined();
    expect(output).toContain("Prometheus UI");
    expect(output).toMatch(/agent\s+http:\/\/127\.0\.0\.1:\d+\/metrics/);

    let status: { ready?: boolean; spec?: { loaded?: boolean; version?: number }; clusters?: { cluster: string }[] } =
      {};
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

    // The hint, run exactly as printed (from the same directory, as a user would).
    const hint = /Try: (npx ecsmon status --url http:\/\/127\.0\.0\.1:\d+)\n/.exec(output)?.[1];
    expect(hint, output).toBeDefined();
    expect(hint).toBe(`npx ecsmon status --url ${new URL(statusUrl!).origin}`);
    const [command, ...args] = hint!.split(" ");
    const tried = spawnSync(command!, args, { cwd: packageRoot, encoding: "utf8", timeout: 60_000 });
    expect(tried.status, tried.stderr).toBe(0);
    expect(tried.stdout).toMatch(/^replica\s+\S+ \(ready\)/m);
    expect(tried.stdout).toMatch(/^demo\s/m);

    // Ctrl-C in a terminal signals the whole foreground process group.
    process.kill(-local.child.pid!, "SIGINT");
    const ending = await Promise.race([local.exited, sleep(60_000).then(() => "timeout")]);
    // npx itself dies of the SIGINT it was sent; ecsmon must have stopped everything first.
    expect(["code 0", "SIGINT", "code 130"], local.output()).toContain(ending);
    expect(local.output()).toContain("ecsmon local: stopped");
    // The stack's processes are gone: the status API no longer answers.
    await expect(fetch(statusUrl!, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  }, 300_000);

  it.each([
    ["SIGTERM to the npx wrapper alone", "npx"],
    ["SIGKILL of ecsmon local itself", "ecsmon"],
  ] as const)(
    "leaves no process of the stack behind after a %s",
    async (_name, victim) => {
      const stateDir = mkdtempSync(join(tmpdir(), "ecsmon-local-orphans-"));
      stateDirs.push(stateDir);
      const local = npxLocal(["--state-dir", stateDir, "--agents", "1", "--no-pool-agent", "--no-prometheus"]);
      await local.running();
      const stack = descendants(local.child.pid!);
      const names = [...stack.values()].join("\n");
      for (const part of ["redis-server", "ecsmon.js sim", "ecsmon.js controller", "ecsmon.js agent", "reaper.js"])
        expect(names, names).toContain(part);
      if (victim === "npx") {
        process.kill(local.child.pid!, "SIGTERM");
      } else {
        const ecsmon = [...stack].find(([, cmd]) => /ecsmon(\.js)? local\b/.test(cmd) && cmd.startsWith("node"))?.[0];
        expect(ecsmon, names).toBeDefined();
        process.kill(ecsmon!, "SIGKILL");
      }
      const survivors = await until(
        "every process of the stack to exit",
        () => {
          const left = [...stack].filter(([pid]) => alive(pid));
          return left.length === 0 ? [] : undefined;
        },
        30_000,
        250,
      ).catch(() => [...stack].filter(([pid]) => alive(pid)).map(([pid, cmd]) => `${pid} ${cmd}`));
      expect(survivors, `still running:\n${survivors.join("\n")}\n${local.output()}`).toEqual([]);
    },
    240_000,
  );

  it("fails start-up naming REDIS_URL when that Redis is unreachable, and never claims to be running", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "ecsmon-local-badredis-"));
    stateDirs.push(stateDir);
    const local = npxLocal(["--state-dir", stateDir, "--no-prometheus"], {
      ...process.env,
      REDIS_URL: "redis://127.0.0.1:1",
    });
    const ending = await Promise.race([local.exited, sleep(60_000).then(() => "timeout")]);
    expect(ending, local.output()).toBe("code 2");
    expect(local.output()).toContain(
      "REDIS_URL redis://127.0.0.1:1: Redis did not answer PING within 5000 ms (connect ECONNREFUSED 127.0.0.1:1)",
    );
    expect(local.output()).not.toContain("ecsmon is running");
  }, 120_000);
});
