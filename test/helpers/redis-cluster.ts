import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort } from "../../lib/net.js";
import type { RunningSim } from "../../sim/index.js";
import { simEnv } from "./sim-clients.js";
import { until } from "./until.js";

const execFileAsync = promisify(execFile);

/**
 * The environment of the Redis-layout tests' controller and agents: the simulator, `redisUrl` (a cluster with
 * `cluster`), and fast intervals (reconcile 500 ms, heartbeats 500 ms, lease TTL 3 s), APIs on free ports.
 */
export function redisTestEnv(sim: RunningSim, redisUrl: string, cluster: boolean): Record<string, string> {
  return {
    ...simEnv(sim, redisUrl),
    ...(cluster ? { REDIS_CLUSTER: "true" } : {}),
    ECSMON_SPEC_POLL_INTERVAL: "300ms",
    ECSMON_RECONCILE_INTERVAL: "500ms",
    ECSMON_LEASE_TTL: "3s",
    ECSMON_AWS_RPS: "500",
    ECSMON_AWS_BURST: "500",
    ECSMON_API_BIND: "127.0.0.1:0",
    ECSMON_HEARTBEAT_INTERVAL: "500ms",
    ECSMON_HEARTBEAT_TTL: "3s",
    ECSMON_AGENT_BIND: "127.0.0.1:0",
  };
}

/** One primary of a {@link RedisCluster}: a redis-server child with its own directory and nodes.conf. */
export interface RedisClusterNode {
  port: number;
  /** The cluster bus port (`cluster-port`), allocated free instead of the default port + 10000. */
  busPort: number;
  /** SIGKILL (default) or SIGTERM, and wait for the exit. */
  stop(hard?: boolean): Promise<void>;
  /** Starts the same node again: same port, same directory, same nodes.conf (its id and slots), data gone. */
  start(): Promise<void>;
  /** One command on this node alone (a plain connection, no cluster redirection). */
  command(name: string, ...args: string[]): Promise<unknown>;
}

/** A Redis Cluster of primaries on loopback, started by a test. */
export interface RedisCluster {
  /** A seed URL (the first primary), as REDIS_URL with REDIS_CLUSTER=true takes it. */
  url: string;
  nodes: RedisClusterNode[];
  /** Which primary serves `key`'s slot (asked of the cluster: CLUSTER KEYSLOT and CLUSTER SLOTS). */
  nodeOf(key: string): Promise<RedisClusterNode>;
  /** Resolves once every running primary reports `cluster_state:ok`. */
  waitOk(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes the directory. */
  stop(): Promise<void>;
}

export interface StartRedisClusterOptions {
  /** @defaultValue 3 */
  primaries?: number;
  /** `cluster-node-timeout`: how long a silent primary takes to be marked failed. @defaultValue 2000 */
  nodeTimeoutMs?: number;
}

/**
 * Starts `primaries` redis-servers with `--cluster-enabled yes` on free loopback ports, each in its own directory,
 * joins them with `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes` and waits for
 * `cluster_state:ok`. No persistence: a restarted primary keeps its identity and slots (nodes.conf) but comes
 * back empty, like a node replaced in place.
 */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), "ecsmon-redis-cluster-"));
  const nodes: ClusterNodeProcess[] = [];
  const stopAll = async () => {
    await Promise.all(nodes.map((n) => n.stop(true)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < (options.primaries ?? 3); i++) {
      const port = await freePort();
      let busPort = await freePort();
      while (busPort === port) busPort = await freePort();
      const node = new ClusterNodeProcess(port, busPort, join(dir, String(port)), options.nodeTimeoutMs ?? 2_000);
      nodes.push(node);
      await node.start();
    }
    await execFileAsync(
      "redis-cli",
      ["--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-replicas", "0", "--cluster-yes"],
      { timeout: 30_000 },
    );
    const cluster: RedisCluster = {
      url: `redis://127.0.0.1:${nodes[0]?.port}`,
      nodes,
      async nodeOf(key) {
        return withClient(nodes, async (client) => {
          const slot = Number(await client.call("CLUSTER", "KEYSLOT", key));
          const ranges = (await client.call("CLUSTER", "SLOTS")) as Array<[number, number, [string, number]]>;
          const owner = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
          const node = nodes.find((n) => n.port === owner);
          if (!node) throw new Error(`no primary serves slot ${slot} of ${key}`);
          return node;
        });
      },
      async waitOk(timeoutMs = 30_000) {
        await until(
          "cluster_state:ok on every primary",
          async () => {
            for (const node of nodes.filter((n) => n.running)) {
              const info = await node.command("CLUSTER", "INFO");
              if (!/cluster_state:ok/.test(String(info))) return false;
            }
            return true;
          },
          timeoutMs,
          100,
        );
      },
      stop: stopAll,
    };
    await cluster.waitOk();
    return cluster;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

class ClusterNodeProcess implements RedisClusterNode {
  private child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    readonly busPort: number,
    private readonly dir: string,
    private readonly nodeTimeoutMs: number,
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // nodes.conf lives in the node's directory, so a restart finds its identity, epoch and slots again.
    const args = [
      ...["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir],
      ...["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", String(this.busPort)],
      ...["--cluster-node-timeout", String(this.nodeTimeoutMs), "--save", "", "--appendonly", "no"],
    ];
    const child = spawn("redis-server", args, { stdio: "ignore" });
    this.child = child;
    let failure: string | undefined;
    child.on("error", (error) => {
      failure = `could not start (${error.message}; is the redis-server package installed?)`;
    });
    child.on("exit", (code, signal) => {
      failure ??= `exited (${signal ?? `code ${code}`})`;
    });
    await until(
      `redis-server (cluster node) on port ${this.port} to answer PING`,
      async () => {
        if (failure) throw new Error(`redis-server on port ${this.port} ${failure}`);
        return (await this.command("PING")) === "PONG";
      },
      10_000,
      50,
    );
  }

  async stop(hard = true): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((resolve) => c.once("exit", resolve));
    c.kill(hard ? "SIGKILL" : "SIGTERM");
    await exited;
  }

  /** One command on this node alone (a plain connection, no cluster redirection). */
  async command(name: string, ...args: string[]): Promise<unknown> {
    const client = new Redis({
      host: "127.0.0.1",
      port: this.port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      connectTimeout: 1_000,
      retryStrategy: () => null,
    });
    client.on("error", () => {});
    try {
      await client.connect();
      return await client.call(name, ...args);
    } finally {
      client.disconnect();
    }
  }
}

/** Runs `use` with a plain connection to the first running node. */
async function withClient<T>(nodes: ClusterNodeProcess[], use: (client: Redis) => Promise<T>): Promise<T> {
  const node = nodes.find((n) => n.running);
  if (!node) throw new Error("no cluster node is running");
  const client = new Redis({ host: "127.0.0.1", port: node.port, maxRetriesPerRequest: 1 });
  client.on("error", () => {});
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}
