import { spawnSync } from "node:child_process";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningAgent, startAgent } from "../../agents/agent.js";
import { KEY_PREFIX, redisKeys, type ScrapeTarget } from "../../crds-like-schemas/index.js";
import { loadConfig } from "../../lib/config.js";
import { type RunningSim, type SimNodeInfo, startSim } from "../../sim/index.js";
import { startWorkloads, type WorkloadManager } from "../../sim/workloads/workload-manager.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { syncJob } from "../helpers/sync-job.js";

/**
 * The agent against the simulator's node surfaces: its identity comes from the simulated ECS agent
 * introspection (no --node-id), it converges to the stored job on start, and it scrapes the simulator's
 * workload endpoints, marking each failure mode failing with the right error class.
 */

const logger = pino({ level: "silent" });
const EXPECTED_CLASS = {
  slow: "timeout",
  http500: "http_status",
  garbage: "parse",
  oversized: "body_too_large",
  refused: "connection",
};

let sim: RunningSim;
let workloads: WorkloadManager;
let ownWorkloads = false;
let redis: RedisServer;
let agent: RunningAgent;
let node: SimNodeInfo;
let targets: Array<ScrapeTarget & { failure: string }>;

beforeAll(async () => {
  sim = await startSim({ transitionDelayMs: 0 });
  for (let i = 0; i < 100 && sim.store.tasks().some((t) => t.lastStatus !== "RUNNING"); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const nodes = await sim.nodes();
  node = nodes.find((n) => n.surfaces)!;
  ownWorkloads = !sim.workloads;
  workloads = sim.workloads ?? startWorkloads(sim.store);
  await workloads.ready();
  targets = workloads
    .endpoints()
    .filter((e) => e.error === undefined)
    .map((e) => {
      const url = new URL(e.url);
      return {
        id: `${e.taskArn}/${e.containerName}/${url.port}${url.pathname}`,
        address: url.host,
        scheme: "http" as const,
        metricsPath: url.pathname,
        labels: {
          cluster: "demo",
          container_name: e.containerName,
          task_id: e.taskArn.slice(e.taskArn.lastIndexOf("/") + 1),
        },
        failure: e.failure,
      };
    });
  redis = await startRedisServer();
  const nodeId = node.containerInstanceArn.slice(node.containerInstanceArn.lastIndexOf("/") + 1);
  const client = new Redis(redis.url);
  const job = syncJob(
    nodeId,
    3,
    targets.map(({ failure: _f, ...t }) => t),
    { intervalMs: 2_500, timeoutMs: 2_000, maxBodyBytes: 4 * 1024 * 1024 },
    "demo",
  );
  await client.set(redisKeys(KEY_PREFIX).node(nodeId).job, JSON.stringify(job));
  client.disconnect();
  const config = loadConfig({
    REDIS_URL: redis.url,
    ECS_AGENT_URI: node.surfaces!.introspectionUrl,
    ECSMON_AGENT_BIND: "127.0.0.1:0",
    LOG_LEVEL: "silent",
  });
  agent = await startAgent({ config, logger, firstScrapeDelayMs: () => 0, identityRetryMs: 5_000 });
});

afterAll(async () => {
  await agent?.stop();
  if (ownWorkloads) await workloads?.close();
  await sim?.stop();
  await redis?.stop();
});

describe("agent on a simulated node", () => {
  it("takes its identity from ECS agent introspection and converges to the stored job", () => {
    expect(agent.identity).toMatchObject({ cluster: "demo", mode: "daemon", source: "ecs-agent" });
    expect(node.containerInstanceArn.endsWith(`/${agent.identity.nodeId}`)).toBe(true);
    expect(agent.generation()).toBe(3);
  });

  it("scrapes the workloads: healthy ones up, every failure mode failing with its class, promtool-clean output", async () => {
    expect(targets.filter((t) => t.failure === "none").length).toBeGreaterThan(0);
    expect(targets.filter((t) => t.failure !== "none").length).toBeGreaterThan(0);
    const deadline = Date.now() + 20_000;
    let views = agent.scrape.views();
    while (Date.now() < deadline && views.some((v) => !v.scraped)) {
      await new Promise((r) => setTimeout(r, 200));
      views = agent.scrape.views();
    }
    expect(views.every((v) => v.scraped)).toBe(true);
    const byId = new Map(views.map((v) => [v.target.id, v]));
    for (const t of targets) {
      expect(byId.get(t.id)?.up, `${t.id} (${t.failure})`).toBe(t.failure === "none" ? 1 : 0);
    }
    const text = await (await fetch(agent.metricsUrl)).text();
    const result = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(`${result.stdout}${result.stderr}`).toBe("");
    for (const [failure, errorClass] of Object.entries(EXPECTED_CLASS)) {
      if (!targets.some((t) => t.failure === failure)) continue;
      expect(text).toMatch(new RegExp(`ecsmon_agent_scrapes_total\\{result="${errorClass}"\\} [1-9]`));
    }
  });
});
