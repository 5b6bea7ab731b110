import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { DescribeTasksCommand, type ECSClient, ListClustersCommand, ListTasksCommand } from "@aws-sdk/client-ecs";
import { createAwsClients } from "../lib/aws/clients.js";
import { benchQuick } from "../lib/config.js";
import { fromRoot } from "../lib/paths.js";
import { type RunningSim, startSim } from "../sim/index.js";
import { loadScenario } from "../sim/scenario/load.js";
import { readScenario } from "../sim/scenario/parse.js";
import { ClusterStore } from "../sim/state/cluster-store.js";
import type { BenchResult } from "./types.js";

/**
 * Issue 3 bench (sim core): large.yaml load time (parse + load, median of 3), ListTasks and
 * DescribeTasks(100) throughput through the real @aws-sdk/client-ecs with 16 calls in flight against the
 * simulator running in its own process (so client and server do not share one event loop), and that
 * process's RSS with large.yaml loaded. Baseline in the same run: ListClusters (the cheapest call), the
 * front's per-request floor.
 */

const AREA = "sim";
const LARGE = fromRoot("sim/scenarios/large.yaml");
const CONCURRENCY = 16;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function measureLoad(): number {
  const started = performance.now();
  const scenario = readScenario(LARGE);
  const store = new ClusterStore({ seed: scenario.seed, transitionDelayMs: 0 });
  const report = loadScenario(store, scenario);
  if (store.tasks().length < 10_000 || report.warnings.length > 0) {
    throw new Error(`large.yaml loaded ${store.tasks().length} tasks with ${report.warnings.length} warnings`);
  }
  store.close();
  return performance.now() - started;
}

/** The simulator in a child process (from dist); resolves with its endpoint. */
async function startChild(): Promise<{ child: ChildProcess; endpoint: string } | undefined> {
  const cli = fromRoot("dist/cli/ecsmon.js");
  if (!existsSync(cli)) return undefined;
  const child = spawn(
    process.execPath,
    [cli, "--log-level", "warn", "sim", "--scenario", LARGE, "--port", "0", "--no-node-surfaces"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("simulator did not start within 60 s")), 60_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /AWS_ENDPOINT_URL=(\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  child.stdout?.resume();
  return { child, endpoint };
}

function rssMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used, in ms; undefined off Linux. */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

interface Throughput {
  /** Completed calls per second (client-observed, SDK parsing included). */
  rps: number;
  /** Simulator CPU per call in ms, when the simulator runs in a child process. */
  serverCpuMs: number | undefined;
}

/** Runs `call` with `CONCURRENCY` in flight for `ms`. */
async function throughput(
  ms: number,
  pid: number | undefined,
  call: (i: number) => Promise<unknown>,
): Promise<Throughput> {
  const deadline = performance.now() + ms;
  let done = 0;
  let next = 0;
  const cpuBefore = pid === undefined ? undefined : cpuMs(pid);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        await call(next++);
        done++;
      }
    }),
  );
  const rps = done / ((performance.now() - started) / 1000);
  const cpuAfter = pid === undefined ? undefined : cpuMs(pid);
  const serverCpuMs =
    cpuBefore !== undefined && cpuAfter !== undefined && done > 0 ? (cpuAfter - cpuBefore) / done : undefined;
  return { rps, serverCpuMs };
}

function capacityNote(t: Throughput): string {
  if (t.serverCpuMs === undefined || t.serverCpuMs <= 0) return "";
  return `; simulator CPU ${t.serverCpuMs.toFixed(3)} ms/req → ${Math.round(1000 / t.serverCpuMs)} req/s per core`;
}

async function allTaskArns(
  ecs: ECSClient,
  cluster: string,
): Promise<{ arns: string[]; tokens: (string | undefined)[] }> {
  const arns: string[] = [];
  const tokens: (string | undefined)[] = [undefined];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListTasksCommand({ cluster, nextToken, maxResults: 100 }));
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
    if (nextToken) tokens.push(nextToken);
  } while (nextToken);
  return { arns, tokens };
}

export async function run(): Promise<BenchResult[]> {
  const quick = benchQuick();
  const results: BenchResult[] = [];

  const loads = [measureLoad(), measureLoad(), measureLoad()];
  results.push({
    area: AREA,
    name: "large.yaml load time (parse + place 10,000 tasks)",
    value: Math.round(median(loads)),
    unit: "ms",
    goal: "< 10 s",
    note: `median of 3 (${loads.map((l) => Math.round(l)).join(", ")} ms)`,
  });

  const child = await startChild();
  let inProcess: RunningSim | undefined;
  let endpoint: string;
  let rss: number | undefined;
  if (child) {
    endpoint = child.endpoint;
    rss = rssMiB(child.child.pid!);
  } else {
    inProcess = await startSim({ scenario: LARGE, nodeSurfaces: false });
    endpoint = inProcess.endpoint;
    rss = process.memoryUsage().rss / 1024 / 1024;
  }
  const aws = createAwsClients({ region: "us-east-1", endpointUrl: endpoint, maxAttempts: 1 });
  try {
    const cluster = "large";
    const { arns, tokens } = await allTaskArns(aws.ecs, cluster);
    const seconds = quick ? 1000 : 4000;
    // Steady state: every task described once (the simulator caches each task's JSON per version).
    for (let offset = 0; offset < arns.length; offset += 100) {
      await aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(offset, offset + 100) }));
    }
    const pid = child?.child.pid;
    const floor = await throughput(seconds, pid, () => aws.ecs.send(new ListClustersCommand({})));
    const list = await throughput(seconds, pid, (i) =>
      aws.ecs.send(new ListTasksCommand({ cluster, maxResults: 100, nextToken: tokens[i % tokens.length] })),
    );
    const describe = await throughput(seconds, pid, (i) => {
      const offset = (i * 100) % Math.max(1, arns.length - 100);
      return aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(offset, offset + 100) }));
    });
    const where = child ? "simulator in a child process" : "simulator in the bench process";
    results.push(
      {
        area: AREA,
        name: "ListTasks throughput (100 per page, 16 in flight)",
        value: Math.round(list.rps),
        unit: "req/s",
        goal: ">= 2000 req/s",
        note: `${where}, client-observed${capacityNote(list)}; ${(list.rps / floor.rps).toFixed(2)}x ListClusters`,
      },
      {
        area: AREA,
        name: "DescribeTasks(100) throughput (16 in flight)",
        value: Math.round(describe.rps),
        unit: "req/s",
        goal: ">= 2000 req/s",
        note: `${where}, client-observed (SDK parses ~200 KB per response)${capacityNote(describe)}; ${(describe.rps / floor.rps).toFixed(2)}x ListClusters`,
      },
      {
        area: AREA,
        name: "ListClusters throughput (baseline, 16 in flight)",
        value: Math.round(floor.rps),
        unit: "req/s",
        note: `baseline: the cheapest ECS call${capacityNote(floor)}`,
      },
    );
    if (rss !== undefined) {
      results.push({
        area: AREA,
        name: "simulator RSS with large.yaml loaded",
        value: Math.round(rss),
        unit: "MiB",
        note: where,
      });
    }
  } finally {
    aws.destroy();
    if (child) {
      child.child.kill("SIGTERM");
      await new Promise((resolve) => child.child.once("exit", resolve));
    }
    await inProcess?.stop();
  }
  return results;
}
