import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY_PREFIX, NodeSyncJob, redisKeys, type StatsAssignment } from "../../crds-like-schemas/index.js";
import { freePort } from "../../lib/net.js";
import { fromRoot } from "../../lib/paths.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { buildBusyboxImage } from "../helpers/busybox-image.js";
import {
  type CgroupDirs,
  type CgroupFigures,
  cgroupDirsOf,
  readCgroupFigures,
  workingSet,
} from "../helpers/cgroup-files.js";
import { type DockerEngine, startDockerEngine } from "../helpers/docker-engine.js";
import { type DockerStatsProxy, startDockerStatsProxy } from "../helpers/docker-stats-proxy.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { syncJob } from "../helpers/sync-job.js";
import { until } from "../helpers/until.js";

/**
 * Issue 15, part 2: `ecsmon agent` (the built CLI, daemon mode) against a real Docker Engine started for this file.
 * Containers carry the ECS agent's labels, CPU and memory limits, and serve metrics with busybox httpd. The agent
 * finds them by label, scrapes them, and publishes their stats to the simulator's CloudWatch. Its figures are held
 * against three independent references on the same samples: the engine's own payload (through a recording
 * pass-through socket), the container's cgroup files read around each payload, and `docker stats`.
 * Then: a container restarted, a container removed mid-sample, and the engine restarted — each counted, no crash,
 * no spike.
 */

const CLUSTER = "docker-test";
const NODE = "node-1";
const NAMESPACE = "Test/RealEngine";
const MIB = 1024 * 1024;
/**
 * CPU, in points of one host CPU: ecsmon's and `docker stats`' medians (different ~1 s samples of a busy loop on a
 * shared host) within 7; ecsmon over the sampled window against the cgroup counter over the same wall time within 1.5
 * (the cgroup reads and the host counter are a few ms and one 10 ms jiffy apart).
 */
const CPU_TOLERANCE_POINTS = 7;
const CPU_WINDOW_TOLERANCE_POINTS = 1.5;
/**
 * ecsmon's and `docker stats`' memory medians are different samples of a live container whose httpd forks a child
 * (~200 KiB) for every scrape: within 1 % or 512 KiB. On the same samples, ecsmon must equal the cgroup files exactly.
 */
const MEMORY_TOLERANCE = 0.01;
const MEMORY_TOLERANCE_BYTES = 512 * 1024;

interface Workload {
  name: string;
  taskId: string;
  /** docker run flags for limits (the task definition's cpu/memory/memoryReservation, as the ECS agent maps them). */
  flags: string[];
  cpuUnits: number;
  memoryLimitMiB: number;
  memoryReservationMiB?: number;
  /** Shell run after the metrics file is written and httpd started. */
  script: string;
}

const WORKLOADS: Workload[] = [
  {
    name: "busy",
    taskId: "1a1a1a1a1a1a4a1a8a1a1a1a1a1a1a1a",
    flags: ["--cpus", "0.5", "--cpu-shares", "512", "--memory", "64m"],
    cpuUnits: 512,
    memoryLimitMiB: 64,
    script: "while :; do :; done",
  },
  {
    // 32 MiB in tmpfs (shmem: unreclaimable without swap, in v1's `cache`) + 16 MiB written file (inactive cache).
    name: "tmpfs",
    taskId: "2b2b2b2b2b2b4b2b8b2b2b2b2b2b2b2b",
    flags: [
      "--cpus",
      "0.25",
      "--cpu-shares",
      "256",
      "--memory",
      "128m",
      "--memory-reservation",
      "96m",
      "--tmpfs",
      "/scratch:size=64m",
    ],
    cpuUnits: 256,
    memoryLimitMiB: 128,
    memoryReservationMiB: 96,
    script:
      "dd if=/dev/zero of=/scratch/blob bs=1M count=32 2>/dev/null; dd if=/dev/zero of=/tmp/file bs=1M count=16 2>/dev/null; exec sleep 100000",
  },
  {
    // Page cache only: a 24 MiB written file, which the kernel can reclaim.
    name: "pagecache",
    taskId: "3c3c3c3c3c3c4c3c8c3c3c3c3c3c3c3c",
    flags: ["--cpus", "0.25", "--cpu-shares", "256", "--memory", "96m"],
    cpuUnits: 256,
    memoryLimitMiB: 96,
    script: "dd if=/dev/zero of=/tmp/file bs=1M count=24 2>/dev/null; exec sleep 100000",
  },
];

const taskArn = (w: Workload) => `arn:aws:ecs:us-east-1:000000000000:task/${CLUSTER}/${w.taskId}`;

let engine: DockerEngine;
let sim: RunningSim;
let redis: RedisServer;
let proxy: DockerStatsProxy<CgroupFigures>;
let agent: ChildProcess;
let agentLog = "";
let metricsUrl = "";
let scratch = "";
const ids = new Map<string, string>();
const cgroups = new Map<string, CgroupDirs>();

async function containerId(name: string): Promise<string> {
  return (await engine.docker(["inspect", "-f", "{{.Id}}", name])).stdout.trim();
}

/** The cgroup dirs of a container by (full) id, re-resolved after a restart gave it a new init process. */
async function cgroupOf(id: string): Promise<CgroupFigures | undefined> {
  let dirs = cgroups.get(id);
  if (!dirs) {
    const pid = Number((await engine.docker(["inspect", "-f", "{{.State.Pid}}", id], { allowFail: true })).stdout);
    if (!(pid > 0)) return undefined;
    dirs = await cgroupDirsOf(pid);
    cgroups.set(id, dirs);
  }
  return readCgroupFigures(dirs);
}

async function startWorkload(w: Workload): Promise<void> {
  const metrics = `# TYPE workload_info gauge\\nworkload_info{workload=\\"${w.name}\\"} 1\\n`;
  await engine.docker([
    "run",
    "-d",
    "--name",
    w.name,
    "--network",
    "tasks",
    "--restart",
    "always",
    "--stop-timeout",
    "1",
    ...w.flags,
    "--label",
    `com.amazonaws.ecs.task-arn=${taskArn(w)}`,
    "--label",
    `com.amazonaws.ecs.container-name=${w.name}`,
    "--label",
    `com.amazonaws.ecs.cluster=${CLUSTER}`,
    "--label",
    `com.amazonaws.ecs.task-definition-family=${w.name}-family`,
    "--label",
    "com.amazonaws.ecs.task-definition-version=1",
    "ecsmon-test/busybox:1",
    "sh",
    "-c",
    `printf "${metrics}" > /www/metrics; httpd -p 9100 -h /www; ${w.script}`,
  ]);
  ids.set(w.name, await containerId(w.name));
}

function job(addresses: Map<string, string>): NodeSyncJob {
  const base = syncJob(
    NODE,
    1,
    WORKLOADS.map((w) => ({
      id: `${taskArn(w)}/${w.name}/9100/metrics`,
      address: `${addresses.get(w.name)}:9100`,
      scheme: "http" as const,
      metricsPath: "/metrics",
      labels: { cluster: CLUSTER, container_name: w.name, task_id: w.taskId },
    })),
    { intervalMs: 2_000, timeoutMs: 1_000 },
    CLUSTER,
  );
  const assignments: StatsAssignment[] = WORKLOADS.map((w) => ({
    taskArn: taskArn(w),
    taskId: w.taskId,
    family: `${w.name}-family`,
    revision: 1,
    // No runtimeId: the agent finds each container by its ECS labels.
    containers: [
      {
        name: w.name,
        cpuUnits: w.cpuUnits,
        memoryLimitMiB: w.memoryLimitMiB,
        ...(w.memoryReservationMiB ? { memoryReservationMiB: w.memoryReservationMiB } : {}),
      },
    ],
  }));
  return NodeSyncJob.parse({
    ...base,
    stats: {
      enabled: true,
      namespace: NAMESPACE,
      periodMs: 1_000,
      metrics: ["CPUUtilization", "MemoryUtilization", "NetworkRxBytes", "NetworkTxBytes"],
      dimensions: ["ClusterName", "TaskId", "ContainerName"],
      cpuMode: "reserved",
      containers: [],
      assignments,
    },
  });
}

/** Published values of a metric for one workload, expanded by count, with each datum's timestamp. */
function published(metric: string, w: Workload, sinceMs = 0): { atMs: number; value: number }[] {
  return sim.metrics
    .datums({ namespace: NAMESPACE, metricName: metric, dimensions: { TaskId: w.taskId, ContainerName: w.name } })
    .filter((d) => d.timestamp.getTime() >= sinceMs)
    .flatMap((d) =>
      d.values.flatMap((v, i) =>
        Array<{ atMs: number; value: number }>(d.counts[i] ?? 1).fill({ atMs: d.timestamp.getTime(), value: v }),
      ),
    );
}

async function agentMetric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (want.every((pair) => line.includes(pair))) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return 0;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** `docker stats` sizes: units.BytesSize, binary prefixes, 4 significant digits. */
function parseDockerSize(text: string): number {
  const match = /^([\d.]+)\s*(B|KiB|MiB|GiB)$/.exec(text.trim());
  if (!match) throw new Error(`unexpected docker stats size ${JSON.stringify(text)}`);
  const scale = { B: 1, KiB: 1024, MiB: MIB, GiB: 1024 * MIB }[match[2] as "B"];
  return Number(match[1]) * scale;
}

interface CliSample {
  name: string;
  cpuPercent: number;
  memBytes: number;
}

async function dockerStatsCli(): Promise<CliSample[]> {
  const { stdout } = await engine.docker(["stats", "--no-stream", "--format", "{{json .}}"]);
  return stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const row = JSON.parse(line) as { Name: string; CPUPerc: string; MemUsage: string };
      return {
        name: row.Name,
        cpuPercent: Number.parseFloat(row.CPUPerc),
        memBytes: parseDockerSize(row.MemUsage.split("/")[0] ?? ""),
      };
    });
}

beforeAll(async () => {
  engine = await startDockerEngine();
  scratch = await mkdtemp(join(tmpdir(), "ecsmon-proxy-"));
  await buildBusyboxImage(engine);
  await engine.docker(["network", "create", "tasks"]);
  for (const w of WORKLOADS) await startWorkload(w);
  const addresses = new Map<string, string>();
  for (const w of WORKLOADS) {
    const ip = await engine.docker(["inspect", "-f", "{{.NetworkSettings.Networks.tasks.IPAddress}}", w.name]);
    addresses.set(w.name, ip.stdout.trim());
  }
  proxy = await startDockerStatsProxy<CgroupFigures>({
    socketPath: join(scratch, "docker.sock"),
    upstreamSocketPath: engine.socketPath,
    observe: cgroupOf,
  });
  [sim, redis] = await Promise.all([startSim({ nodeSurfaces: false, transitionDelayMs: 0 }), startRedisServer()]);
  const client = new Redis(redis.url);
  await client.set(redisKeys(KEY_PREFIX).node(NODE).job, JSON.stringify(job(addresses)));
  client.disconnect();
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  agent = spawn(process.execPath, [fromRoot("dist/cli/ecsmon.js"), "agent", "--cluster", CLUSTER, "--node-id", NODE], {
    env: {
      PATH: process.env.PATH ?? "",
      DOCKER_HOST: proxy.host,
      AWS_ENDPOINT_URL: sim.endpoint,
      AWS_REGION: sim.region,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      REDIS_URL: redis.url,
      ECSMON_AGENT_BIND: `127.0.0.1:${port}`,
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => {
    agentLog = (agentLog + chunk.toString()).slice(-200_000);
  };
  agent.stdout?.on("data", keep);
  agent.stderr?.on("data", keep);
  await until(
    "the agent's /healthz",
    async () => (await fetch(metricsUrl.replace("/metrics", "/healthz"))).ok,
    30_000,
    100,
  ).catch((error) => {
    throw new Error(`${(error as Error).message}\n--- agent log ---\n${agentLog.slice(-5_000)}`);
  });
}, 120_000);

afterAll(async () => {
  if (agent && agent.exitCode === null) {
    const exited = new Promise((resolve) => agent.once("exit", resolve));
    agent.kill("SIGTERM");
    await exited;
  }
  await proxy?.close();
  await sim?.stop();
  await redis?.stop();
  await engine?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, 120_000);

describe("ecsmon agent on a real Docker Engine", () => {
  it("finds the labelled containers, scrapes them and publishes their stats", async () => {
    await until(
      "every workload's CPU and memory in the simulator's CloudWatch",
      () =>
        WORKLOADS.every(
          (w) => published("CPUUtilization", w).length > 0 && published("MemoryUtilization", w).length > 0,
        ),
      60_000,
      200,
    ).catch((error) => {
      throw new Error(`${(error as Error).message}\n--- agent log ---\n${agentLog.slice(-5_000)}`);
    });
    const text = await until(
      "every workload's series on the agent's /metrics",
      async () => {
        const body = await (await fetch(metricsUrl)).text();
        return WORKLOADS.every((w) => body.includes(`workload_info{`) && body.includes(`workload="${w.name}"`)) && body;
      },
      30_000,
      200,
    );
    for (const w of WORKLOADS) expect(text).toMatch(new RegExp(`workload_info\\{[^}]*task_id="${w.taskId}"[^}]*\\} 1`));
    // Found by label: every stats read went to the engine under the container's real id.
    for (const w of WORKLOADS) {
      expect(proxy.records.some((r) => r.containerId === ids.get(w.name))).toBe(true);
    }
  }, 90_000);

  it("agrees with the engine's payload, the cgroup files and docker stats on CPU and memory", async () => {
    const windowStart = Date.now();
    const cli: CliSample[] = [];
    let sampling = true;
    const cliLoop = (async () => {
      while (sampling) cli.push(...(await dockerStatsCli()));
    })();
    const busy = WORKLOADS[0] as Workload;
    const cpuBefore = (await cgroupOf(ids.get("busy") as string)) as CgroupFigures;
    const t0 = process.hrtime.bigint();
    await until(
      "15 CPU samples of each workload and 8 docker stats rounds",
      () =>
        WORKLOADS.every((w) => published("CPUUtilization", w, windowStart).length >= 15) &&
        cli.filter((c) => c.name === "busy").length >= 8,
      90_000,
      250,
    );
    const cpuAfter = (await cgroupOf(ids.get("busy") as string)) as CgroupFigures;
    const wallNs = Number(process.hrtime.bigint() - t0);
    sampling = false;
    await cliLoop;

    const lines: string[] = [];
    // CPU on the same samples: docker/cli's formula (calculateCPUPercentUnix) over each pair of consecutive payloads
    // the agent received, × 1024/512 for the reservation, must be one of ecsmon's published values.
    type Cpu = { cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus: number } };
    const busyReads = proxy.records.filter((r) => r.containerId === ids.get("busy") && r.atMs >= windowStart);
    const cpuOf = (r: (typeof busyReads)[number]) => (r.payload as Cpu).cpu_stats;
    const allCpu = published("CPUUtilization", busy).map((p) => p.value);
    let cpuMatched = 0;
    let matchedCpuNs = 0;
    let matchedSystemNs = 0;
    for (let i = 1; i < busyReads.length; i++) {
      const prev = cpuOf(busyReads[i - 1] as (typeof busyReads)[number]);
      const cur = cpuOf(busyReads[i] as (typeof busyReads)[number]);
      const cpuNs = cur.cpu_usage.total_usage - prev.cpu_usage.total_usage;
      const systemNs = cur.system_cpu_usage - prev.system_cpu_usage;
      const expected = ((cpuNs / systemNs) * cur.online_cpus * 100 * 1024) / busy.cpuUnits;
      if (allCpu.some((v) => Math.abs(v - expected) <= 1e-9 * Math.max(1, expected))) {
        cpuMatched++;
        matchedCpuNs += cpuNs;
        matchedSystemNs += systemNs;
      }
      // The payload's counter is the cgroup's own: between the cgroup reads taken around it.
      const { before, after } = busyReads[i] as (typeof busyReads)[number];
      if (before && after) {
        expect(cur.cpu_usage.total_usage).toBeGreaterThanOrEqual(before.cpuNs);
        expect(cur.cpu_usage.total_usage).toBeLessThanOrEqual(after.cpuNs);
      }
    }
    lines.push(
      `CPU busy: ${cpuMatched}/${busyReads.length - 1} consecutive engine payloads reproduced exactly by ecsmon's published values`,
    );
    expect(cpuMatched).toBeGreaterThanOrEqual(Math.floor((busyReads.length - 1) * 0.8));

    // CPU against the cgroup files over the sampled window: ecsmon's samples, weighted by their intervals, against
    // cpuacct.usage (v1) / cpu.stat usage_usec (v2) over the wall time between the first and last payload.
    const first = busyReads[0] as (typeof busyReads)[number];
    const last = busyReads.at(-1) as (typeof busyReads)[number];
    const online = cpuOf(last).online_cpus;
    const ecsmonWindow = (matchedCpuNs / matchedSystemNs) * online * 100;
    const cgroupWindow =
      (((last.after as CgroupFigures).cpuNs - (first.after as CgroupFigures).cpuNs) /
        ((last.atMs - first.atMs) * 1e6)) *
      100;
    // Medians of % of one host CPU: ecsmon publishes % of the reservation (512 units), × 512/1024.
    const ecsmonCpu = published("CPUUtilization", busy, windowStart).map((p) => (p.value * busy.cpuUnits) / 1024);
    const dockerCpu = cli.filter((c) => c.name === "busy").map((c) => c.cpuPercent);
    lines.push(
      `CPU busy (--cpus 0.5), % of one host CPU: ecsmon median ${median(ecsmonCpu).toFixed(2)} (n=${ecsmonCpu.length}), ` +
        `docker stats median ${median(dockerCpu).toFixed(2)} (n=${dockerCpu.length}); over the window ecsmon ${ecsmonWindow.toFixed(2)}, ` +
        `cgroup ${cpuAfter.version} ${cgroupWindow.toFixed(2)} (unconstrained window average ${(((cpuAfter.cpuNs - cpuBefore.cpuNs) / wallNs) * 100).toFixed(2)})`,
    );
    console.log(`[real engine] ${lines.join("\n[real engine] ")}`);
    expect(Math.abs(ecsmonWindow - cgroupWindow)).toBeLessThanOrEqual(CPU_WINDOW_TOLERANCE_POINTS);
    expect(Math.abs(median(ecsmonCpu) - median(dockerCpu))).toBeLessThanOrEqual(CPU_TOLERANCE_POINTS);
    expect(ecsmonWindow).toBeGreaterThan(1);

    // Memory: on every sample whose cgroup files did not move while the engine read them, ecsmon's figure × its
    // denominator is exactly usage − total_inactive_file (v1) / usage − inactive_file (v2) from the files.
    for (const w of WORKLOADS.slice(1)) {
      const denominator = (w.memoryReservationMiB ?? w.memoryLimitMiB) * MIB;
      const values = published("MemoryUtilization", w).map((p) => p.value);
      const reads = proxy.records.filter((r) => r.containerId === ids.get(w.name) && r.atMs >= windowStart);
      let stable = 0;
      let equal = 0;
      let lastStable: CgroupFigures | undefined;
      for (const r of reads) {
        const { before, after } = r;
        if (!before || !after || before.usage !== after.usage || before.inactiveFile !== after.inactiveFile) continue;
        stable++;
        lastStable = before;
        const expected = (workingSet(before) / denominator) * 100;
        if (values.some((v) => Math.abs(v - expected) <= 1e-12 * expected)) equal++;
      }
      expect(stable, `${w.name}: stable samples`).toBeGreaterThanOrEqual(5);
      expect(equal, `${w.name}: samples equal to the cgroup figure`).toBe(stable);
      const ecsmonBytes = median(
        published("MemoryUtilization", w, windowStart).map((p) => (p.value * denominator) / 100),
      );
      const dockerBytes = median(cli.filter((c) => c.name === w.name).map((c) => c.memBytes));
      const cg = lastStable as CgroupFigures;
      lines.push(
        `memory ${w.name}: ecsmon median ${(ecsmonBytes / MIB).toFixed(3)} MiB, docker stats median ${(dockerBytes / MIB).toFixed(3)} MiB, ` +
          `cgroup ${cg.version} usage − inactive_file ${(workingSet(cg) / MIB).toFixed(3)} MiB ` +
          `(usage ${cg.usage}, inactive_file ${cg.inactiveFile}, cache ${cg.cache}, shmem ${cg.shmem}); ${equal}/${stable} stable samples equal`,
      );
      console.log(`[real engine] ${lines.at(-1)}`);
      // Different samples of a live container (docker stats reads on its own schedule; httpd forks per scrape).
      expect(Math.abs(ecsmonBytes - dockerBytes)).toBeLessThanOrEqual(
        Math.max(MEMORY_TOLERANCE * dockerBytes, MEMORY_TOLERANCE_BYTES),
      );
    }
    const tmpfs = (await cgroupOf(ids.get("tmpfs") as string)) as CgroupFigures;
    // The old v1 formula (usage − cache) would hide the 32 MiB of tmpfs.
    expect(tmpfs.shmem).toBeGreaterThanOrEqual(32 * MIB);
    expect(workingSet(tmpfs) - (tmpfs.usage - tmpfs.cache)).toBeGreaterThanOrEqual(32 * MIB);
  }, 150_000);
});

describe("lifecycle on a real engine: counted, no crash, no spike", () => {
  /** Every CPU value for the workload stays within its CFS quota (reserved mode), and memory within its limit. */
  function expectNoSpike(w: Workload, sinceMs: number) {
    const quotaPercent = (Number(w.flags[w.flags.indexOf("--cpus") + 1]) * 1024 * 100) / w.cpuUnits;
    for (const { value } of published("CPUUtilization", w, sinceMs)) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value, `${w.name} CPU`).toBeLessThanOrEqual(quotaPercent * 1.25);
    }
    const memoryCeiling = (w.memoryLimitMiB / (w.memoryReservationMiB ?? w.memoryLimitMiB)) * 100;
    for (const { value } of published("MemoryUtilization", w, sinceMs)) {
      expect(value, `${w.name} memory`).toBeLessThanOrEqual(memoryCeiling);
    }
    for (const metric of ["NetworkRxBytes", "NetworkTxBytes"]) {
      for (const { value } of published(metric, w, sinceMs)) {
        expect(value, `${w.name} ${metric}`).toBeGreaterThanOrEqual(0);
        expect(value, `${w.name} ${metric}`).toBeLessThan(10 * MIB);
      }
    }
  }

  const events = (event: string) => agentMetric("ecsmon_stats_container_events_total", { event });
  const waitForEvents = (event: string, atLeast: number, timeoutMs = 30_000) =>
    until(
      `${atLeast} ${event} event(s) on the agent's /metrics`,
      async () => (await events(event)) >= atLeast,
      timeoutMs,
      200,
    );
  const waitForSamples = (metric: string, w: Workload, sinceMs: number, timeoutMs = 30_000) =>
    until(
      `${metric} of ${w.name} after ${new Date(sinceMs).toISOString()}`,
      () => published(metric, w, sinceMs).length >= 2,
      timeoutMs,
      200,
    );

  it("a container restarted in place is counted and its next figures are not a spike", async () => {
    const busy = WORKLOADS[0] as Workload;
    const restartedBefore = await events("restarted");
    const since = Date.now();
    await engine.docker(["restart", "-t", "0", "busy"]);
    await waitForEvents("restarted", restartedBefore + 1);
    await waitForSamples("CPUUtilization", busy, since + 2_000);
    expectNoSpike(busy, since);
    expect(agent.exitCode).toBeNull();
  }, 60_000);

  it("a container removed while its stats read is in flight is counted as removed", async () => {
    const tmpfs = WORKLOADS[1] as Workload;
    const notFoundBefore = await agentMetric("ecsmon_stats_collect_errors_total", { reason: "not_found" });
    const id = ids.get("pagecache") as string;
    const held = proxy.hold(id);
    await held.arrived;
    await engine.docker(["rm", "-f", "pagecache"]);
    held.release();
    await waitForEvents("removed", 1);
    expect(await agentMetric("ecsmon_stats_collect_errors_total", { reason: "not_found" })).toBeGreaterThan(
      notFoundBefore,
    );
    await waitForSamples("MemoryUtilization", tmpfs, Date.now());
    expect(agent.exitCode).toBeNull();
    expect((await fetch(metricsUrl.replace("/metrics", "/healthz"))).status).toBe(200);
  }, 60_000);

  it("the engine restarted: unreachable cycles counted, restarted containers counted, sampling resumes without a spike", async () => {
    const busy = WORKLOADS[0] as Workload;
    const restartedBefore = await events("restarted");
    const since = Date.now();
    await engine.restart({ downMs: 3_000 });
    const restartMs = Date.now() - since;
    await waitForEvents("engine_unreachable", 1);
    // busy and tmpfs come back (restart=always) with fresh counters under the same ids.
    await waitForEvents("restarted", restartedBefore + 2, 60_000).catch(async (error) => {
      const ps = await engine.docker(["ps", "-a"], { allowFail: true });
      throw new Error(`${(error as Error).message}\n${ps.stdout}\n--- agent log ---\n${agentLog.slice(-6_000)}`);
    });
    await waitForSamples("CPUUtilization", busy, Date.now(), 60_000);
    for (const w of WORKLOADS.slice(0, 2)) expectNoSpike(w, since);
    expect(agent.exitCode).toBeNull();
    expect(agentLog).toContain("Docker Engine unreachable");
    expect(agentLog).toContain("Docker Engine reachable again");
    console.log(
      `[real engine] engine restart (3 s down) took ${restartMs} ms; sampling resumed ${Date.now() - since} ms after it began`,
    );
  }, 120_000);
});
