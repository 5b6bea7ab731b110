import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import Dockerode from "dockerode";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeHandler } from "../../agents/node-handler.js";
import { createStatsHandler } from "../../agents/stats/stats-handler.js";
import { buildNodeSyncJob } from "../../controller/dispatch/sync-job.js";
import { createClusterObserver } from "../../controller/observe/create-observer.js";
import { plan } from "../../controller/plan/plan.js";
import { ClusterSpec, type NodeSyncJob, STATS_METRICS, type StatsAssignment } from "../../crds-like-schemas/index.js";
import { type RunningSim, type SimNodeInfo, startSim } from "../../sim/index.js";
import { until } from "../helpers/until.js";

/**
 * Issue 6 acceptance against the simulator: the controller's observation and plan produce each node's stats
 * assignment; one stats handler per simulated node reads the node's Docker API (cgroup v1 on one node, v2 on the
 * other) and publishes to the simulator's CloudWatch. The values are checked against the formula applied here,
 * independently, to the exact payloads the simulator served (recorded by a pass-through Docker client).
 */

const NAMESPACE = "Test/ContainerStats";
const MIB = 1024 * 1024;

/** The fields of a Docker stats payload the formulas read. */
interface RawStats {
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
class RecordingDocker extends Dockerode {
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

function dockerFor(node: SimNodeInfo): RecordingDocker {
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

let sim: RunningSim;
let ecs: ECSClient;
let ec2: EC2Client;
let cloudwatch: CloudWatchClient;
let jobs: Map<string, NodeSyncJob>;
let nodes: SimNodeInfo[];

beforeAll(async () => {
  sim = await startSim({
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
  ecs = new ECSClient({ ...client, maxAttempts: 1 });
  ec2 = new EC2Client({ ...client, maxAttempts: 1 });
  cloudwatch = new CloudWatchClient({ ...client, maxAttempts: 1 });
  const observer = createClusterObserver(spec, { region: sim.region, clients: { ecs, ec2 } });
  const observed = await observer.observe();
  nodes = await sim.nodes();
  const planned = plan(spec, observed, { liveAgents: new Set(nodes.map((n) => n.id)), sidecarTasks: new Set() });
  jobs = new Map();
  for (const [nodeId, payload] of planned.nodes) {
    jobs.set(nodeId, {
      ...buildNodeSyncJob(observed.cluster, spec, payload),
      generation: 1,
      fencingToken: 1,
      issuedAt: new Date().toISOString(),
    });
  }
});

afterAll(async () => {
  ecs?.destroy();
  ec2?.destroy();
  cloudwatch?.destroy();
  await sim?.stop();
});

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value ?? 0;
}

/** The formulas of docs/stats-formulas.md, written out on the raw payload fields. */
function expectedFigures(
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

describe("stats → simulator CloudWatch", () => {
  it("publishes the formula's values with the spec's dimensions at 1 s resolution, in about one call per node per second", async () => {
    const handlers: NodeHandler[] = [];
    const dockers = new Map<string, RecordingDocker>();
    const registries = new Map<string, Registry>();
    const callsBefore = sim.server.counters.total({ service: "monitoring", operation: "PutMetricData" });
    const started = Date.now();
    try {
      for (const node of nodes) {
        const docker = dockerFor(node);
        const registry = new Registry();
        dockers.set(node.id, docker);
        registries.set(node.id, registry);
        const handler = createStatsHandler({ cloudwatch, docker, logger: pino({ level: "silent" }), registry });
        handlers.push(handler);
        await handler.apply(jobs.get(node.id)!);
      }
      const containers = [...jobs.values()].flatMap((j) =>
        j.stats.assignments.flatMap((a) => a.containers.map((c) => ({ taskId: a.taskId, name: c.name }))),
      );
      expect(containers).toHaveLength(2 + 2 * 2);
      const cpuValues = (c: { taskId: string; name: string }) =>
        sim.metrics
          .datums({
            namespace: NAMESPACE,
            metricName: "CPUUtilization",
            dimensions: { ContainerName: c.name, TaskId: c.taskId },
          })
          .reduce((n, d) => n + d.sampleCount, 0);
      await until("three CPU values per container", () => containers.every((c) => cpuValues(c) >= 3));
    } finally {
      for (const h of handlers) await h.stop();
    }
    const elapsedS = (Date.now() - started) / 1000;

    const datums = sim.metrics.datums({ namespace: NAMESPACE });
    expect(datums.length).toBeGreaterThan(0);
    expect(datums.every((d) => d.storageResolution === 1)).toBe(true);
    // The publisher flushes once a second: about one call per node per second, never one per container.
    const calls = sim.server.counters.total({ service: "monitoring", operation: "PutMetricData" }) - callsBefore;
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(nodes.length * (Math.ceil(elapsedS) + 2));

    let checked = 0;
    for (const [nodeId, job] of jobs) {
      const docker = dockers.get(nodeId)!;
      for (const a of job.stats.assignments) {
        for (const c of a.containers) {
          const reads = docker.served.get(c.runtimeId!) ?? [];
          expect(reads.length, `${a.taskId}/${c.name} reads`).toBeGreaterThanOrEqual(2);
          const expected = new Map<string, number[]>();
          reads.forEach((r, i) => {
            for (const [m, v] of Object.entries(expectedFigures(reads[i - 1]?.payload, r.payload, a, c))) {
              expected.set(m, [...(expected.get(m) ?? []), v]);
            }
          });
          const mine = datums.filter(
            (d) =>
              d.dimensions.some((x) => x.Name === "TaskId" && x.Value === a.taskId) &&
              d.dimensions.some((x) => x.Name === "ContainerName" && x.Value === c.name),
          );
          const dimNames = new Set(mine.map((d) => d.dimensions.map((x) => x.Name).join(",")));
          // Sorted by the simulator; ServiceName only for service tasks.
          expect([...dimNames]).toEqual([
            a.serviceName ? "ClusterName,ContainerName,ServiceName,TaskId" : "ClusterName,ContainerName,TaskId",
          ]);
          expect(
            mine
              .find((d) => d.dimensions.some((x) => x.Name === "ClusterName"))
              ?.dimensions.find((x) => x.Name === "ClusterName")?.Value,
          ).toBe("stats");
          for (const d of mine) {
            expect(d.unit).toBe(d.metricName.endsWith("Utilization") ? "Percent" : "Bytes/Second");
            const candidates = expected.get(d.metricName) ?? [];
            for (const v of d.values) {
              expect(
                candidates.some((e) => Math.abs(e - v) <= 1e-6 * Math.max(1, Math.abs(e))),
                `${d.metricName} ${v} of ${a.taskId}/${c.name} not in ${candidates.join(", ")}`,
              ).toBe(true);
              checked++;
            }
          }
          // Every figure computed from a served read was published (nothing lost, nothing invented).
          const published = mine
            .filter((d) => d.metricName === "CPUUtilization")
            .reduce((n, d) => n + d.counts.reduce((x, y) => x + y, 0), 0);
          expect(published).toBe(expected.get("CPUUtilization")?.length);
        }
      }
      const registry = registries.get(nodeId)!;
      const first = job.stats.assignments[0]!;
      expect(
        await metric(registry, "ecsmon_container_cpu_utilization_percent", {
          task_id: first.taskId,
          container: first.containers[0]!.name,
        }),
      ).toBeGreaterThan(0);
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("retries through injected throttling with a bounded buffer, and counts malformed payloads without stopping", async () => {
    const node = nodes.find((n) => (jobs.get(n.id)?.stats.assignments.length ?? 0) > 0)!;
    const job = jobs.get(node.id)!;
    const docker = dockerFor(node);
    const corrupted = job.stats.assignments[0]!.containers[0]!;
    docker.corrupt.add(corrupted.runtimeId!);
    const registry = new Registry();
    const maxBufferedSamples = 40;
    const handler = createStatsHandler({
      cloudwatch,
      docker,
      logger: pino({ level: "silent" }),
      registry,
      publisher: { maxBufferedSamples, retryBaseMs: 100, retryMaxMs: 400 },
    });
    const namespace = `${NAMESPACE}/Throttled`;
    sim.server.faults.set({ service: "monitoring", operation: "PutMetricData", throttlePct: 100 });
    try {
      await handler.apply({ ...job, stats: { ...job.stats, namespace } });
      let maxBuffered = 0;
      await until("a buffer_full drop", async () => {
        maxBuffered = Math.max(maxBuffered, await metric(registry, "ecsmon_stats_buffered_samples"));
        return (await metric(registry, "ecsmon_stats_dropped_samples_total", { reason: "buffer_full" })) > 0;
      });
      expect(await metric(registry, "ecsmon_stats_put_metric_data_calls_total", { result: "retry" })).toBeGreaterThan(
        0,
      );
      expect(maxBuffered).toBeLessThanOrEqual(maxBufferedSamples);
      expect(sim.metrics.datums({ namespace })).toHaveLength(0);

      sim.server.faults.remove("monitoring", "PutMetricData");
      await until("datums after the outage", () => sim.metrics.datums({ namespace }).length > 0);
      await until("an empty buffer", async () => (await metric(registry, "ecsmon_stats_buffered_samples")) === 0);
      // The simulator stores a call's datums a moment before the client sees the response.
      await until(
        "an ok PutMetricData call",
        async () => (await metric(registry, "ecsmon_stats_put_metric_data_calls_total", { result: "ok" })) > 0,
      );
      expect(await metric(registry, "ecsmon_stats_malformed_total", { source: "docker" })).toBeGreaterThan(0);
      const fromCorrupted = sim.metrics.datums({
        namespace,
        dimensions: { ContainerName: corrupted.name, TaskId: job.stats.assignments[0]!.taskId },
      });
      expect(fromCorrupted).toHaveLength(0);
      const others = job.stats.assignments.flatMap((a) => a.containers).filter((c) => c !== corrupted);
      expect(others.length).toBeGreaterThan(0);
      for (const c of others)
        expect(sim.metrics.datums({ namespace, dimensions: { ContainerName: c.name } }).length, c.name).toBeGreaterThan(
          0,
        );
    } finally {
      sim.server.faults.remove("monitoring", "PutMetricData");
      await handler.stop();
    }
  });

  it("sidecar mode reads the simulated task metadata v4 endpoint and publishes the same formulas", async () => {
    const job = [...jobs.values()].find((j) => j.stats.assignments.some((a) => a.family === "api"))!;
    const assignment = job.stats.assignments.find((a) => a.family === "api")!;
    const node = nodes.find((n) => n.id === job.nodeId)!;
    const served: RawStats[][] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).endsWith("/task/stats")) return response;
      const body = (await response.json()) as Record<string, RawStats | null>;
      served.push(assignment.containers.map((c) => body[c.runtimeId!]!).filter(Boolean));
      return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
    };
    const namespace = `${NAMESPACE}/Sidecar`;
    const handler = createStatsHandler({
      cloudwatch,
      metadataUri: `${node.surfaces!.metadataBaseUrl}/v4/${assignment.taskId}`,
      fetch: recordingFetch,
      logger: pino({ level: "silent" }),
      registry: new Registry(),
    });
    try {
      await handler.apply({ ...job, stats: { ...job.stats, namespace, assignments: [] } });
      await until(
        "NetworkRxBytes of every container",
        () => sim.metrics.datums({ namespace, metricName: "NetworkRxBytes" }).length >= assignment.containers.length,
      );
    } finally {
      await handler.stop();
    }
    const datums = sim.metrics.datums({ namespace });
    expect(new Set(datums.map((d) => d.dimensions.find((x) => x.Name === "TaskId")?.Value))).toEqual(
      new Set([assignment.taskId]),
    );
    for (const [index, c] of assignment.containers.entries()) {
      const reads = served.map((round) => round[index]!).filter(Boolean);
      const expected = new Map<string, number[]>();
      reads.forEach((r, i) => {
        // Sidecar reservations come from /task: task CPU in vCPU × 1024, container limits as ECS set them.
        for (const [m, v] of Object.entries(expectedFigures(reads[i - 1], r, assignment, c)))
          expected.set(m, [...(expected.get(m) ?? []), v]);
      });
      const mine = datums.filter((d) => d.dimensions.some((x) => x.Name === "ContainerName" && x.Value === c.name));
      expect(mine.length, c.name).toBeGreaterThan(0);
      for (const d of mine.filter((x) => x.metricName === "CPUUtilization" || x.metricName === "NetworkRxBytes")) {
        for (const v of d.values) {
          expect(
            (expected.get(d.metricName) ?? []).some((e) => Math.abs(e - v) <= 1e-6 * Math.max(1, Math.abs(e))),
            `${d.metricName} ${v} of ${c.name} not in ${expected.get(d.metricName)?.join(", ")}`,
          ).toBe(true);
        }
      }
    }
  });
});
