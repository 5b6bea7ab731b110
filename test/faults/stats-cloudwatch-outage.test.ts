import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import Dockerode from "dockerode";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStatsHandler } from "../../agents/stats/stats-handler.js";
import { STATS_METRICS, type StatsAssignment } from "../../crds-like-schemas/index.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { handlerJob } from "../helpers/sync-job.js";

/**
 * Drill (issue 6): 50 containers at a 1 s period on one simulated node while the simulator's CloudWatch answers
 * every PutMetricData with a 5xx for 45 s. The buffer must stay within its bound (oldest dropped and counted),
 * retries must back off instead of hammering, and once CloudWatch is back the backlog drains in a few calls and
 * fresh samples flow again.
 */

const CONTAINERS = 50;
const BOUND = 5_000;
const OUTAGE_MS = 45_000;

let sim: RunningSim;
let cloudwatch: CloudWatchClient;

beforeAll(async () => {
  sim = await startSim({
    scenario: {
      name: "stats-outage",
      cluster: "drill",
      instances: [{ type: "m5.2xlarge", cgroup: "v2" }],
      taskDefinitions: [{ family: "small", networkMode: "bridge", containers: [{ name: "app", cpu: 16, memory: 64 }] }],
      tasks: [{ taskDefinition: "small", count: CONTAINERS }],
    },
    transitionDelayMs: 0,
  });
  cloudwatch = new CloudWatchClient({
    region: sim.region,
    endpoint: sim.endpoint,
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  cloudwatch?.destroy();
  await sim?.stop();
});

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value ?? 0;
}

describe("stats under a CloudWatch outage", () => {
  it("keeps the buffer bounded, backs off, and drains after recovery", async () => {
    const [node] = await sim.nodes();
    const instance = sim.store.instances()[0]!;
    const assignments: StatsAssignment[] = sim.store.tasksOnInstance(instance.containerInstanceArn).map((t) => ({
      taskArn: t.taskArn,
      taskId: t.id,
      family: "small",
      revision: 1,
      containers: t.containers.map((c) => ({ name: c.name, runtimeId: c.runtimeId, cpuUnits: 16, memoryLimitMiB: 64 })),
    }));
    expect(assignments).toHaveLength(CONTAINERS);
    const job = handlerJob("drill", node!.id, {
      stats: {
        namespace: "Drill/Stats",
        periodMs: 1_000,
        metrics: [...STATS_METRICS],
        dimensions: ["ClusterName", "TaskId", "ContainerName"],
        assignments,
      },
    });
    const url = new URL(node!.surfaces!.dockerHttpUrl);
    const registry = new Registry();
    const handler = createStatsHandler({
      cloudwatch,
      docker: new Dockerode({ protocol: "http", host: url.hostname, port: Number(url.port) }),
      logger: pino({ level: "silent" }),
      registry,
      publisher: { maxBufferedSamples: BOUND, retryBaseMs: 500, retryMaxMs: 8_000 },
    });
    const calls = () => sim.server.counters.total({ service: "monitoring", operation: "PutMetricData" });
    try {
      await handler.apply(job);
      await new Promise((r) => setTimeout(r, 3_000));
      expect(sim.metrics.datums({ namespace: "Drill/Stats" }).length).toBeGreaterThan(0);

      sim.server.faults.set({ service: "monitoring", operation: "PutMetricData", errorPct: 100 });
      const callsAtOutage = calls();
      const heapBefore = process.memoryUsage().heapUsed;
      let maxBuffered = 0;
      const outageEnd = Date.now() + OUTAGE_MS;
      while (Date.now() < outageEnd) {
        maxBuffered = Math.max(maxBuffered, await metric(registry, "ecsmon_stats_buffered_samples"));
        await new Promise((r) => setTimeout(r, 500));
      }
      const attempts = calls() - callsAtOutage;
      const dropped = await metric(registry, "ecsmon_stats_dropped_samples_total", { reason: "buffer_full" });
      expect(maxBuffered).toBeLessThanOrEqual(BOUND);
      expect(maxBuffered).toBeGreaterThan(BOUND * 0.9);
      // 300 samples/s for 45 s is ~13,500: everything beyond the bound was dropped and counted.
      expect(dropped).toBeGreaterThan(5_000);
      // Backoff (0.5 s doubling to 8 s): a handful of attempts, not one per second per container.
      expect(attempts).toBeLessThan(20);
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);

      sim.server.faults.remove("monitoring", "PutMetricData");
      const restoredAt = Date.now();
      const callsAtRestore = calls();
      while ((await metric(registry, "ecsmon_stats_buffered_samples")) > 600 && Date.now() - restoredAt < 20_000) {
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(Date.now() - restoredAt).toBeLessThan(20_000);
      const since = new Date(restoredAt);
      await new Promise((r) => setTimeout(r, 3_000));
      expect(sim.metrics.datums({ namespace: "Drill/Stats", since }).length).toBeGreaterThan(0);
      // The 5,000-sample backlog (≈ 17 s × 300) needs a few 1,000-datum calls plus one per second after.
      expect(calls() - callsAtRestore).toBeLessThan(40);
    } finally {
      sim.server.faults.remove("monitoring", "PutMetricData");
      await handler.stop();
    }
  });
});
