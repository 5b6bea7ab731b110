import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import type { StatusDocument } from "../controller/api/status-view.js";
import { benchQuick } from "../lib/config.js";
import { freePort } from "../lib/net.js";
import {
  type Backends,
  CLI,
  type ControllerProcessOptions,
  childEnv,
  startBackends,
} from "./support/controller-process.js";
import { emulateHealthReports } from "./support/health-reports.js";
import { type BenchChild, getJson, spawnChild, stopAll, untilWhileAlive, whenReady } from "./support/processes.js";
import type { BenchResult } from "./types.js";

/**
 * Issue 19 part 6: the controller's CPU on a small, quiet cluster, where the Python peers spend 0.01–0.03
 * CPU-seconds per 10 s cycle. The real `ecsmon controller` (its own process, `--file-sd` as docker-compose.yml
 * runs it) watches a 210-task cluster in the simulator (its own process) through a throwaway redis-server. After
 * the first sync and a warm-up, the bench reads the controller's /proc/<pid>/stat (utime + stime) every reconcile
 * interval and never talks to the controller meanwhile (no /metrics or status polling, which would cost it CPU).
 * Each window holds one reconcile plus everything periodic (leases, outputs, metrics); the figure is the median
 * window. Two phases: without agents, and with emulated agents reporting every target's health every 5 s.
 * Same-run baseline: an idle Node.js process holding as many Redis connections as the controller does (the
 * floor any Node.js controller with BullMQ pays), measured over the same windows.
 *
 * `ECSMON_BENCH_CPU_PROF=<dir>` runs the controller with `--cpu-prof` and writes its profile there on exit.
 */
const AREA = "idle-cpu";
const TASKS = 210;
const INTERVAL_MS = 10_000;
const WINDOWS = benchQuick() ? 3 : 6;
const HEALTH_REPORT_MS = 5_000;
const GOAL = "≤ 0.05";

/** 12 instances, 20 services × 9 tasks and 30 standalone tasks: 210 tasks, every one with a scrape label. */
const scenarioYaml = (cluster: string) => `name: ${cluster}
seed: 19
region: us-east-1
cluster: ${cluster}
nodeSurfaces: false
transitionDelayMs: [100, 250]
instances:
  - type: m5.xlarge
    count: 6
  - type: c5.xlarge
    count: 6
taskDefinitions:
  - family: app-\${i}
    repeat: 25
    networkMode: bridge
    containers:
      - name: app
        cpu: 64
        memory: 128
        portMappings: [{ containerPort: 8080 }]
        dockerLabels:
          PROMETHEUS_SCRAPES: "8080/metrics"
          PROMETHEUS_LABELS: "team=team-\${i % 5}"
services:
  - name: svc-\${i}
    repeat: 20
    taskDefinition: app-\${i}
    desiredCount: 9
tasks:
  - taskDefinition: app-\${i + 20}
    repeat: 5
    count: 6
`;

/** utime + stime of a process in seconds (Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain blanks) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
/** USER_HZ: 100 on every Linux the bench runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;

/** CPU-seconds of each process per window of INTERVAL_MS, WINDOWS windows back to back. */
async function cpuPerWindow(pids: readonly number[]): Promise<number[][]> {
  const perProcess: number[][] = pids.map(() => []);
  let before = pids.map(cpuSeconds);
  for (let w = 0; w < WINDOWS; w++) {
    await sleep(INTERVAL_MS);
    const now = pids.map(cpuSeconds);
    for (let i = 0; i < pids.length; i++) perProcess[i]!.push(now[i]! - before[i]!);
    before = now;
  }
  return perProcess;
}

/** Connected Redis clients, not counting the one asking. */
async function redisClients(url: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const list = (await redis.client("LIST")) as string;
    return list.trim().split("\n").length - 1; // minus this connection
  } finally {
    redis.disconnect();
  }
}

/** A Node.js process that opens `connections` ioredis connections and does nothing else. */
function startIdleNode(redisUrl: string, connections: number): BenchChild {
  const source = `
    const { Redis } = await import(${JSON.stringify(import.meta.resolve("ioredis"))});
    const clients = [];
    for (let i = 0; i < ${connections}; i++) clients.push(new Redis(${JSON.stringify(redisUrl)}));
    await Promise.all(clients.map((c) => c.ping()));
    process.stderr.write("ready\\n");
    setInterval(() => {}, 1 << 30);
  `;
  return spawnChild("idle node", process.execPath, ["--input-type=module", "-e", source]);
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "ecsmon-bench-idle-"));
  const cluster = "idle";
  const scenario = join(dir, "idle.yaml");
  writeFileSync(scenario, scenarioYaml(cluster));
  const options: ControllerProcessOptions = {
    scenario,
    cluster,
    region: "us-east-1",
    rps: 10,
    reconcileInterval: `${INTERVAL_MS / 1000}s`,
    steadyCycles: WINDOWS,
    steadyMs: WINDOWS * INTERVAL_MS,
    healthReportMs: HEALTH_REPORT_MS,
  };
  const backends: Partial<Backends> = {};
  let controller: BenchChild | undefined;
  let idle: BenchChild | undefined;
  try {
    const { redisServer, endpoint } = await startBackends(options, dir, backends);
    const api = `http://127.0.0.1:${await freePort()}`;
    const profileDir = process.env.ECSMON_BENCH_CPU_PROF;
    const nodeArgs = profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [];
    const args = [...nodeArgs, CLI, "--log-level", "warn", "controller", "--bind", new URL(api).host];
    args.push("--redis-url", redisServer.url, "--file-sd", join(dir, "file_sd.yml"));
    const env = childEnv(options.region, {
      AWS_ENDPOINT_URL: endpoint,
      ECSMON_RECONCILE_INTERVAL: options.reconcileInterval,
    });
    controller = spawnChild("controller", process.execPath, args, env);
    const targets = await untilWhileAlive(
      controller,
      "the first reconcile",
      async () => {
        const status = await getJson<StatusDocument>(`${api}/api/v1/status`);
        const c = status.clusters[0];
        if (!c || "pending" in c || !c.lastReconcileAt) return undefined;
        return Object.values(c.targets).reduce((a, b) => a + b, 0);
      },
      120_000,
    );
    // Warm-up: two intervals (JIT, the first steady reconcile, lazily built caches).
    await sleep(2 * INTERVAL_MS);
    const connections = await redisClients(redisServer.url);
    idle = startIdleNode(redisServer.url, connections);
    await whenReady(idle, "the idle Node.js process", async () => idle!.stderrTail().includes("ready"), 10_000, 100);
    const [quiet, idleQuiet] = (await cpuPerWindow([controller.pid, idle.pid])) as [number[], number[]];
    const health = await emulateHealthReports({ api, redisUrl: redisServer.url, cluster, periodMs: HEALTH_REPORT_MS });
    let withAgents: number[];
    let idleWithAgents: number[];
    try {
      await sleep(INTERVAL_MS); // the first reports are new to the controller; measure the steady state after them
      [withAgents, idleWithAgents] = (await cpuPerWindow([controller.pid, idle.pid])) as [number[], number[]];
    } finally {
      await health.stop();
    }
    const windows = (values: number[]) => values.map((v) => v.toFixed(3)).join(" ");
    const note = `${targets} targets from ${TASKS} tasks on 12 nodes; /proc/<pid>/stat utime+stime per ${INTERVAL_MS / 1000} s window (one reconcile each), median of ${WINDOWS}`;
    return [
      {
        area: AREA,
        name: "CPU-seconds per steady cycle at 210 tasks, no agents",
        value: median(quiet),
        unit: "cpu-s",
        goal: GOAL,
        note: `${note}; windows ${windows(quiet)}`,
      },
      {
        area: AREA,
        name: "CPU-seconds per steady cycle at 210 tasks, agents reporting health every 5 s",
        value: median(withAgents),
        unit: "cpu-s",
        goal: GOAL,
        note: `emulated agents (bench/support/health-reports.ts); windows ${windows(withAgents)}`,
      },
      {
        area: AREA,
        name: "baseline: idle Node.js process with the controller's Redis connections",
        value: mean([...idleQuiet, ...idleWithAgents]),
        unit: "cpu-s",
        note: `same windows (mean: /proc counts 10 ms ticks); ${connections} ioredis connections, nothing else`,
      },
    ];
  } finally {
    await stopAll([idle, controller, backends.sim, backends.redis]);
    rmSync(dir, { recursive: true, force: true });
  }
}
