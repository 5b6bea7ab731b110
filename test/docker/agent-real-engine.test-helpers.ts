import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { KEY_PREFIX, NodeSyncJob, redisKeys, type StatsAssignment } from "../../crds-like-schemas/index.js";
import { freePort } from "../../lib/net.js";
import { fromRoot } from "../../lib/paths.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { buildBusyboxImage } from "../helpers/busybox-image.js";
import { type CgroupDirs, type CgroupFigures, cgroupDirsOf, readCgroupFigures } from "../helpers/cgroup-files.js";
import { type DockerEngine, startDockerEngine } from "../helpers/docker-engine.js";
import { type DockerStatsProxy, startDockerStatsProxy } from "../helpers/docker-stats-proxy.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { syncJob } from "../helpers/sync-job.js";
import { until } from "../helpers/until.js";

/**
 * The stack of the real-engine agent tests (issue 15, part 2), one per test file: a real Docker Engine started for
 * the file, three labelled workloads with ECS-style limits serving metrics with busybox httpd, a recording
 * pass-through socket that reads the container's cgroup files around each stats payload, the simulator's
 * CloudWatch, redis with the node's sync job, and `ecsmon agent` (the built CLI, daemon mode) on that socket.
 *
 * The stack's handles are exported live bindings, set by the beforeAll that useRealEngineAgent() registers and
 * read by the tests.
 */

export const CLUSTER = "docker-test";
const NODE = "node-1";
const NAMESPACE = "Test/RealEngine";
export const MIB = 1024 * 1024;

export interface Workload {
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

export const WORKLOADS: Workload[] = [
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

export let engine: DockerEngine;
let sim: RunningSim;
let redis: RedisServer;
export let proxy: DockerStatsProxy<CgroupFigures>;
export let agent: ChildProcess;
export let agentLog = "";
export let metricsUrl = "";
let scratch = "";
/** Container ids by workload name. */
export const ids = new Map<string, string>();
const cgroups = new Map<string, CgroupDirs>();

async function containerId(name: string): Promise<string> {
  return (await engine.docker(["inspect", "-f", "{{.Id}}", name])).stdout.trim();
}

/** The cgroup dirs of a container by (full) id, re-resolved after a restart gave it a new init process. */
export async function cgroupOf(id: string): Promise<CgroupFigures | undefined> {
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
export function published(metric: string, w: Workload, sinceMs = 0): { atMs: number; value: number }[] {
  return sim.metrics
    .datums({ namespace: NAMESPACE, metricName: metric, dimensions: { TaskId: w.taskId, ContainerName: w.name } })
    .filter((d) => d.timestamp.getTime() >= sinceMs)
    .flatMap((d) =>
      d.values.flatMap((v, i) =>
        Array<{ atMs: number; value: number }>(d.counts[i] ?? 1).fill({ atMs: d.timestamp.getTime(), value: v }),
      ),
    );
}

/** Waits (up to 60 s) until the agent has published CPU and memory of every workload; the agent's log on failure. */
export async function waitForFirstSamples(): Promise<void> {
  await until(
    "every workload's CPU and memory in the simulator's CloudWatch",
    () =>
      WORKLOADS.every((w) => published("CPUUtilization", w).length > 0 && published("MemoryUtilization", w).length > 0),
    60_000,
    200,
  ).catch((error) => {
    throw new Error(`${(error as Error).message}\n--- agent log ---\n${agentLog.slice(-5_000)}`);
  });
}

export async function agentMetric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (want.every((pair) => line.includes(pair))) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return 0;
}

/** Starts the stack before the calling file's tests and stops it after them. */
export function useRealEngineAgent(): void {
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
    agent = spawn(
      process.execPath,
      [fromRoot("dist/cli/ecsmon.js"), "agent", "--cluster", CLUSTER, "--node-id", NODE],
      {
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
      },
    );
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
}
