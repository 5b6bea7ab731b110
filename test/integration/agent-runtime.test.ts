import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningAgent, startAgent } from "../../agents/agent.js";
import {
  AgentReport,
  KEY_PREFIX,
  nodeQueueName,
  nodeSyncJobId,
  REPORTS_QUEUE,
  redisKeys,
} from "../../crds-like-schemas/index.js";
import { loadConfig } from "../../lib/config.js";
import { startTargetServer, type TargetServer } from "../helpers/metrics-targets.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { syncJob, target } from "../helpers/sync-job.js";
import { until } from "../helpers/until.js";

const logger = pino({ level: "silent" });
const BODY = "# HELP work_done_total Work.\n# TYPE work_done_total counter\nwork_done_total 42\n";

async function metrics(agent: RunningAgent): Promise<string> {
  const response = await fetch(agent.metricsUrl);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

function counterValue(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

describe("agent runtime with a real redis-server", () => {
  let redis: RedisServer;
  let targets: TargetServer;
  let agent: RunningAgent;
  let client: Redis;
  let queue: Queue;
  const nodeId = `node-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    redis = await startRedisServer({ password: "s3cret pass" });
    targets = await startTargetServer({ "/metrics": { body: BODY }, "/other": { body: "other_metric 1\n" } });
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    client.on("error", () => {});
    // The controller's latest-job key (ADR 0008): the agent must converge to it on start.
    await client.set(
      redisKeys(KEY_PREFIX).node(nodeId).job,
      JSON.stringify(syncJob(nodeId, 5, [target("t1", targets.address)], { intervalMs: 250, timeoutMs: 250 })),
    );
    const url = new URL(redis.url);
    const config = loadConfig({
      REDIS_URL: `redis://127.0.0.1:${url.port}`,
      REDIS_PASSWORD: "s3cret pass",
      ECSMON_CLUSTER: "test-cluster",
      ECSMON_NODE_ID: nodeId,
      ECSMON_AGENT_BIND: "127.0.0.1:0",
      ECSMON_HEARTBEAT_INTERVAL: "1s",
      LOG_LEVEL: "silent",
    });
    agent = await startAgent({
      config,
      logger,
      reportFlushIntervalMs: 200,
      resyncIntervalMs: 500,
      firstScrapeDelayMs: () => 0,
    });
    queue = new Queue(nodeQueueName(nodeId), { connection: client });
    queue.on("error", () => {});
  });

  afterAll(async () => {
    await agent?.stop();
    await queue?.close();
    client?.disconnect();
    await targets?.close();
    await redis?.stop();
  });

  it("converges to the latest stored generation on start and serves the merged /metrics", async () => {
    expect(agent.generation()).toBe(5);
    expect(agent.identity).toMatchObject({ cluster: "test-cluster", nodeId, mode: "daemon" });
    const text = await until("first scrape", async () => {
      const t = await metrics(agent);
      return t.includes("work_done_total{") ? t : undefined;
    });
    expect(text).toContain(
      `work_done_total{cluster="test-cluster",container_name="app",metrics_endpoint="${targets.port}/metrics",task_id="t1"} 42\n`,
    );
    expect(text).toContain(
      `up{cluster="test-cluster",container_name="app",metrics_endpoint="${targets.port}/metrics",task_id="t1"} 1\n`,
    );
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect((await fetch(agent.metricsUrl.replace("/metrics", "/healthz"))).status).toBe(200);
    expect((await fetch(agent.metricsUrl.replace("/metrics", "/readyz"))).status).toBe(200);
  });

  it("applies newer generations from the queue, ignores stale ones and rejects invalid jobs without crashing", async () => {
    const job6 = syncJob(nodeId, 6, [target("t2", targets.address, "/other")], { intervalMs: 250, timeoutMs: 250 });
    await queue.add("sync", job6, { jobId: nodeSyncJobId(nodeId, 6) });
    await until("generation 6", () => agent.generation() === 6);
    const stale = await queue.add("sync", syncJob(nodeId, 4, []), { jobId: nodeSyncJobId(nodeId, 4) });
    const bad = await queue.add("sync", { contract: "nope", generation: "x" }, { jobId: "sync-bad-g1", attempts: 3 });
    await until("stale job done", async () => (await stale.isCompleted()) || undefined);
    await until("bad job failed", async () => (await bad.isFailed()) || undefined);
    const failed = await queue.getJob("sync-bad-g1");
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(/invalid NodeSyncJob at contract/);
    expect(agent.generation()).toBe(6);
    expect(agent.scrape.views().map((v) => v.target.id)).toEqual(["t2"]);
    // The same generation again (a re-delivered job) changes nothing.
    const again = await queue.add(
      "sync",
      { ...job6, scrape: { ...job6.scrape, targets: [] } },
      { jobId: "sync-again-g6" },
    );
    await until("duplicate done", async () => (await again.isCompleted()) || undefined);
    expect(agent.scrape.views().map((v) => v.target.id)).toEqual(["t2"]);
    const text = await metrics(agent);
    expect(counterValue(text, 'ecsmon_agent_sync_jobs_total{result="invalid"}')).toBe(1);
    expect(counterValue(text, 'ecsmon_agent_sync_jobs_total{result="stale"}')).toBeGreaterThanOrEqual(2);
  });

  it("sends heartbeats and batched health reports that match the contracts", async () => {
    const reports = new Queue(REPORTS_QUEUE, { connection: client });
    try {
      const found = await until("reports", async () => {
        const jobs = await reports.getJobs(["waiting"], 0, 200);
        const parsed = jobs.map((j) => AgentReport.parse(j?.data));
        const hb = parsed.find((r) => r.contract === "ecsmon.dev/heartbeat/v1");
        const health = parsed.find(
          (r) => r.contract === "ecsmon.dev/target-health/v1" && r.generation === 6 && r.results.some((x) => x.ok),
        );
        return hb && health ? { hb, health } : undefined;
      });
      expect(found.hb).toMatchObject({
        nodeId,
        cluster: "test-cluster",
        mode: "daemon",
        ttlMs: 15_000,
        metricsUrl: agent.metricsUrl,
      });
      expect(found.health).toMatchObject({
        nodeId,
        results: [expect.objectContaining({ targetId: "t2", ok: true, samples: 1 })],
      });
    } finally {
      await reports.close();
    }
  });

  it("keeps scraping and serving through a Redis outage, then resumes", async () => {
    await redis.stop(true);
    const before = counterValue(await metrics(agent), 'ecsmon_agent_scrapes_total{result="ok"}');
    const during = await until("scrapes during the outage", async () => {
      const text = await metrics(agent);
      return counterValue(text, 'ecsmon_agent_scrapes_total{result="ok"}') >= before + 3 ? text : undefined;
    });
    expect(during).toContain(
      `other_metric{cluster="test-cluster",container_name="app",metrics_endpoint="${targets.port}/other",task_id="t2"} 1\n`,
    );
    await redis.restart();
    const job7 = syncJob(nodeId, 7, [target("t1", targets.address), target("t2", targets.address, "/other")], {
      intervalMs: 200,
      timeoutMs: 200,
    });
    await until("queue add after restart", async () => {
      await queue.add("sync", job7, { jobId: nodeSyncJobId(nodeId, 7) });
      return true;
    });
    await until("generation 7 after reconnect", () => agent.generation() === 7, 20_000);
    const reports = new Queue(REPORTS_QUEUE, { connection: client });
    try {
      await until("reports after restart", async () => {
        const jobs = await reports.getJobs(["waiting"], 0, 200);
        return (
          jobs.some((j) => j?.data?.contract === "ecsmon.dev/target-health/v1" && j.data.generation === 7) || undefined
        );
      });
    } finally {
      await reports.close();
    }
  });
});
