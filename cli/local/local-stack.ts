import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { redactUrl } from "../../lib/logger.js";
import { MALLOC_TUNING } from "../../lib/malloc-tuning.js";
import { freePort } from "../../lib/net.js";
import { fromRoot } from "../../lib/paths.js";
import { redisServerArgs, waitForRedis as waitForRedisPing } from "../../lib/redis-server.js";
import { ManagedProcess, waitForHttp } from "./managed-process.js";
import { prometheusConfig } from "./prometheus-config.js";
import { StackReaper } from "./stack-reaper.js";

/** Options of {@link startLocalStack}; every path is resolved against the working directory. */
export interface LocalStackOptions {
  /** Logs, Redis/Prometheus data, file_sd output. */
  stateDir: string;
  scenario: string;
  spec: string;
  /** Number of node agents (the first N simulated nodes). */
  agents: number;
  /** Also run a pool agent for Fargate tasks without a sidecar and Cloud Map targets. */
  poolAgent: boolean;
  prometheus: boolean;
  /** Use this Redis instead of starting a redis-server. */
  redisUrl: string | undefined;
  region: string;
  logLevel: string;
  /** Progress lines for the user. */
  progress: (line: string) => void;
  /** Aborts start-up (Ctrl-C while starting): the processes already started are stopped. */
  signal?: AbortSignal | undefined;
}

export interface LocalStackUrls {
  redis: string;
  aws: string;
  controller: string;
  agents: { nodeId: string; metrics: string }[];
  prometheus: string | undefined;
  fileSd: string;
}

export interface LocalStack {
  urls: LocalStackUrls;
  /** Processes in start order. */
  processes: ManagedProcess[];
  /** The reaper that ends the processes' groups if this process dies (see StackReaper). */
  reaperPid: number | undefined;
  /** Stops every process, newest first. */
  stop(): Promise<void>;
}

export class LocalStackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LocalStackError";
  }
}

/** The built CLI (also when this module runs from sources under vitest). */
const ECSMON_BIN = fromRoot("dist/cli/ecsmon.js");
const STARTUP_TIMEOUT_MS = 60_000;
/** The shipped alert rules, loaded into the local Prometheus (its /alerts page shows them). */
const ALERT_RULES = fromRoot("deploy/prometheus/ecsmon-alerts.yml");

function binaryAvailable(binary: string): boolean {
  const probe = spawnSync(binary, ["--version"], { stdio: "ignore" });
  return probe.error === undefined && probe.status === 0;
}

interface SimNode {
  id: string;
  cluster: string;
  surfaces?: { dockerUrl: string; introspectionUrl: string; imdsUrl: string };
}

/**
 * Starts the local topology as plain processes — redis-server, the simulator, a one-shot spec apply, the
 * controller, N agents and (when installed) Prometheus — mirroring docker-compose.yml. On any failure the
 * processes already started are stopped before the error is rethrown.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const stateDir = resolve(options.stateDir);
  const logDir = join(stateDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const processes: ManagedProcess[] = [];
  const reaper = new StackReaper();
  const stop = async () => {
    for (const child of [...processes].reverse()) {
      await child.stop();
      if (child.pid) reaper.forget(child.pid);
    }
  };
  const credentials = { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" };
  const launch = (name: string, command: string, args: string[], env: NodeJS.ProcessEnv) => {
    if (options.signal?.aborted) throw new LocalStackError("start-up interrupted");
    const child = new ManagedProcess(name, command, args, { env, logFile: join(logDir, `${name}.log`) });
    child.start();
    processes.push(child);
    if (child.pid) reaper.watch(child.pid);
    return child;
  };

  try {
    let redisUrl = options.redisUrl;
    if (!redisUrl) {
      if (!binaryAvailable("redis-server")) {
        throw new LocalStackError(
          "redis-server was not found on PATH. Install the Debian/Ubuntu package `redis-server` " +
            "(sudo apt-get install redis-server), or point REDIS_URL at an existing Redis.",
        );
      }
      const port = await freePort();
      options.progress(`starting redis-server on 127.0.0.1:${port}`);
      const dataDir = join(stateDir, "redis");
      mkdirSync(dataDir, { recursive: true });
      launch("redis", "redis-server", redisServerArgs(port, { dir: dataDir }), process.env);
      redisUrl = `redis://127.0.0.1:${port}`;
      await waitForRedis(redisUrl, processes.at(-1), STARTUP_TIMEOUT_MS);
    } else {
      options.progress(`using Redis from REDIS_URL (${redactUrl(redisUrl)})`);
      await checkRedisUrl(redisUrl);
    }

    const simPort = await freePort();
    const aws = `http://127.0.0.1:${simPort}`;
    options.progress(`starting the simulator (${options.scenario}) on ${aws}`);
    const sim = launch(
      "sim",
      process.execPath,
      [ECSMON_BIN, "sim", "--scenario", options.scenario, "--port", String(simPort)],
      {
        ...process.env,
        LOG_LEVEL: options.logLevel,
      },
    );
    await waitForHttp(`${aws}/_sim/healthz`, sim, STARTUP_TIMEOUT_MS, options.signal);

    const awsEnv = {
      ...process.env,
      ...MALLOC_TUNING,
      ...credentials,
      AWS_ENDPOINT_URL: aws,
      AWS_REGION: options.region,
      LOG_LEVEL: options.logLevel,
    };
    options.progress(`applying the spec ${options.spec} to the simulator's SSM`);
    const apply = spawnSync(process.execPath, [ECSMON_BIN, "spec", "apply", options.spec], {
      env: awsEnv,
      encoding: "utf8",
    });
    if (apply.status !== 0)
      throw new LocalStackError(`spec apply failed (exit ${apply.status}): ${apply.stderr || apply.stdout}`);
    options.progress(`  ${apply.stdout.trim().split("\n").at(-1) ?? "applied"}`);

    const controllerPort = await freePort();
    const controllerUrl = `http://127.0.0.1:${controllerPort}`;
    const fileSd = join(stateDir, "file_sd.yml");
    options.progress(`starting the controller on ${controllerUrl}`);
    const controller = launch("controller", process.execPath, [ECSMON_BIN, "controller", "--file-sd", fileSd], {
      ...awsEnv,
      REDIS_URL: redisUrl,
      ECSMON_API_BIND: `127.0.0.1:${controllerPort}`,
      ECSMON_RECONCILE_INTERVAL: "5s",
      ECSMON_SPEC_POLL_INTERVAL: "5s",
    });
    // Ready means the spec is loaded and the leases went through Redis once: a Redis the controller cannot use
    // fails start-up here instead of leaving a stack that looks up but does nothing.
    await waitForHttp(`${controllerUrl}/readyz`, controller, STARTUP_TIMEOUT_MS, options.signal);

    const nodes = (await (await fetch(`${aws}/_sim/nodes`)).json()) as SimNode[] | { nodes: SimNode[] };
    const nodeList = (Array.isArray(nodes) ? nodes : nodes.nodes).filter((node) => node.surfaces);
    // Agents start in parallel: each is an independent process that only needs Redis and its node's surfaces.
    const cluster = nodeList[0]?.cluster;
    const agentSpecs: { name: string; nodeId: string; args: string[]; env: NodeJS.ProcessEnv }[] = nodeList
      .slice(0, options.agents)
      .map((node, index) => ({
        name: `agent-${index + 1}`,
        nodeId: node.id,
        args: ["agent"],
        env: {
          ECS_AGENT_URI: node.surfaces!.introspectionUrl,
          DOCKER_HOST: node.surfaces!.dockerUrl,
          ECSMON_IMDS_ENDPOINT: node.surfaces!.imdsUrl,
        },
      }));
    if (options.poolAgent && cluster) {
      agentSpecs.push({
        name: "agent-pool",
        nodeId: `pool-${cluster}`,
        args: ["agent", "--pool", "--cluster", cluster],
        env: {},
      });
    }
    const agents: LocalStackUrls["agents"] = [];
    const starting: Promise<void>[] = [];
    for (const spec of agentSpecs) {
      const port = await freePort();
      options.progress(`starting ${spec.name} for node ${spec.nodeId} on 127.0.0.1:${port}`);
      const agent = launch(spec.name, process.execPath, [ECSMON_BIN, ...spec.args], {
        ...awsEnv,
        ...spec.env,
        REDIS_URL: redisUrl,
        ECSMON_AGENT_BIND: `127.0.0.1:${port}`,
        ECSMON_HEARTBEAT_INTERVAL: "2s",
      });
      agents.push({ nodeId: spec.nodeId, metrics: `http://127.0.0.1:${port}/metrics` });
      starting.push(waitForHttp(`http://127.0.0.1:${port}/healthz`, agent, STARTUP_TIMEOUT_MS, options.signal));
    }
    await Promise.all(starting);

    let prometheusUrl: string | undefined;
    if (options.prometheus && binaryAvailable("prometheus")) {
      const port = await freePort();
      prometheusUrl = `http://127.0.0.1:${port}`;
      const dir = join(stateDir, "prometheus");
      mkdirSync(join(dir, "data"), { recursive: true });
      const configFile = join(dir, "prometheus.yml");
      writeFileSync(
        configFile,
        prometheusConfig({
          controllerUrl,
          agentAddresses: agents.map((a) => new URL(a.metrics).host),
          fileSdPath: fileSd,
          // An installed copy without deploy/ (e.g. the Docker image) runs Prometheus without the rules.
          ruleFiles: existsSync(ALERT_RULES) ? [ALERT_RULES] : [],
        }),
      );
      options.progress(`starting Prometheus on ${prometheusUrl}`);
      const prometheus = launch(
        "prometheus",
        "prometheus",
        [
          `--config.file=${configFile}`,
          `--storage.tsdb.path=${join(dir, "data")}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        process.env,
      );
      await waitForHttp(`${prometheusUrl}/-/ready`, prometheus, STARTUP_TIMEOUT_MS, options.signal);
    } else if (options.prometheus) {
      options.progress("prometheus not found on PATH (Debian package `prometheus`): skipping it");
    }

    return {
      urls: { redis: redisUrl, aws, controller: controllerUrl, agents, prometheus: prometheusUrl, fileSd },
      processes,
      reaperPid: reaper.pid,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A user's REDIS_URL must parse and answer PING, or start-up fails naming it (password redacted). */
async function checkRedisUrl(url: string): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LocalStackError(`REDIS_URL is not a URL (expected redis://host:port or rediss://…)`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:")
    throw new LocalStackError(`REDIS_URL ${redactUrl(url)}: expected a redis:// or rediss:// URL`);
  try {
    await waitForRedis(url, undefined, REDIS_URL_CHECK_MS);
  } catch (error) {
    throw new LocalStackError(
      `REDIS_URL ${redactUrl(url)}: ${(error as Error).message}. Fix the URL, or unset REDIS_URL to let ` +
        "ecsmon local start its own redis-server.",
    );
  }
}

const REDIS_URL_CHECK_MS = 5_000;

/** Polls PING on `url` until it answers, `child` exits, or `timeoutMs` passes (lib/redis-server.ts). */
async function waitForRedis(url: string, child: ManagedProcess | undefined, timeoutMs: number): Promise<void> {
  try {
    await waitForRedisPing(url, { timeoutMs, exited: () => child?.exited });
  } catch (error) {
    throw new LocalStackError((error as Error).message);
  }
}
