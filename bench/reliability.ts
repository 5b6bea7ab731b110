import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { type Job, Worker } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { startControllerFromConfig } from "../controller/wiring.js";
import { nodeQueueName } from "../crds-like-schemas/index.js";
import { loadConfig } from "../lib/config.js";
import { fromRoot } from "../lib/paths.js";
import { startRedisServer } from "../lib/redis-server.js";
import { until } from "../lib/until.js";
import { startSim } from "../sim/index.js";
import type { BenchResult } from "./types.js";

/**
 * Issue 9 "Load": the real controller (in-process, real SDK clients over HTTP) on sim/scenarios/large.yaml
 * (500 container instances, 10,000 tasks) with a real redis-server; the 500 node agents are emulated as one
 * BullMQ Worker per node queue in this process, each recording the highest generation it received. Figures:
 * time from the first reconcile until every node queue delivered a job, time from a spec change in SSM until
 * every node received the new generation, and the dispatch rate of that change (jobs per second between the
 * first and last delivery). bench/dispatch.ts measures the dispatcher alone against bare Queue.add.
 */
const AREA = "reliability";
const RPS = 200;

const spec = (interval: string, cluster: string) => `apiVersion: ecsmon.dev/v1alpha1
kind: MonitoringSpec
spec:
  clusters:
    - name: ${cluster}
      scrape:
        interval: ${interval}
      serviceMetrics:
        enabled: false
`;

export async function run(): Promise<BenchResult[]> {
  const scenarioPath = fromRoot("sim/scenarios/large.yaml");
  if (!existsSync(scenarioPath)) {
    return [{ area: AREA, name: "skipped", value: 0, unit: "", note: "sim/scenarios/large.yaml not found" }];
  }
  const logger = pino({ level: "silent" });
  const sim = await startSim({ scenario: scenarioPath, nodeSurfaces: false, transitionDelayMs: 0 });
  const redisServer = await startRedisServer();
  const cluster = sim.scenario.cluster;
  const ssm = new SSMClient({
    region: sim.region,
    endpoint: sim.endpoint,
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
  });
  const put = (value: string) =>
    ssm.send(new PutParameterCommand({ Name: "/ecsmon/spec", Value: value, Type: "String", Overwrite: true }));
  const config = loadConfig({
    AWS_ENDPOINT_URL: sim.endpoint,
    AWS_REGION: sim.region,
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
    REDIS_URL: redisServer.url,
    ECSMON_SPEC_POLL_INTERVAL: "250ms",
    ECSMON_RECONCILE_INTERVAL: "1s",
    ECSMON_AWS_RPS: String(RPS),
    ECSMON_AWS_BURST: String(RPS),
    ECSMON_LEASE_TTL: "30s",
    ECSMON_CONTROLLER_ID: `bench-${randomUUID().slice(0, 6)}`,
    ECSMON_API_BIND: "127.0.0.1:0",
  });
  const nodes = sim.store.instances().map((i) => i.id);
  const seen = new Map<string, { generation: number; at: number }>();
  const workerConnection = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const workers = nodes.map(
    (nodeId) =>
      new Worker(
        nodeQueueName(nodeId),
        async (job: Job<{ generation: number }>) => {
          const prev = seen.get(nodeId);
          if (!prev || job.data.generation > prev.generation)
            seen.set(nodeId, { generation: job.data.generation, at: performance.now() });
        },
        { connection: workerConnection, concurrency: 1, drainDelay: 5 },
      ),
  );
  const controllerRedis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  let controller: Awaited<ReturnType<typeof startControllerFromConfig>> | undefined;
  try {
    await put(spec("15s", cluster));
    const started = performance.now();
    controller = await startControllerFromConfig({ config, logger, redis: controllerRedis });
    await until("every node's first job", () => seen.size === nodes.length, 180_000, 20);
    const firstMs = Math.max(...[...seen.values()].map((s) => s.at)) - started;

    const before = new Map([...seen].map(([n, s]) => [n, s.generation]));
    const changed = performance.now();
    await put(spec("20s", cluster));
    const converged = () => nodes.every((n) => (seen.get(n)?.generation ?? 0) > (before.get(n) ?? 0));
    await until("every node's new generation", converged, 120_000, 20);
    const ats = nodes.map((n) => seen.get(n)?.at ?? 0);
    const convergeMs = Math.max(...ats) - changed;
    const spreadMs = Math.max(1, Math.max(...ats) - Math.min(...ats));
    return [
      {
        area: AREA,
        name: `first sync: ${nodes.length} node queues served (10,000 tasks)`,
        value: Math.round(firstMs),
        unit: "ms",
        note: `from controller start; includes the first observe at ${RPS} AWS requests/s`,
      },
      {
        area: AREA,
        name: `spec change → every one of ${nodes.length} agents has the new generation`,
        value: Math.round(convergeMs),
        unit: "ms",
        note: "SSM PutParameter to the last worker's receipt; spec poll 250 ms, reconcile 1 s",
      },
      {
        area: AREA,
        name: "spec change dispatch rate (first to last delivery)",
        value: Math.round((nodes.length / spreadMs) * 1_000),
        unit: "jobs/s",
        note: `${nodes.length} jobs delivered over ${Math.round(spreadMs)} ms`,
      },
    ];
  } finally {
    await controller?.stop().catch(() => {});
    await Promise.all(workers.map((w) => w.close().catch(() => {})));
    workerConnection.disconnect();
    controllerRedis.disconnect();
    ssm.destroy();
    await sim.stop();
    await redisServer.stop();
  }
}
