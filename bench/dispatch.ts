import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { NodeDispatcher } from "../controller/dispatch/node-dispatcher.js";
import { buildNodeSyncJob, type UnversionedSyncJob } from "../controller/dispatch/sync-job.js";
import { ClusterLease } from "../controller/leases/cluster-lease.js";
import { ClusterSpec, nodeQueueName } from "../crds-like-schemas/index.js";
import { benchQuick } from "../lib/config.js";
import { mapLimit } from "../lib/map-limit.js";
import { startRedisServer } from "../lib/redis-server.js";
import type { BenchResult } from "./types.js";

/**
 * Dispatch figures (issue 9 "Load"): the controller sending a spec change to 500 node queues (20 targets each),
 * each job validated, hashed and fenced (a real lease check in Redis before every add), against a baseline of
 * bare `Queue.add` calls of the same payloads measured in the same run; and an unchanged cycle, which must
 * cost no adds at all.
 */
const NODES = 500;
const TARGETS_PER_NODE = 20;

function jobs(spec: ClusterSpec, round: number): UnversionedSyncJob[] {
  return Array.from({ length: NODES }, (_, n) => {
    const nodeId = `node${String(n).padStart(4, "0")}`;
    return buildNodeSyncJob("bench", spec, {
      nodeId,
      targets: Array.from({ length: TARGETS_PER_NODE }, (_, t) => ({
        id: `arn:aws:ecs:us-east-1:000000000000:task/bench/${nodeId}t${t}/app/8080/metrics`,
        address: `10.${n >> 8}.${n & 255}.${t + 1}:8080`,
        scheme: "http" as const,
        metricsPath: "/metrics",
        labels: { cluster: "bench", service: `svc${t % 7}`, round: String(round) },
      })),
      statsAssignments: [],
      instanceType: "m5.large",
      trunking: false,
      awsvpcTasks: 0,
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export async function run(): Promise<BenchResult[]> {
  const rounds = benchQuick() ? 1 : 3;
  const server = await startRedisServer();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const logger = pino({ level: "silent" });
  const spec = ClusterSpec.parse({ name: "bench" });
  const changed: number[] = [];
  const unchanged: number[] = [];
  const baseline: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const keyPrefix = `bench-${randomUUID()}`;
      const bullPrefix = `bull-${randomUUID()}`;
      const lease = new ClusterLease({ redis, cluster: "bench", holderId: "bench", ttlMs: 60_000, keyPrefix });
      await lease.tryAcquire();
      const dispatcher = new NodeDispatcher({ redis, logger, keyPrefix, bullPrefix });
      await mapLimit(jobs(spec, 0), 16, (job) => dispatcher.sync(job, lease));

      const next = jobs(spec, 1);
      let started = performance.now();
      await mapLimit(next, 16, (job) => dispatcher.sync(job, lease));
      changed.push(performance.now() - started);

      started = performance.now();
      await mapLimit(next, 16, (job) => dispatcher.sync(job, lease));
      unchanged.push(performance.now() - started);
      await dispatcher.close();

      const queues = new Map<string, Queue>();
      const raw = jobs(spec, 2);
      started = performance.now();
      await mapLimit(raw, 16, async (job) => {
        let q = queues.get(job.nodeId);
        if (!q) {
          q = new Queue(nodeQueueName(job.nodeId), { connection: redis, prefix: `${bullPrefix}-raw` });
          queues.set(job.nodeId, q);
        }
        await q.add("sync", { ...job, generation: 1, fencingToken: 1, issuedAt: new Date().toISOString() });
      });
      baseline.push(performance.now() - started);
      await Promise.all([...queues.values()].map((q) => q.close()));
    }
  } finally {
    redis.disconnect();
    await server.stop();
  }
  const changedMs = median(changed);
  const baselineMs = median(baseline);
  return [
    {
      area: "dispatch",
      name: `spec change to ${NODES} node queues (${TARGETS_PER_NODE} targets each)`,
      value: Math.round(changedMs),
      unit: "ms",
      note: `median of ${rounds}; validated, hashed, fenced`,
    },
    {
      area: "dispatch",
      name: "dispatch rate",
      value: Math.round((NODES / changedMs) * 1_000),
      unit: "jobs/s",
      note: `${(changedMs / baselineMs).toFixed(2)}× the time of bare Queue.add (${Math.round(baselineMs)} ms)`,
    },
    {
      area: "dispatch",
      name: `unchanged cycle over ${NODES} nodes`,
      value: Math.round(median(unchanged)),
      unit: "ms",
      goal: "0 jobs added",
      note: "hash comparison only",
    },
  ];
}
