import { createRequire } from "node:module";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TargetGroup } from "../../controller/outputs/target-groups.js";
import { KEY_PREFIX, nodeQueueName, POOL_QUEUE, REPORTS_QUEUE, redisKeys } from "../../crds-like-schemas/index.js";
import { expectedDemoEndpoints } from "../helpers/demo-expected.js";
import { type InProcessStack, startInProcessStack } from "../helpers/in-process-stack.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { until } from "../helpers/until.js";

/**
 * Every multi-key operation the controller, an agent, the pool agent and BullMQ send while reconciling the demo
 * cluster touches one Redis Cluster slot. The commands are recorded with MONITOR on a single redis-server, their
 * keys extracted by the server itself (COMMAND GETKEYS) and hashed with `cluster-key-slot` (ioredis's own slot
 * function), so neither side of the check is ecsmon's code. Groups: one command naming several keys (MGET, DEL,
 * EVALSHA with KEYS[], BZPOPMIN…), one MULTI…EXEC of a connection, and the commands one Lua script ran.
 */

const calculateSlot = createRequire(import.meta.url)("cluster-key-slot") as (key: string) => number;
const keys = redisKeys(KEY_PREFIX);

interface Entry {
  args: string[];
  source: string;
}

let server: RedisServer;
let monitor: Redis;
let stack: InProcessStack;
const entries: Entry[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  const plain = new Redis(server.url);
  monitor = await plain.monitor();
  plain.disconnect();
  monitor.on("monitor", (_time: string, args: string[], source: string) => entries.push({ args, source }));
  stack = await startInProcessStack({
    redisServer: server,
    env: { ECSMON_LEASE_TTL: "3s" },
    agentOptions: { reportFlushIntervalMs: 300 },
  });
  await stack.startAgent(expectedDemoEndpoints(stack.sim).find((e) => e.nodeId)?.nodeId ?? "");
  await stack.startAgent(undefined);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  monitor?.disconnect();
  await server?.stop();
});

describe("the key layout on a Redis Cluster", () => {
  it("puts the keys of every multi-key operation of a reconcile, its dispatch and its reports in one slot", async () => {
    const { sim, agents } = stack;
    const sd = () => stack.api<TargetGroup[]>("/sd/prometheus");
    const want = expectedDemoEndpoints(sim).length;
    await until("http_sd to list every target", async () => (await sd()).length === want, 30_000);
    await until("both agents to apply an assignment", () => agents.every((a) => a.generation() > 0), 30_000);
    // A change, so that a second dispatch and a drain run too, then a few more reconciles and report flushes.
    const victim = expectedDemoEndpoints(sim).find((e) => e.service === "web");
    sim.store.stopTask(victim?.taskArn ?? "", "slot test", "UserInitiated");
    await until("the change to reach http_sd", async () => !(await sd()).some((g) => g.targets[0] === victim?.address));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const recorded = entries.splice(0);

    const groups = await multiKeyGroups(recorded);
    const problems = groups
      .filter((g) => new Set(g.keys.map(calculateSlot)).size > 1)
      .map((g) => `${g.what}: ${g.keys.map((k) => `${k}@${calculateSlot(k)}`).join(" ")}`);
    expect(problems).toEqual([]);

    // Not vacuous: the groups cover ecsmon's own transactions and scripts and BullMQ's scripts on every queue kind.
    const allKeys = new Set(groups.flatMap((g) => g.keys));
    const nodeId = agents[0]?.identity.nodeId ?? "";
    for (const key of [
      keys.sd("demo"),
      keys.sdDigest("demo"),
      keys.lease("demo"),
      keys.leaseToken("demo"),
      keys.machines("demo"),
      keys.node(nodeId).job,
      keys.node(nodeId).generation,
      keys.reports("demo", "heartbeats"),
      keys.taskDefinitions("demo"),
    ]) {
      expect(allKeys, key).toContain(key);
    }
    for (const queue of [nodeQueueName(nodeId), POOL_QUEUE, REPORTS_QUEUE]) {
      expect(
        [...allKeys].some((k) => k.startsWith(`bull:${queue}:`)),
        queue,
      ).toBe(true);
    }
    expect(groups.filter((g) => g.what.startsWith("lua")).length).toBeGreaterThan(10);
  }, 120_000);
});

interface Group {
  what: string;
  keys: string[];
}

/** The multi-key groups of a MONITOR recording, with the keys Redis itself finds in each command. */
async function multiKeyGroups(recorded: Entry[]): Promise<Group[]> {
  const probe = new Redis(server.url);
  const cache = new Map<string, string[]>();
  const keysOf = async (args: string[]): Promise<string[]> => {
    const id = args.join("\u0000");
    let found = cache.get(id);
    if (!found) {
      found = (await probe.call("COMMAND", "GETKEYS", ...args).catch(() => [])) as string[];
      cache.set(id, found);
    }
    return found;
  };
  const groups: Group[] = [];
  const transactions = new Map<string, Group>();
  let script: Group | undefined;
  try {
    for (const { args, source } of recorded) {
      const name = (args[0] ?? "").toUpperCase();
      if (source !== "lua" && script) {
        groups.push(script);
        script = undefined;
      }
      if (name === "MULTI") {
        transactions.set(source, { what: `MULTI from ${source}`, keys: [] });
        continue;
      }
      if (name === "EXEC" || name === "DISCARD") {
        const tx = transactions.get(source);
        if (tx) groups.push(tx);
        transactions.delete(source);
        continue;
      }
      const found = await keysOf(args);
      if (source === "lua") {
        script ??= { what: "lua script", keys: [] };
        script.keys.push(...found);
      } else if (transactions.has(source)) {
        transactions.get(source)?.keys.push(...found);
      } else if (found.length > 1) {
        groups.push({ what: `${name} from ${source}`, keys: found });
      }
    }
    if (script) groups.push(script);
  } finally {
    probe.disconnect();
  }
  return groups.map((g) => ({ ...g, keys: [...new Set(g.keys)] }));
}
