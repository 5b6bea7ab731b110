import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import {
  ClusterSpec,
  NodeSyncJob,
  nodeQueueName,
  POOL_QUEUE,
  REPORTS_QUEUE,
  redisKeys,
} from "../../crds-like-schemas/index.js";
import { createLogger } from "../../lib/logger.js";
import { useRedisServer } from "../../test/helpers/use-redis-server.js";
import { ClusterLease, LeaseLostError } from "../leases/cluster-lease.js";
import type { NodePayload } from "../model.js";
import { NodeDispatcher } from "./node-dispatcher.js";
import { ReportConsumer, type ReportKind } from "./report-consumer.js";
import { ReportStore, type StoredHealth } from "./report-store.js";
import { buildNodeSyncJob, buildPoolSyncJob, poolNodeId } from "./sync-job.js";

const logger = createLogger({ level: "silent", name: "test" });
const spec = ClusterSpec.parse({ name: "demo" });

const fx = useRedisServer();

const target = (n: number) => ({
  id: `arn:aws:ecs:us-east-1:000000000000:task/demo/t${n}/app/8080/metrics`,
  address: `10.0.0.${n}:8080`,
  scheme: "http" as const,
  metricsPath: "/metrics",
  labels: { cluster: "demo" },
});
const payload = (nodeId: string, targets: number[]): NodePayload => ({
  nodeId,
  targets: targets.map(target),
  statsAssignments: [],
  instanceType: "m5.large",
  trunking: false,
  awsvpcTasks: 0,
});

async function setup() {
  const keyPrefix = `t-${randomUUID()}`;
  const bullPrefix = `b-${randomUUID()}`;
  const lease = new ClusterLease({ redis: fx.redis, cluster: "demo", holderId: "a", ttlMs: 10_000, keyPrefix });
  await lease.tryAcquire();
  const dispatcher = new NodeDispatcher({ redis: fx.redis, logger, keyPrefix, bullPrefix });
  return { keyPrefix, bullPrefix, lease, dispatcher };
}

describe("NodeDispatcher", () => {
  it("sends only when the payload changes, with deterministic ids and monotonic generations", async () => {
    const { keyPrefix, bullPrefix, lease, dispatcher } = await setup();
    const nodeId = randomUUID();
    const first = await dispatcher.sync(buildNodeSyncJob("demo", spec, payload(nodeId, [1, 2])), lease);
    const g1 = first.generation;
    expect(g1).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1_000) - 5);
    expect(first).toEqual({ sent: true, generation: g1, jobId: `sync-${nodeId}-g${g1}` });
    const same = await dispatcher.sync(buildNodeSyncJob("demo", spec, payload(nodeId, [1, 2])), lease);
    expect(same).toEqual({ sent: false, generation: g1, jobId: `sync-${nodeId}-g${g1}` });
    const changed = await dispatcher.sync(buildNodeSyncJob("demo", spec, payload(nodeId, [1])), lease);
    expect(changed).toEqual({ sent: true, generation: g1 + 1, jobId: `sync-${nodeId}-g${g1 + 1}` });

    const queue = new Queue(nodeQueueName(nodeId), { connection: fx.redis, prefix: bullPrefix });
    const jobs = await queue.getJobs(["wait"]);
    expect(jobs.map((j) => j.id).sort()).toEqual([`sync-${nodeId}-g${g1}`, `sync-${nodeId}-g${g1 + 1}`]);
    for (const job of jobs) {
      expect(job.name).toBe("sync");
      expect(job.id).not.toContain(":");
      const data = NodeSyncJob.parse(job.data);
      expect(data.fencingToken).toBe(lease.token);
      expect(`sync-${nodeId}-g${data.generation}`).toBe(job.id);
    }
    const keys = redisKeys(keyPrefix).node(nodeId);
    expect(await fx.redis.get(keys.latest)).toBe(`sync-${nodeId}-g${g1 + 1}`);

    // A Redis data loss (the counter disappears) must not make generations go backwards.
    await fx.redis.del(keys.generation, keys.hash);
    dispatcher.forget();
    const after = await dispatcher.sync(buildNodeSyncJob("demo", spec, payload(nodeId, [5])), lease);
    expect(after.generation).toBeGreaterThanOrEqual(g1);
    expect(NodeSyncJob.parse(JSON.parse((await fx.redis.get(keys.job)) ?? "{}")).scrape.targets).toHaveLength(1);
    await queue.close();
    await dispatcher.close();
  });

  it("does not resend after a failover when the state is unchanged (hash kept in Redis)", async () => {
    const { keyPrefix, bullPrefix, lease, dispatcher } = await setup();
    const nodeId = randomUUID();
    const first = await dispatcher.sync(buildNodeSyncJob("demo", spec, payload(nodeId, [1])), lease);
    const other = new NodeDispatcher({ redis: fx.redis, logger, keyPrefix, bullPrefix });
    const again = await other.sync(buildNodeSyncJob("demo", spec, payload(nodeId, [1])), lease);
    expect(again.sent).toBe(false);
    const next = await other.sync(buildNodeSyncJob("demo", spec, payload(nodeId, [3])), lease);
    expect(next.generation).toBe(first.generation + 1);
    await dispatcher.close();
    await other.close();
  });

  it("refuses to write once the lease is lost", async () => {
    const { keyPrefix, lease, dispatcher } = await setup();
    const nodeId = randomUUID();
    await lease.release();
    const other = new ClusterLease({ redis: fx.redis, cluster: "demo", holderId: "b", ttlMs: 10_000, keyPrefix });
    expect(await other.tryAcquire()).toBeGreaterThan(0);
    await expect(dispatcher.sync(buildNodeSyncJob("demo", spec, payload(nodeId, [1])), lease)).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    expect(await fx.redis.get(redisKeys(keyPrefix).node(nodeId).generation)).toBeNull();
    await dispatcher.close();
  });

  it("routes a cluster's pool job to the pool queue under a sanitized node id", async () => {
    const { bullPrefix, lease, dispatcher } = await setup();
    const cluster = `arn:aws:ecs:us-east-1:000000000000:cluster/${randomUUID()}`;
    const job = buildPoolSyncJob(cluster, spec, [target(9)]);
    expect(job.nodeId).toBe(poolNodeId(cluster));
    expect(job.nodeId).toMatch(/^pool-[A-Za-z0-9_.-]+$/);
    expect(job.stats.enabled).toBe(false);
    const result = await dispatcher.sync(job, lease);
    const queue = new Queue(POOL_QUEUE, { connection: fx.redis, prefix: bullPrefix });
    expect((await queue.getJob(result.jobId ?? ""))?.data.scrape.targets).toHaveLength(1);
    expect(await dispatcher.waiting(POOL_QUEUE)).toBe(1);
    await queue.close();
    await dispatcher.close();
  });
});

describe("ReportConsumer", () => {
  it("stores valid reports and counts and drops invalid ones without crashing", async () => {
    const bullPrefix = `b-${randomUUID()}`;
    const store = new ReportStore(fx.redis, `t-${randomUUID()}`);
    const kinds: ReportKind[] = [];
    const consumer = new ReportConsumer({ redis: fx.redis, store, logger, bullPrefix, onReport: (k) => kinds.push(k) });
    await consumer.waitUntilReady();
    const queue = new Queue(REPORTS_QUEUE, { connection: fx.redis, prefix: bullPrefix });
    const at = new Date().toISOString();
    await queue.add("report", { contract: "nonsense" });
    await queue.add("report", "not even an object");
    await queue.add("report", {
      contract: "ecsmon.dev/heartbeat/v1",
      cluster: "demo",
      nodeId: "n1",
      agentId: "a1",
      mode: "daemon",
      generation: 4,
      ttlMs: 15_000,
      at,
    });
    await queue.add("report", {
      contract: "ecsmon.dev/target-health/v1",
      cluster: "demo",
      nodeId: "n1",
      generation: 4,
      results: [{ targetId: "t1", ok: false, errorClass: "timeout", durationMs: 10, samples: 0, at }],
    });
    for (let i = 0; i < 100 && kinds.length < 4; i++) await sleep(50);
    expect(kinds.sort()).toEqual(["health", "heartbeat", "invalid", "invalid"]);
    expect((await store.heartbeats("demo")).get("n1")?.generation).toBe(4);
    const health: Array<[string, StoredHealth | undefined]> = [];
    await store.forEachHealth("demo", (batch) => health.push(...batch));
    expect(health).toEqual([["t1", expect.objectContaining({ nodeId: "n1", errorClass: "timeout" })]]);
    const failed = await queue.getJobCounts("failed");
    expect(failed.failed).toBe(0);
    await queue.close();
    await consumer.close();
  });
});

describe("ReportStore", () => {
  it("visits every stored health result in bounded batches and names corrupt entries", async () => {
    const store = new ReportStore(fx.redis, `t-${randomUUID()}`);
    const at = new Date().toISOString();
    const results = Array.from({ length: 2_500 }, (_, i) => ({
      targetId: `t${i}`,
      ok: true,
      durationMs: 1,
      samples: 1,
      at,
    }));
    await store.putHealth("demo", "n1", results, 1_000);
    await fx.redis.hset(store.key("demo", "health"), "broken", "{not json");
    const batches: number[] = [];
    const seen = new Map<string, StoredHealth | undefined>();
    await store.forEachHealth(
      "demo",
      (batch) => {
        batches.push(batch.length);
        for (const [id, health] of batch) seen.set(id, health);
      },
      500,
    );
    expect(seen.size).toBe(2_501);
    expect(seen.get("t42")).toEqual({ ...results[42], nodeId: "n1", receivedAt: 1_000 });
    expect(seen.has("broken") && seen.get("broken") === undefined).toBe(true);
    expect(batches.length).toBeGreaterThan(1);
    expect(Math.max(...batches)).toBeLessThan(2_501);
  });
});
