import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import Dockerode from "dockerode";
import type { Registry } from "prom-client";
import { afterAll, beforeAll } from "vitest";
import { buildNodeSyncJob } from "../../controller/dispatch/sync-job.js";
import { createClusterObserver } from "../../controller/observe/create-observer.js";
import { plan } from "../../controller/plan/plan.js";
import { ClusterSpec, type NodeSyncJob, STATS_METRICS, type StatsAssignment } from "../../crds-like-schemas/index.js";
import { type RunningSim, type SimNodeInfo, startSim } from "../../sim/index.js";

/**
 * The simulator stack of the stats-cloudwatch tests (issue 6 acceptance): a two-node cluster (cgroup v1 and v2)
 * with bridge and awsvpc tasks, each node's sync job as the controller's observation and plan build it, and the
 * formulas of docs/stats-formulas.md written out independently of the code under test.
 */

export const NAMESPACE = "Test/ContainerStats";
const MIB = 1024 * 1024;

/** The fields of a Docker stats payload the formulas read. */
export interface RawStats {
  read: string;
  cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats: { usage: number; limit: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
}

interface Served {
  payload: RawStats;
}

/** Dockerode that records every stats payload per container id; `corrupt` ids get a malformed payload instead. */
export class RecordingDocker extends Dockerode {
  readonly served = new Map<string, Served[]>();
  readonly corrupt = new Set<string>();
  override getContainer(id: string): Dockerode.Container {
    const container = super.getContainer(id);
    const original = container.stats.bind(container) as (opts: object) => Promise<unknown>;
    (container as unknown as { stats: (opts: object) => Promise<unknown> }).stats = async (opts: object) => {
      const payload = (await original(opts)) as RawStats;
      if (this.corrupt.has(id)) return { cpu_stats: "corrupted", memory_stats: 42 };
      const list = this.served.get(id) ?? [];
      list.push({ payload });
      this.served.set(id, list);
      return payload;
    };
    return container;
  }
}

export function dockerFor(node: SimNodeInfo): RecordingDocker {
  const url = new URL(node.surfaces!.dockerHttpUrl);
  return new RecordingDocker({ protocol: "http", host: url.hostname, port: Number(url.port) });
}

const spec = ClusterSpec.parse({
  name: "stats",
  stats: {
    enabled: true,
    namespace: NAMESPACE,
    period: "1s",
    metrics: [...STATS_METRICS],
    dimensions: ["ClusterName", "ServiceName", "TaskId", "ContainerName"],
  },
});

export interface StatsSim {
  sim: RunningSim;
  cloudwatch: CloudWatchClient;
  jobs: Map<string, NodeSyncJob>;
  nodes: SimNodeInfo[];
  stop(): Promise<void>;
}

/**
 * Starts the stack before the calling file's tests and stops it after them (one simulator per file); the returned
 * accessor gives it to a test.
 */
export function useStatsSim(): () => StatsSim {
  let stack: StatsSim | undefined;
  beforeAll(async () => {
    stack = await startStatsSim();
  });
  afterAll(async () => {
    await stack?.stop();
  });
  return () => {
    if (!stack) throw new Error("the stats simulator did not start");
    return stack;
  };
}

/** Starts the simulator and builds every node's sync job (generation 1) for `spec`. */
export async function startStatsSim(): Promise<StatsSim> {
  const sim = await startSim({
    scenario: {
      name: "stats",
      cluster: "stats",
      seed: 3,
      instances: [
        { type: "c5.xlarge", cgroup: "v1" },
        { type: "m5.2xlarge", cgroup: "v2" },
      ],
      taskDefinitions: [
        {
          family: "web",
          networkMode: "bridge",
          containers: [{ name: "app", cpu: 256, memory: 512, portMappings: [8080] }],
        },
        {
          family: "api",
          networkMode: "awsvpc",
          cpu: 512,
          memory: 1024,
          containers: [
            { name: "worker", memoryReservation: 400 },
            { name: "sidecar", cpu: 128, memory: 128 },
          ],
        },
      ],
      services: [{ name: "web", taskDefinition: "web", desiredCount: 2 }],
      tasks: [{ taskDefinition: "api", count: 2 }],
    },
    transitionDelayMs: 0,
  });
  const client = {
    region: sim.region,
    endpoint: sim.endpoint,
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
  };
  const ecs = new ECSClient({ ...client, maxAttempts: 1 });
  const ec2 = new EC2Client({ ...client, maxAttempts: 1 });
  const cloudwatch = new CloudWatchClient({ ...client, maxAttempts: 1 });
  const observer = createClusterObserver(spec, { region: sim.region, clients: { ecs, ec2 } });
  const observed = await observer.observe();
  const nodes = await sim.nodes();
  const planned = plan(spec, observed, { liveAgents: new Set(nodes.map((n) => n.id)), sidecarTasks: new Set() });
  const jobs = new Map<string, NodeSyncJob>();
  for (const [nodeId, payload] of planned.nodes) {
    jobs.set(nodeId, {
      ...buildNodeSyncJob(observed.cluster, spec, payload),
      generation: 1,
      fencingToken: 1,
      issuedAt: new Date().toISOString(),
    });
  }
  return {
    sim,
    cloudwatch,
    jobs,
    nodes,
    async stop() {
      ecs.destroy();
      ec2.destroy();
      cloudwatch.destroy();
      await sim.stop();
    },
  };
}

export async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value ?? 0;
}

/** The formulas of docs/stats-formulas.md, written out on the raw payload fields. */
export function expectedFigures(
  prev: RawStats | undefined,
  cur: RawStats,
  a: StatsAssignment,
  c: StatsAssignment["containers"][number],
) {
  const out: Record<string, number> = {};
  const stats = cur.memory_stats.stats ?? {};
  // docker/cli calculateMemUsageUnixNoCache: v1 total_inactive_file, v2 inactive_file.
  const reclaim = ("total_inactive_file" in stats ? stats.total_inactive_file : stats.inactive_file) ?? 0;
  // ECS: memoryReservation when set, else memory (developer guide, "Service utilization").
  const denomMiB = c.memoryReservationMiB || c.memoryLimitMiB || a.taskMemoryMiB;
  out.MemoryUtilization =
    ((cur.memory_stats.usage - reclaim) / (denomMiB ? denomMiB * MIB : cur.memory_stats.limit)) * 100;
  // Baseline: Docker's own precpu_stats when filled in, else the previous read.
  const pre = cur.precpu_stats?.system_cpu_usage ? cur.precpu_stats : prev?.cpu_stats;
  if (pre) {
    const cpuDelta = cur.cpu_stats.cpu_usage.total_usage - (pre.cpu_usage?.total_usage ?? 0);
    const sysDelta = cur.cpu_stats.system_cpu_usage - (pre.system_cpu_usage ?? 0);
    const reserved = c.cpuUnits || a.taskCpuUnits || 1024;
    out.CPUUtilization = (cpuDelta / sysDelta) * cur.cpu_stats.online_cpus * 100 * (1024 / reserved);
  }
  if (!prev) return out;
  const seconds = (Date.parse(cur.read) - Date.parse(prev.read)) / 1000;
  const sum = (p: RawStats, key: "rx_bytes" | "tx_bytes") =>
    Object.values(p.networks ?? {}).reduce((n, i) => n + i[key], 0);
  const io = (p: RawStats, op: string) =>
    (p.blkio_stats?.io_service_bytes_recursive ?? [])
      .filter((e) => e.op.toLowerCase() === op)
      .reduce((n, e) => n + e.value, 0);
  if (cur.networks) {
    out.NetworkRxBytes = (sum(cur, "rx_bytes") - sum(prev, "rx_bytes")) / seconds;
    out.NetworkTxBytes = (sum(cur, "tx_bytes") - sum(prev, "tx_bytes")) / seconds;
  }
  if (cur.blkio_stats?.io_service_bytes_recursive) {
    out.BlockIoReadBytes = (io(cur, "read") - io(prev, "read")) / seconds;
    out.BlockIoWriteBytes = (io(cur, "write") - io(prev, "write")) / seconds;
  }
  return out;
}
