import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { redisKeys } from "../../crds-like-schemas/contracts/redis-keys.js";
import { createLogger } from "../../lib/logger.js";
import { useRedisServer } from "../../test/helpers/use-redis-server.js";
import { ClusterLease, LeaseLostError } from "./cluster-lease.js";
import { LeaseManager } from "./lease-manager.js";

const logger = createLogger({ level: "silent", name: "test" });

const fx = useRedisServer();

const lease = (prefix: string, holderId: string, ttlMs = 500, cluster = "c1") =>
  new ClusterLease({ redis: fx.redis, cluster, holderId, ttlMs, keyPrefix: prefix });

describe("ClusterLease", () => {
  it("admits one holder at a time and hands out increasing tokens", async () => {
    const prefix = `t-${randomUUID()}`;
    const a = lease(prefix, "a");
    const b = lease(prefix, "b");
    const ta = (await a.tryAcquire()) as number;
    expect(ta).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1_000) - 5);
    expect(await b.tryAcquire()).toBeUndefined();
    expect(await a.assertHeld()).toBe(ta);
    await a.release();
    const tb = await b.tryAcquire();
    expect(tb).toBe(ta + 1);
    await expect(a.assertHeld()).rejects.toBeInstanceOf(LeaseLostError);
    expect(await b.holder()).toEqual({ holderId: "b", token: ta + 1 });
  });

  it("lets a standby take over after the TTL and fences the old holder", async () => {
    const prefix = `t-${randomUUID()}`;
    const a = lease(prefix, "a", 300);
    const b = lease(prefix, "b", 300);
    const ta = (await a.tryAcquire()) as number;
    await sleep(350);
    expect(await b.tryAcquire()).toBe(ta + 1);
    await expect(a.assertHeld()).rejects.toBeInstanceOf(LeaseLostError);
    expect(await a.renew()).toBe(false);
    expect(a.held).toBe(false);
    expect(await b.assertHeld()).toBe(ta + 1);
  });

  it("fences a holder whose lease expired in Redis while it still thinks it holds it", async () => {
    const prefix = `t-${randomUUID()}`;
    const a = lease(prefix, "a", 5_000);
    const ta = (await a.tryAcquire()) as number;
    await fx.redis.pexpire(redisKeys(prefix).lease("c1"), 1);
    await sleep(20);
    const b = lease(prefix, "b", 5_000);
    expect(await b.tryAcquire()).toBe(ta + 1);
    expect(a.held).toBe(true);
    await expect(a.assertHeld()).rejects.toThrow(/held by b/);
    expect(a.held).toBe(false);
    expect(await a.renew()).toBe(false);
  });

  it("renew keeps the lease alive past its TTL; a stale release does not delete the new holder", async () => {
    const prefix = `t-${randomUUID()}`;
    const a = lease(prefix, "a", 300);
    const ta = (await a.tryAcquire()) as number;
    for (let i = 0; i < 4; i++) {
      await sleep(100);
      expect(await a.renew()).toBe(true);
    }
    expect(await a.assertHeld()).toBe(ta);
    await sleep(350);
    const b = lease(prefix, "b", 300);
    expect(await b.tryAcquire()).toBe(ta + 1);
    await a.release();
    expect(await b.assertHeld()).toBe(ta + 1);
  });

  it("keeps tokens monotonic when Redis loses the token counter", async () => {
    const prefix = `t-${randomUUID()}`;
    const a = lease(prefix, "a", 5_000);
    await fx.redis.set(redisKeys(prefix).leaseToken("c1"), "41");
    expect(await a.tryAcquire()).toBe(42);
    await a.release();
    await fx.redis.del(redisKeys(prefix).leaseToken("c1"));
    const b = lease(prefix, "b", 5_000);
    expect(await b.tryAcquire()).toBeGreaterThan(42);
  });

  it("treats the lease as lost locally once the TTL passes without renewal", async () => {
    let now = 1_000;
    const prefix = `t-${randomUUID()}`;
    const a = new ClusterLease({
      redis: fx.redis,
      cluster: "c1",
      holderId: "a",
      ttlMs: 10_000,
      keyPrefix: prefix,
      now: () => now,
    });
    await a.tryAcquire();
    now += 10_001;
    expect(a.held).toBe(false);
    await expect(a.assertHeld()).rejects.toBeInstanceOf(LeaseLostError);
  });
});

describe("LeaseManager", () => {
  it("splits clusters between two replicas and a standby takes over when one stops", async () => {
    const prefix = `t-${randomUUID()}`;
    const clusters = ["c1", "c2", "c3", "c4"];
    const events: string[] = [];
    const make = (id: string) =>
      new LeaseManager({
        redis: fx.redis,
        holderId: id,
        ttlMs: 600,
        keyPrefix: prefix,
        logger,
        onAcquired: (c) => events.push(`${id}+${c}`),
        onLost: (c) => events.push(`${id}-${c}`),
      });
    const a = make("a");
    const b = make("b");
    a.setClusters(clusters);
    b.setClusters(clusters);
    await a.tick();
    expect(a.heldClusters()).toEqual(clusters);
    // b registers; nothing is free and a is the one to shed, so b waits.
    await b.tick();
    expect(b.heldClusters()).toEqual([]);
    // a now counts two replicas: it gives up everything above ⌈4/2⌉ in one round.
    await a.tick();
    expect(a.heldClusters()).toEqual(["c1", "c2"]);
    await b.tick();
    expect(b.heldClusters()).toEqual(["c3", "c4"]);
    await a.tick();
    expect(a.heldClusters()).toEqual(["c1", "c2"]);
    expect(new Set([...a.heldClusters(), ...b.heldClusters()])).toEqual(new Set(clusters));
    const status = await a.status();
    expect(status.filter((s) => s.mine).map((s) => s.cluster)).toEqual(a.heldClusters());

    await a.stop();
    expect(events.filter((e) => e.startsWith("a-"))).toHaveLength(4);
    await sleep(650);
    await b.tick();
    expect(b.heldClusters()).toEqual(clusters);
    await b.stop();
  });

  it("reports a lease lost when another holder fenced it", async () => {
    const prefix = `t-${randomUUID()}`;
    const lost: string[] = [];
    const m = new LeaseManager({
      redis: fx.redis,
      holderId: "a",
      ttlMs: 5_000,
      keyPrefix: prefix,
      logger,
      onLost: (c) => lost.push(c),
    });
    m.setClusters(["c1"]);
    await m.tick();
    expect(m.lease("c1")).toBeDefined();
    await fx.redis.set(redisKeys(prefix).lease("c1"), "intruder|99");
    await m.tick();
    expect(lost).toEqual(["c1"]);
    expect(m.lease("c1")).toBeUndefined();
    await m.stop();
  });
});
