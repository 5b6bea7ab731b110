import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningAgent, startAgent } from "../../agents/agent.js";
import { ReportStore } from "../../controller/dispatch/report-store.js";
import { startControllerFromConfig, type WiredController } from "../../controller/wiring.js";
import { KEY_PREFIX, redisKeys } from "../../crds-like-schemas/index.js";
import { loadConfig } from "../../lib/config.js";
import { createRedisConnection, type RedisClient } from "../../lib/redis.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { expectedDemoEndpoints, expectedDemoSdKeys, sdKeysAt } from "../helpers/demo-expected.js";
import { demoSpec } from "../helpers/in-process-stack.js";
import { putSimSpec } from "../helpers/put-spec.js";
import { type RedisCluster, redisTestEnv, startRedisCluster } from "../helpers/redis-cluster.js";
import { until } from "../helpers/until.js";

/**
 * The controller and a node agent on a real 3-primary Redis Cluster (REDIS_CLUSTER=true): targets dispatched, the
 * sync job reaching the agent, reports flowing back and http_sd served; then the primary that holds the cluster's
 * keys (lease, machines, http_sd) is killed and started again empty on the same port and nodes.conf, and the system
 * must recover: http_sd keeps its last good state throughout, and new sync jobs reach the agent afterwards.
 */

/** Every log line of the controller and the agent, to check that Redis never refused a command as cross-slot. */
const logLines: string[] = [];
const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });
const keys = redisKeys(KEY_PREFIX);

let redisCluster: RedisCluster;
let sim: RunningSim;
let redis: RedisClient;
let controller: WiredController;
/** The second replica, started by the takeover test. */
let standby: { controller: WiredController; redis: RedisClient } | undefined;
let env: Record<string, string>;
let agent: RunningAgent;
let nodeId: string;

const sdKeys = (from: WiredController = controller) => sdKeysAt(from.apiUrl);
const expectedKeys = () => expectedDemoSdKeys(sim);
/** The addresses the agent scrapes now, against the simulator's truth for its node. */
const agentAddresses = () =>
  agent.scrape
    .views()
    .map((v) => v.target.address)
    .sort();
const nodeAddresses = () =>
  expectedDemoEndpoints(sim)
    .filter((e) => e.nodeId === nodeId)
    .map((e) => e.address)
    .sort();

beforeAll(async () => {
  redisCluster = await startRedisCluster({ primaries: 3, nodeTimeoutMs: 2_000 });
  sim = await startSim({ transitionDelayMs: 0 });
  await putSimSpec(sim, demoSpec());
  env = { ...redisTestEnv(sim, redisCluster.url, true), ECSMON_CONTROLLER_ID: "cluster-a" };
  const config = loadConfig(env);
  redis = createRedisConnection(config.redis, "worker");
  controller = await startControllerFromConfig({ config, logger, redis });
  // The agent of the node with the most targets.
  const perNode = new Map<string, number>();
  for (const e of expectedDemoEndpoints(sim)) if (e.nodeId) perNode.set(e.nodeId, (perNode.get(e.nodeId) ?? 0) + 1);
  nodeId = [...perNode].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "";
  agent = await startAgent({
    config: loadConfig({ ...env, ECSMON_CLUSTER: "demo", ECSMON_NODE_ID: nodeId }),
    logger,
    reportFlushIntervalMs: 300,
    resyncIntervalMs: 1_000,
    firstScrapeDelayMs: () => 0,
  });
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await controller?.stop();
  await standby?.controller.stop();
  redis?.disconnect();
  standby?.redis.disconnect();
  await sim?.stop();
  await redisCluster?.stop();
});

describe("ecsmon on a 3-primary Redis Cluster", () => {
  it("is a real cluster: a Cluster client, and ecsmon's keys spread over more than one primary", async () => {
    expect(redis.isCluster).toBe(true);
    await until("http_sd to list every demo target", async () => (await sdKeys()).join() === expectedKeys().join());
    // Each hash tag (cluster, node, queue) hashes to its own slot: the keys spread over the primaries.
    const sizes = await Promise.all(redisCluster.nodes.map(async (n) => Number(await n.command("DBSIZE"))));
    expect(sizes.filter((size) => size > 0).length).toBeGreaterThanOrEqual(2);
    expect(await redis.exists(keys.sd("demo"), keys.sdDigest("demo"))).toBe(2);
    // The status API's lease table and stored summaries are read across slots, one key at a time.
    const status = (await (await fetch(`${controller.apiUrl}/api/v1/status`)).json()) as {
      leases: { cluster: string; holder?: string; mine: boolean }[];
      clusters: { cluster: string }[];
    };
    expect(status.leases).toEqual([expect.objectContaining({ cluster: "demo", holder: "cluster-a", mine: true })]);
    expect(status.clusters.map((c) => c.cluster)).toEqual(["demo"]);
  });

  it("dispatches the node's targets to its agent and takes its reports back", async () => {
    const want = nodeAddresses();
    expect(want.length).toBeGreaterThan(0);
    await until("the agent to apply its node's targets", () => agentAddresses().join() === want.join(), 30_000);
    expect(agent.generation()).toBeGreaterThan(0);
    const reports = new ReportStore(redis);
    const heartbeat = await until(
      "the agent's heartbeat in the controller's report store",
      async () => (await reports.heartbeats("demo")).get(nodeId),
      20_000,
    );
    expect(heartbeat.agentId).toBe(agent.agentId);
    const health: string[] = [];
    await until(
      "health results for the agent's targets",
      async () => {
        health.length = 0;
        await reports.forEachHealth("demo", (batch) => {
          for (const [targetId, h] of batch) if (h?.nodeId === nodeId) health.push(targetId);
        });
        return health.length >= want.length;
      },
      20_000,
    );
  });

  it("recovers from a primary restarted empty mid-run: http_sd stays served, new sync jobs reach the agent", async () => {
    const full = expectedKeys();
    await until("http_sd to list every demo target", async () => (await sdKeys()).join() === full.join());
    const victim = await redisCluster.nodeOf(keys.sd("demo"));
    const generationBefore = agent.generation();

    await victim.stop(true);
    // Down for longer than cluster-node-timeout: the others mark it failed and the whole cluster refuses commands.
    const survivor = redisCluster.nodes.find((n) => n !== victim);
    let clusterDown = false;
    const downUntil = Date.now() + 5_000;
    while (Date.now() < downUntil) {
      expect(await sdKeys()).toEqual(full);
      clusterDown ||= /cluster_state:fail/.test(String(await survivor?.command("CLUSTER", "INFO")));
      await sleep(250);
    }
    expect(clusterDown).toBe(true);
    await victim.start();
    await redisCluster.waitOk(30_000);

    // A change on the agent's node after the restart: one of its tasks stops.
    const gone = expectedDemoEndpoints(sim).find((e) => e.nodeId === nodeId);
    expect(gone).toBeDefined();
    sim.store.stopTask(gone?.taskArn ?? "", "redis cluster drill", "UserInitiated");
    await until(
      "a new sync job with the node's new targets to reach the agent",
      () => agent.generation() > generationBefore && agentAddresses().join() === nodeAddresses().join(),
      60_000,
    );
    expect(agent.scrape.views().some((v) => v.target.id.includes(gone?.taskId ?? "-"))).toBe(false);
    await until("http_sd to follow the change", async () => (await sdKeys()).join() === expectedKeys().join(), 30_000);
    // The restarted primary holds the cluster's keys again, re-created by the controller.
    await until(
      "the http_sd document to be re-created in Redis",
      async () => (await redis.exists(keys.sd("demo"))) === 1,
    );
  }, 150_000);

  it("hands the cluster to a second replica when the first stops, and the agent follows the new holder", async () => {
    const config = loadConfig({ ...env, ECSMON_CONTROLLER_ID: "cluster-b" });
    const redisB = createRedisConnection(config.redis, "worker");
    standby = { controller: await startControllerFromConfig({ config, logger, redis: redisB }), redis: redisB };
    const b = standby.controller;
    await until(
      "the standby to serve every target from Redis",
      async () => (await sdKeys(b)).join() === expectedKeys().join(),
    );
    expect(b.heldClusters()).toEqual([]);
    const generationBefore = agent.generation();
    await controller.stop();
    await until("the standby to take the cluster's lease", () => b.heldClusters().join() === "demo", 20_000);
    const gone = expectedDemoEndpoints(sim).find((e) => e.nodeId === nodeId);
    sim.store.stopTask(gone?.taskArn ?? "", "redis cluster takeover", "UserInitiated");
    await until(
      "the new holder's sync job to reach the agent",
      () => agent.generation() > generationBefore && agentAddresses().join() === nodeAddresses().join(),
      30_000,
    );
    await until("http_sd from the new holder", async () => (await sdKeys(b)).join() === expectedKeys().join(), 30_000);
  }, 90_000);

  it("never had a command refused as cross-slot (controllers' and agent's logs)", () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((line) => /CROSSSLOT/i.test(line))).toEqual([]);
  });
});
