import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { redisKeys } from "../../crds-like-schemas/contracts/redis-keys.js";
import { freePort } from "../../lib/net.js";
import { type RedisServer, startRedisServer } from "../../lib/redis-server.js";
import type { ObservedInstanceType, ObservedTask, ObservedTaskDefinition } from "../model.js";
import { type CacheWriteFence, SharedObserveCache } from "./shared-cache.js";
import { TaskSnapshotSync } from "./task-snapshot.js";

/** The shared observer cache against a real redis-server: round trips, immutability, the lease fence, bounds. */

let server: RedisServer;
let redis: Redis;
const keys = redisKeys("t");
const CLUSTER = "demo";
const leaseKey = keys.lease(CLUSTER);

const definition = (n: number, image = "app:1"): ObservedTaskDefinition => ({
  taskDefinitionArn: `arn:aws:ecs:eu-west-1:0:task-definition/app-${n}:1`,
  family: `app-${n}`,
  revision: 1,
  networkMode: "bridge",
  cpu: undefined,
  memory: 512,
  containerDefinitions: [
    {
      name: "app",
      image,
      cpu: 64,
      memory: 128,
      memoryReservation: undefined,
      dockerLabels: { PROMETHEUS_SCRAPES: "8080/metrics" },
      portMappings: [{ containerPort: 8080, hostPort: undefined, protocol: "tcp" }],
    },
  ],
});

const task = (id: string, lastStatus = "RUNNING"): ObservedTask => ({
  taskArn: `arn:aws:ecs:eu-west-1:0:task/demo/${id}`,
  taskId: id,
  taskDefinitionArn: definition(1).taskDefinitionArn,
  group: "service:web",
  serviceName: "web",
  launchType: "EC2",
  lastStatus,
  desiredStatus: "RUNNING",
  version: 3,
  containerInstanceArn: "arn:aws:ecs:eu-west-1:0:container-instance/demo/n1",
  availabilityZone: "eu-west-1a",
  eniPrivateIp: undefined,
  eniSubnetId: undefined,
  healthStatus: "HEALTHY",
  platformFamily: undefined,
  platformVersion: undefined,
  tags: { team: "a" },
  cpu: 256,
  memory: 512,
  containers: [
    {
      name: "app",
      containerArn: undefined,
      runtimeId: "r1",
      image: "app:1",
      lastStatus: "RUNNING",
      networkBindings: [{ containerPort: 8080, hostPort: 32768, protocol: "tcp", bindIP: "0.0.0.0" }],
      privateIpv4Address: undefined,
    },
  ],
});

const m5: ObservedInstanceType = {
  instanceType: "m5.large",
  maxEnis: 3,
  trunkBranchEnis: 10,
  vcpus: 2,
  memoryMiB: 8192,
};

/** A fence whose lease value the test controls, like a ClusterLease's `holder|token`. */
function fenceOf(value: () => string | undefined): CacheWriteFence {
  return { leaseKey, value };
}

function cacheFor(
  fence: CacheWriteFence | undefined,
  extra: Partial<ConstructorParameters<typeof SharedObserveCache>[0]> = {},
) {
  return new SharedObserveCache({
    redis,
    taskDefinitionsKey: keys.taskDefinitions(CLUSTER),
    instanceFactsKey: keys.instanceFacts(CLUSTER),
    tasksKey: keys.taskSnapshot(CLUSTER),
    fence,
    ...extra,
  });
}

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

beforeEach(async () => {
  await redis.flushall();
  await redis.set(leaseKey, "replica-a|7");
});

describe("SharedObserveCache", () => {
  it("hands back what another replica stored, field for field, and misses what nobody stored", async () => {
    const writer = cacheFor(fenceOf(() => "replica-a|7"));
    await writer.storeTaskDefinitions([definition(1), definition(2)]);
    await writer.storeInstanceFacts(
      new Map([["i-1", { privateIp: "10.0.0.1", instanceType: "m5.large", tags: { a: "b" } }]]),
    );
    await writer.storeInstanceTypes([m5]);

    const reader = cacheFor(fenceOf(() => undefined));
    const found = await reader.taskDefinitions([definition(1).taskDefinitionArn, "arn:unknown"]);
    expect([...found.keys()]).toEqual([definition(1).taskDefinitionArn]);
    expect(found.get(definition(1).taskDefinitionArn)).toEqual(definition(1));
    // Same members in the same order, absent ones present as undefined (ADR 0012 §4).
    expect(Object.keys(found.get(definition(1).taskDefinitionArn) ?? {})).toEqual(Object.keys(definition(1)));
    const facts = await reader.instanceFacts(["i-1", "i-2"]);
    expect(facts.get("i-1")).toMatchObject({ privateIp: "10.0.0.1", instanceType: "m5.large", tags: { a: "b" } });
    expect(facts.has("i-2")).toBe(false);
    expect((await reader.instanceTypes(["m5.large"])).get("m5.large")).toEqual(m5);
    expect(reader.stats()).toMatchObject({ hits: 3, misses: 2 });
    // Version in the key, a bounded lifetime on each hash.
    expect(keys.taskDefinitions(CLUSTER)).toContain(":v1:");
    expect(await redis.pttl(keys.taskDefinitions(CLUSTER))).toBeGreaterThan(86_400_000);
  });

  it("never overwrites a task definition: a stale writer can only add what is true", async () => {
    await cacheFor(fenceOf(() => "replica-a|7")).storeTaskDefinitions([definition(1, "app:1")]);
    await cacheFor(undefined).storeTaskDefinitions([definition(1, "app:EVIL")]);
    const raw = await redis.hget(keys.taskDefinitions(CLUSTER), definition(1).taskDefinitionArn);
    expect(JSON.parse(raw ?? "{}").containerDefinitions[0].image).toBe("app:1");
  });

  it("refuses instance facts from a writer whose lease was taken over, or that holds none", async () => {
    const old = cacheFor(fenceOf(() => "replica-a|7"));
    await redis.set(leaseKey, "replica-b|8"); // replica-b took the cluster over
    await old.storeInstanceFacts(new Map([["i-1", { privateIp: "10.9.9.9" }]]));
    expect(await redis.hget(keys.instanceFacts(CLUSTER), "ec2:i-1")).toBeNull();
    expect(old.stats().fenced).toBe(1);

    await redis.del(leaseKey); // expired: nobody holds it
    await old.storeInstanceFacts(new Map([["i-1", { privateIp: "10.9.9.9" }]]));
    expect(await redis.hlen(keys.instanceFacts(CLUSTER))).toBe(0);

    const notHeld = cacheFor(fenceOf(() => undefined));
    await notHeld.storeInstanceFacts(new Map([["i-1", { privateIp: "10.9.9.9" }]]));
    expect(await redis.hlen(keys.instanceFacts(CLUSTER))).toBe(0);

    await redis.set(leaseKey, "replica-b|8");
    const current = cacheFor(fenceOf(() => "replica-b|8"));
    await current.storeInstanceFacts(new Map([["i-1", { privateIp: "10.0.0.1" }]]));
    expect((await current.instanceFacts(["i-1"])).get("i-1")?.privateIp).toBe("10.0.0.1");
  });

  it("treats corrupted entries and facts past their age as misses", async () => {
    let now = 1_000_000;
    const cache = cacheFor(
      fenceOf(() => "replica-a|7"),
      { now: () => now, instanceFactsMaxAgeMs: 60_000 },
    );
    await cache.storeInstanceFacts(new Map([["i-1", { privateIp: "10.0.0.1" }]]));
    await redis.hset(keys.taskDefinitions(CLUSTER), "arn:bad", "{not json");
    await redis.hset(keys.taskDefinitions(CLUSTER), "arn:shape", JSON.stringify({ family: 3 }));
    expect((await cache.taskDefinitions(["arn:bad", "arn:shape"])).size).toBe(0);
    expect((await cache.instanceFacts(["i-1"])).size).toBe(1);
    now += 60_001;
    expect((await cache.instanceFacts(["i-1"])).size).toBe(0);
  });

  it("prunes what is not in use once over its bound, keeps instance types, and only under the lease", async () => {
    const cache = cacheFor(
      fenceOf(() => "replica-a|7"),
      { maxTaskDefinitions: 3, maxInstanceFacts: 2 },
    );
    await cache.storeTaskDefinitions([1, 2, 3, 4, 5].map((n) => definition(n)));
    await cache.storeInstanceFacts(new Map(["i-1", "i-2", "i-3"].map((id) => [id, { privateIp: "10.0.0.1" }])));
    await cache.storeInstanceTypes([m5]);
    const inUse = { taskDefinitionArns: [definition(2).taskDefinitionArn], instanceIds: ["i-3"] };

    await cacheFor(
      fenceOf(() => "replica-z|1"),
      { maxTaskDefinitions: 3 },
    ).prune(inUse);
    expect(await redis.hlen(keys.taskDefinitions(CLUSTER))).toBe(5);

    await cache.prune(inUse);
    expect(await redis.hkeys(keys.taskDefinitions(CLUSTER))).toEqual([definition(2).taskDefinitionArn]);
    expect((await redis.hkeys(keys.instanceFacts(CLUSTER))).sort()).toEqual(["ec2:i-3", "type:m5.large"]);
    expect(cache.stats().pruned).toBe(6);
  });

  it("reads as a miss, and drops writes, when Redis does not answer", async () => {
    const dead = new Redis({ port: await freePort(), host: "127.0.0.1", maxRetriesPerRequest: 0, lazyConnect: true });
    dead.on("error", () => {});
    const cache = new SharedObserveCache({
      redis: dead,
      taskDefinitionsKey: keys.taskDefinitions(CLUSTER),
      instanceFactsKey: keys.instanceFacts(CLUSTER),
      tasksKey: keys.taskSnapshot(CLUSTER),
      timeoutMs: 500,
    });
    expect((await cache.taskDefinitions([definition(1).taskDefinitionArn])).size).toBe(0);
    await cache.storeTaskDefinitions([definition(1)]);
    expect(cache.stats().errors).toBe(2);
    dead.disconnect();
  });

  it("shares settled tasks with the next holder, writing only what changed and dropping what is gone", async () => {
    const writes: number[] = [];
    const cache = cacheFor(fenceOf(() => "replica-a|7"));
    const counting = Object.assign(Object.create(cache), {
      syncTasks: (...args: Parameters<typeof cache.syncTasks>) => {
        writes.push(args[0].length + args[1].length);
        return cache.syncTasks(...args);
      },
    }) as SharedObserveCache;
    await redis.hset(keys.taskSnapshot(CLUSTER), "arn:stale", JSON.stringify(task("stale")));
    const leader = new TaskSnapshotSync(counting);
    const [a, b, pending] = [task("a"), task("b"), task("p", "PENDING")];
    await leader.sync(new Map([a, b, pending].map((t) => [t.taskArn, t])), true);
    // The first sync of a holder: both settled tasks written, the entry of a task nobody listed is gone.
    expect((await redis.hkeys(keys.taskSnapshot(CLUSTER))).sort()).toEqual([a.taskArn, b.taskArn].sort());
    await leader.sync(new Map([a, b, pending].map((t) => [t.taskArn, t])), true);
    expect(writes).toEqual([2]); // an unchanged cycle writes nothing
    const b2 = { ...b, healthStatus: "UNHEALTHY" };
    await leader.sync(new Map([b2].map((t) => [t.taskArn, t])), false);
    expect(writes).toEqual([2, 2]); // b rewritten, a deleted

    const next = new TaskSnapshotSync(cacheFor(fenceOf(() => undefined)));
    const loaded = await next.load([a.taskArn, b.taskArn, pending.taskArn]);
    expect([...loaded.keys()]).toEqual([b.taskArn]);
    expect(loaded.get(b.taskArn)).toEqual(b2);
    expect(Object.keys(loaded.get(b.taskArn) ?? {})).toEqual(Object.keys(b2));

    await redis.set(leaseKey, "replica-b|8");
    await leader.sync(new Map(), false);
    expect(await redis.hkeys(keys.taskSnapshot(CLUSTER))).toEqual([b.taskArn]); // fenced off
  });
});
