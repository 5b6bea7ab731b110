import { randomUUID } from "node:crypto";
import { type RunningAgent, startAgent } from "../../agents/agent.js";
import { startControllerFromConfig, type WiredController } from "../../controller/wiring.js";
import { loadConfig } from "../../lib/config.js";
import { createLogger, type Logger } from "../../lib/logger.js";
import { createRedisConnection, type RedisClient } from "../../lib/redis.js";
import { type RunningSim, type StartSimOptions, startSim } from "../../sim/index.js";
import { sdKeysAt } from "./demo-expected.js";
import { demoSpec, putSimSpec } from "./put-spec.js";
import { type RedisServer, startRedisServer } from "./redis-server.js";
import { simEnv } from "./sim-clients.js";

export { demoSpec } from "./put-spec.js";

export interface InProcessStackOptions {
  /** The MonitoringSpec stored in the simulator's SSM before the controller starts. @defaultValue demoSpec() */
  spec?: string;
  /** Extra controller/agent environment (ECSMON_*), over fast test defaults. */
  env?: Record<string, string>;
  sim?: StartSimOptions;
  /** A redis-server the caller started (to attach MONITOR first, say) and stops; by default the stack starts its own. */
  redisServer?: RedisServer;
  /** The cluster the agents serve. @defaultValue "demo" */
  cluster?: string;
  /** In-process agents to start: none, one per container instance, or those plus the pool agent. @defaultValue "none" */
  agents?: "none" | "nodes" | "nodes+pool";
  /** Controller options besides config, logger and Redis (a file_sd path, say). */
  controller?: Omit<Parameters<typeof startControllerFromConfig>[0], "config" | "logger" | "redis">;
  /** Options for every in-process agent. */
  agentOptions?: Partial<Omit<Parameters<typeof startAgent>[0], "config" | "logger" | "pool">>;
  logger?: Logger;
}

/** The local topology in one process: simulator, real redis-server, spec in SSM, controller and, optionally, agents. */
export interface InProcessStack {
  sim: RunningSim;
  redisServer: RedisServer;
  redis: RedisClient;
  controller: WiredController;
  /** The environment the controller was configured from (agents started later take it plus their identity). */
  env: Record<string, string>;
  agents: RunningAgent[];
  /** GET a controller API path and parse the JSON body. */
  api<T>(path: string): Promise<T>;
  /** The http_sd endpoints as `<address><metrics path>`, sorted. */
  sdKeys(): Promise<string[]>;
  /** Starts an in-process agent for a node (or the pool agent when `nodeId` is undefined). */
  startAgent(nodeId: string | undefined): Promise<RunningAgent>;
  stop(): Promise<void>;
}

/**
 * Starts the whole local topology in this process — the one fixture the stack tests share, instead of each
 * copying the bootstrap. Stopping it stops agents, controller, Redis connection, simulator and redis-server (unless
 * the caller passed its own), in that order, and tolerates parts that failed to start.
 */
export async function startInProcessStack(options: InProcessStackOptions = {}): Promise<InProcessStack> {
  const logger = options.logger ?? createLogger({ level: "silent", name: "test" });
  const sim = await startSim({ transitionDelayMs: 0, ...options.sim });
  const redisServer = options.redisServer ?? (await startRedisServer());
  const agents: RunningAgent[] = [];
  let redis: RedisClient | undefined;
  let controller: WiredController | undefined;
  const stop = async () => {
    for (const agent of agents) await agent.stop().catch(() => {});
    await controller?.stop();
    redis?.disconnect();
    await sim.stop();
    if (!options.redisServer) await redisServer.stop();
  };
  try {
    await putSimSpec(sim, options.spec ?? demoSpec(), options.env?.ECSMON_SPEC_PARAMETER);
    const env = {
      ...simEnv(sim, redisServer.url),
      ECSMON_SPEC_POLL_INTERVAL: "300ms",
      ECSMON_RECONCILE_INTERVAL: "500ms",
      ECSMON_AWS_RPS: "500",
      ECSMON_AWS_BURST: "500",
      ECSMON_CONTROLLER_ID: `test-${randomUUID().slice(0, 6)}`,
      ECSMON_API_BIND: "127.0.0.1:0",
      ECSMON_HEARTBEAT_INTERVAL: "500ms",
      ECSMON_HEARTBEAT_TTL: "3s",
      ECSMON_AGENT_BIND: "127.0.0.1:0",
      ...options.env,
    };
    const config = loadConfig(env);
    redis = createRedisConnection(config.redis, "worker");
    controller = await startControllerFromConfig({ ...options.controller, config, logger, redis });
    const wired = controller;
    const startOne = async (nodeId: string | undefined) => {
      const identity = nodeId === undefined ? {} : { ECSMON_NODE_ID: nodeId };
      const agent = await startAgent({
        config: loadConfig({ ...env, ECSMON_CLUSTER: options.cluster ?? "demo", ...identity }),
        logger,
        pool: nodeId === undefined,
        ...options.agentOptions,
      });
      agents.push(agent);
      return agent;
    };
    if (options.agents === "nodes" || options.agents === "nodes+pool") {
      for (const instance of sim.store.instances()) await startOne(instance.id);
      if (options.agents === "nodes+pool") await startOne(undefined);
    }
    const api = async <T>(path: string): Promise<T> => (await fetch(`${wired.apiUrl}${path}`)).json() as Promise<T>;
    return {
      sim,
      redisServer,
      redis,
      controller,
      env,
      agents,
      api,
      sdKeys: () => sdKeysAt(wired.apiUrl),
      startAgent: startOne,
      stop,
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
