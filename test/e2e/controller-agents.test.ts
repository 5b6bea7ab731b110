import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningAgent, startAgent } from "../../agents/agent.js";
import type { AgentView, TargetView } from "../../controller/machines/views.js";
import { startControllerFromConfig, type WiredController } from "../../controller/wiring.js";
import { loadConfig } from "../../lib/config.js";
import { createLogger } from "../../lib/logger.js";
import { createRedisConnection } from "../../lib/redis.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { expectedDemoEndpoints, PORT_PATH_LABEL } from "../helpers/demo-expected.js";
import { putSimSpec } from "../helpers/put-spec.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { type Probe, until as pollUntil } from "../helpers/until.js";

/**
 * Controller and real agents end to end: the simulator (with its workload metrics servers), a real redis-server,
 * the controller in-process, one agent per container instance plus a pool agent. Sync jobs reach the agents,
 * their heartbeats make the agent machines ready, and their health reports drive every target to `active.*`.
 */

const logger = createLogger({ level: "silent", name: "test" });
const spec = `apiVersion: ecsmon.dev/v1alpha1
kind: MonitoringSpec
spec:
  clusters:
    - name: demo
      scrape:
        interval: 1s
        timeout: 900ms
        labels: { portPath: ${PORT_PATH_LABEL} }
`;

let sim: RunningSim;
let redisServer: RedisServer;
let redis: Redis;
let controller: WiredController;
const agents: RunningAgent[] = [];

const until = <T>(what: string, probe: Probe<T>, timeoutMs = 30_000) => pollUntil(what, probe, timeoutMs);

const api = async <T>(path: string): Promise<T> => (await fetch(`${controller.apiUrl}${path}`)).json() as Promise<T>;

beforeAll(async () => {
  sim = await startSim({ transitionDelayMs: 0 });
  redisServer = await startRedisServer();
  await putSimSpec(sim, spec);
  const env = {
    AWS_ENDPOINT_URL: sim.endpoint,
    AWS_REGION: sim.region,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    REDIS_URL: redisServer.url,
    ECSMON_SPEC_POLL_INTERVAL: "300ms",
    ECSMON_RECONCILE_INTERVAL: "500ms",
    ECSMON_AWS_RPS: "500",
    ECSMON_AWS_BURST: "500",
    ECSMON_CONTROLLER_ID: `e2e-${randomUUID().slice(0, 6)}`,
    ECSMON_API_BIND: "127.0.0.1:0",
    ECSMON_HEARTBEAT_INTERVAL: "500ms",
    ECSMON_HEARTBEAT_TTL: "3s",
    ECSMON_AGENT_BIND: "127.0.0.1:0",
  };
  const config = loadConfig(env);
  redis = createRedisConnection(config.redis, "worker");
  controller = await startControllerFromConfig({ config, logger, redis });
  for (const instance of sim.store.instances()) {
    const agentConfig = loadConfig({ ...env, ECSMON_CLUSTER: "demo", ECSMON_NODE_ID: instance.id });
    agents.push(
      await startAgent({ config: agentConfig, logger, reportFlushIntervalMs: 300, firstScrapeDelayMs: () => 0 }),
    );
  }
  const poolConfig = loadConfig({ ...env, ECSMON_CLUSTER: "demo" });
  agents.push(
    await startAgent({
      config: poolConfig,
      logger,
      pool: true,
      reportFlushIntervalMs: 300,
      firstScrapeDelayMs: () => 0,
    }),
  );
});

afterAll(async () => {
  for (const agent of agents) await agent.stop().catch(() => {});
  await controller?.stop();
  redis?.disconnect();
  await sim?.stop();
  await redisServer?.stop();
});

describe("controller with real agents", () => {
  it("gets every agent ready and every target a health verdict from its agent", async () => {
    const want = expectedDemoEndpoints(sim);
    await until("every node agent to be ready", async () => {
      const { agents: views } = await api<{ agents: AgentView[] }>("/api/v1/agents?cluster=demo");
      const ready = views.filter((a) => a.state === "ready" && a.mode === "daemon").map((a) => a.nodeId);
      return sim.store.instances().every((i) => ready.includes(i.id));
    });
    const targets = await until("every target to have a health result", async () => {
      const { targets: views } = await api<{ targets: TargetView[] }>("/api/v1/targets?cluster=demo");
      return views.length === want.length && views.every((t) => t.lastHealthAt !== undefined) ? views : undefined;
    });
    for (const t of targets) expect(t.state).toMatch(/^active\.(healthy|failing)$/);
    expect(targets.filter((t) => t.state === "active.healthy").length).toBeGreaterThan(want.length / 2);
    for (const agent of agents.filter((a) => a.identity.mode === "daemon")) {
      expect(agent.generation()).toBeGreaterThanOrEqual(1);
    }
  });
});
