import {
  type CapacityReport,
  type Heartbeat,
  KEY_PREFIX,
  type RedisKeys,
  redisKeys,
  type TargetHealth,
} from "../../crds-like-schemas/index.js";
import type { RedisClient } from "../../lib/redis.js";

/** A heartbeat as stored: the agent's report plus when this controller fleet received it (epoch ms). */
export interface StoredHeartbeat extends Heartbeat {
  receivedAt: number;
}

export interface StoredHealth extends TargetHealth {
  nodeId: string;
  receivedAt: number;
}

export interface StoredCapacity extends CapacityReport {
  receivedAt: number;
}

/** How long report hashes of a cluster nobody writes to survive. @defaultValue one day */
const REPORT_KEY_TTL_S = 86_400;

/**
 * The latest agent reports per cluster, in Redis, so that whichever replica consumed a report (BullMQ hands each
 * job to one worker) the replica holding the cluster's lease sees it. Level-triggered: the owner reads the
 * latest state each tick instead of reacting to individual messages.
 *
 * Keys: `redisKeys().reports(cluster, kind)`: `heartbeats` (field nodeId), `health` (field targetId), `capacity` (field
 * nodeId). Every command below touches one key.
 */
export class ReportStore {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisClient,
    keyPrefix = KEY_PREFIX,
  ) {
    this.keys = redisKeys(keyPrefix);
  }

  key(cluster: string, kind: "heartbeats" | "health" | "capacity"): string {
    return this.keys.reports(cluster, kind);
  }

  async putHeartbeat(report: Heartbeat, receivedAt: number): Promise<void> {
    const key = this.key(report.cluster, "heartbeats");
    const value: StoredHeartbeat = { ...report, receivedAt };
    await this.redis.multi().hset(key, report.nodeId, JSON.stringify(value)).expire(key, REPORT_KEY_TTL_S).exec();
  }

  async putHealth(cluster: string, nodeId: string, results: TargetHealth[], receivedAt: number): Promise<void> {
    if (results.length === 0) return;
    const key = this.key(cluster, "health");
    const fields: string[] = [];
    for (const r of results)
      fields.push(r.targetId, JSON.stringify({ ...r, nodeId, receivedAt } satisfies StoredHealth));
    await this.redis
      .multi()
      .hset(key, ...fields)
      .expire(key, REPORT_KEY_TTL_S)
      .exec();
  }

  async putCapacity(report: CapacityReport, receivedAt: number): Promise<void> {
    const key = this.key(report.cluster, "capacity");
    const value: StoredCapacity = { ...report, receivedAt };
    await this.redis.multi().hset(key, report.nodeId, JSON.stringify(value)).expire(key, REPORT_KEY_TTL_S).exec();
  }

  heartbeats(cluster: string): Promise<Map<string, StoredHeartbeat>> {
    return this.readAll<StoredHeartbeat>(this.key(cluster, "heartbeats"));
  }

  /**
   * Visits a cluster's health results in batches of about `batchSize` (HSCAN), so that a large fleet's results are
   * never all in memory at once: each batch is garbage as soon as `visit` returns. A result changed during the
   * scan may be visited twice or in its old or new version, as HSCAN guarantees only that every field present
   * throughout is visited at least once. Corrupt entries come as `undefined` (their field is still named).
   */
  async forEachHealth(
    cluster: string,
    visit: (batch: Array<[targetId: string, health: StoredHealth | undefined]>) => void,
    batchSize = 1_000,
  ): Promise<void> {
    const key = this.key(cluster, "health");
    let cursor = "0";
    do {
      const [next, flat] = await this.redis.hscan(key, cursor, "COUNT", batchSize);
      const batch: Array<[string, StoredHealth | undefined]> = [];
      for (let i = 0; i + 1 < flat.length; i += 2) batch.push([flat[i] as string, parseJson(flat[i + 1] as string)]);
      visit(batch);
      cursor = next;
    } while (cursor !== "0");
  }

  capacity(cluster: string): Promise<Map<string, StoredCapacity>> {
    return this.readAll<StoredCapacity>(this.key(cluster, "capacity"));
  }

  /** Drops entries of targets/nodes that no longer exist. */
  async forget(cluster: string, kind: "heartbeats" | "health" | "capacity", fields: string[]): Promise<void> {
    if (fields.length > 0) await this.redis.hdel(this.key(cluster, kind), ...fields);
  }

  private async readAll<T>(key: string): Promise<Map<string, T>> {
    const raw = await this.redis.hgetall(key);
    const out = new Map<string, T>();
    for (const [field, json] of Object.entries(raw)) {
      const value = parseJson<T>(json);
      // A corrupt entry is skipped; the next report overwrites it.
      if (value !== undefined) out.set(field, value);
    }
    return out;
  }
}

function parseJson<T>(json: string): T | undefined {
  try {
    return JSON.parse(json) as T;
  } catch {
    return undefined;
  }
}
