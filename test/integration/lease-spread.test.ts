import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterLease, parseLeaseValue } from "../../controller/leases/cluster-lease.js";
import { LeaseManager } from "../../controller/leases/lease-manager.js";
import { redisKeys } from "../../crds-like-schemas/contracts/redis-keys.js";
import { createLogger } from "../../lib/logger.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { until } from "../helpers/until.js";

/**
 * ADR 0070 on a real redis-server: three LeaseManagers (each with its own connection, as three processes would
 * have) split 12 clusters evenly, and when one of them crashes (its connection is cut: it neither renews nor
 * releases) the two survivors own every cluster again within the lease TTL. Ownership is read from Redis itself
 * through a separate connection, not from the managers.
 */
const TTL_MS = 1_500;
/** Scheduling slack on a loaded 2-core machine; the design bound is TTL + one round trip. */
const TOLERANCE_MS = 750;
const CLUSTERS = Array.from({ length: 12 }, (_, i) => `cluster-${String(i).padStart(2, "0")}`);
const logger = createLogger({ level: "silent", name: "lease-spread" });

let server: RedisServer;
let observer: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  observer = new Redis(server.url, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  observer.disconnect();
  await server.stop();
});

/** The holder of every cluster's lease according to Redis. */
async function holders(prefix: string): Promise<Map<string, string | undefined>> {
  const keys = redisKeys(prefix);
  const values = await Promise.all(CLUSTERS.map((c) => observer.get(keys.lease(c))));
  return new Map(CLUSTERS.map((c, i) => [c, parseLeaseValue(values[i])?.holderId]));
}

function counts(table: Map<string, string | undefined>, ids: readonly string[]): number[] {
  return ids.map((id) => [...table.values()].filter((h) => h === id).length);
}

describe("lease spread over three replicas", () => {
  it("splits 12 clusters 4/4/4 and re-owns a crashed replica's clusters within the TTL", async () => {
    const prefix = `spread-${randomUUID()}`;
    const ids = ["replica-a", "replica-b", "replica-c"];
    const connections = ids.map(() => new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null }));
    for (const c of connections) c.on("error", () => {});
    const managers = ids.map(
      (holderId, i) => new LeaseManager({ redis: connections[i]!, holderId, ttlMs: TTL_MS, keyPrefix: prefix, logger }),
    );
    try {
      for (const m of managers) m.setClusters(CLUSTERS);
      // Started one after the other, so the first one takes everything before the others exist and must shed.
      for (const m of managers) {
        m.start();
        await sleep(100);
      }
      const spread = await until(
        "every cluster owned, 4 per replica",
        async () => {
          const table = await holders(prefix);
          const n = counts(table, ids);
          return n.every((k) => k === 4) ? table : undefined;
        },
        20_000,
        50,
      );
      expect([...spread.values()].every((h) => h !== undefined)).toBe(true);
      // The managers' own view agrees with Redis.
      for (const [i, m] of managers.entries()) {
        expect(m.heldClusters()).toEqual(CLUSTERS.filter((c) => spread.get(c) === ids[i]));
      }

      // Crash replica-a: its connection is cut, so it neither renews nor releases; its leases simply expire.
      const victim = ids[0]!;
      const orphans = CLUSTERS.filter((c) => spread.get(c) === victim);
      const tokensBefore = await Promise.all(orphans.map((c) => observer.get(redisKeys(prefix).lease(c))));
      const crashedAt = Date.now();
      connections[0]!.disconnect();
      const reownedAt = new Map<string, number>();
      await until(
        "every orphaned cluster owned by a survivor",
        async () => {
          const table = await holders(prefix);
          for (const c of orphans) {
            const h = table.get(c);
            if (h !== undefined && h !== victim && !reownedAt.has(c)) reownedAt.set(c, Date.now());
          }
          return reownedAt.size === orphans.length;
        },
        TTL_MS * 4 + 10_000,
        20,
      );
      const worst = Math.max(...[...reownedAt.values()].map((t) => t - crashedAt));
      console.log(`lease-spread: worst re-own after crash ${worst} ms (TTL ${TTL_MS} ms)`);
      expect(worst).toBeLessThanOrEqual(TTL_MS + TOLERANCE_MS);
      // The new holders carry larger fencing tokens than the crashed one's.
      const after = await Promise.all(orphans.map((c) => observer.get(redisKeys(prefix).lease(c))));
      for (const [i, value] of after.entries()) {
        expect(parseLeaseValue(value)!.token).toBeGreaterThan(parseLeaseValue(tokensBefore[i])!.token);
      }
      // And the two survivors settle at 6/6.
      await until(
        "6 clusters per survivor",
        async () => {
          const n = counts(await holders(prefix), ids.slice(1));
          return n[0] === 6 && n[1] === 6;
        },
        10_000,
        50,
      );
      // A lease the crashed replica still believes in is refused by Redis (fencing).
      const stale = new ClusterLease({
        redis: observer,
        cluster: orphans[0]!,
        holderId: victim,
        ttlMs: TTL_MS,
        keyPrefix: prefix,
      });
      expect(await stale.tryAcquire()).toBeUndefined();
    } finally {
      await Promise.all(managers.slice(1).map((m) => m.stop()));
      for (const c of connections) c.disconnect();
    }
  });
});
