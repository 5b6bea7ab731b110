import { KEY_PREFIX, redisKeys } from "../../crds-like-schemas/contracts/redis-keys.js";
import type { Logger } from "../../lib/logger.js";
import { chunk } from "../../lib/map-limit.js";
import type { RedisClient } from "../../lib/redis.js";
import type { ObservedInstanceType, ObservedTask, ObservedTaskDefinition } from "../model.js";
import type { Ec2InstanceFacts } from "./ecs-mappers.js";
import {
  decodeInstanceFacts,
  decodeInstanceType,
  decodeTask,
  decodeTaskDefinition,
  encodeInstanceFacts,
  encodeInstanceType,
  encodeTask,
  encodeTaskDefinition,
} from "./shared-cache-codec.js";
import { PRUNE, STORE, SYNC } from "./shared-cache-scripts.js";
import { StringPool } from "./string-pool.js";

/**
 * What a writer must still hold for its writes to land: the cluster's lease key and the value this replica
 * stored there (`<holderId>|<token>`), or undefined when it does not hold the lease (nothing is written then).
 */
export interface CacheWriteFence {
  leaseKey: string;
  value(): string | undefined;
}

/** What the observer asks of the shared cache ({@link SharedObserveCache}; unit tests may fake it). */
export interface ObserveCachePort {
  taskDefinitions(arns: readonly string[]): Promise<Map<string, ObservedTaskDefinition>>;
  storeTaskDefinitions(definitions: readonly ObservedTaskDefinition[]): Promise<void>;
  /** Facts read within the max age, by instance id. */
  instanceFacts(ids: readonly string[]): Promise<Map<string, Ec2InstanceFacts>>;
  storeInstanceFacts(facts: ReadonlyMap<string, Ec2InstanceFacts>): Promise<void>;
  instanceTypes(names: readonly string[]): Promise<Map<string, ObservedInstanceType>>;
  storeInstanceTypes(types: readonly ObservedInstanceType[]): Promise<void>;
  /** Settled tasks (RUNNING, tags read) as the last holder described them, by ARN. */
  tasks(arns: readonly string[]): Promise<Map<string, ObservedTask>>;
  /**
   * Writes changed tasks and deletes gone ones; with `keepOnly`, also deletes every entry not in it (a new holder's
   * first sync). Returns whether everything landed (false: fenced off or failed).
   */
  syncTasks(
    upserts: readonly ObservedTask[],
    removed: readonly string[],
    keepOnly?: readonly string[],
  ): Promise<boolean>;
  /** Keeps each hash within its bound: when over it, drops the entries not in use (fenced). */
  prune(inUse: { taskDefinitionArns: Iterable<string>; instanceIds: Iterable<string> }): Promise<void>;
}

export interface SharedObserveCacheOptions {
  redis: RedisClient;
  /** Hash of task definitions by ARN (redisKeys(prefix).taskDefinitions(cluster)). */
  taskDefinitionsKey: string;
  /** Hash of EC2 facts (`ec2:<id>`) and instance types (`type:<name>`) (redisKeys(prefix).instanceFacts(cluster)). */
  instanceFactsKey: string;
  /** Hash of settled tasks by ARN (redisKeys(prefix).taskSnapshot(cluster)). */
  tasksKey: string;
  /** The lease fence. Without one (bare observers in benches and tests) writes are unfenced. */
  fence?: CacheWriteFence | undefined;
  /** @defaultValue 5000 */
  maxTaskDefinitions?: number;
  /** @defaultValue 20000 */
  maxInstanceFacts?: number;
  /** EC2 facts older than this are read from EC2 again (public IP and tags can change). @defaultValue 6 h */
  instanceFactsMaxAgeMs?: number;
  /** Each write refreshes the key's expiry, so a cluster that left the spec leaves no cache behind. @defaultValue 7 d */
  ttlMs?: number;
  /** A cache read slower than this counts as a miss: the cache must never stall an observation. @defaultValue 2000 */
  timeoutMs?: number;
  logger?: Logger | undefined;
  now?: () => number;
}

/** Counters of what the cache did, for logs and tests. */
export interface SharedCacheStats {
  hits: number;
  misses: number;
  written: number;
  /** Writes refused because this replica no longer holds the lease (or never did). */
  fenced: number;
  pruned: number;
  errors: number;
}

const READ_CHUNK = 1_000;
const WRITE_CHUNK = 500;

/**
 * The observer's shared memory in Redis (ADR 0068): what it learned that is immutable (task definitions by ARN,
 * instance types by name) or slow to change (EC2 facts by instance id), shared by every replica, so that a
 * replica taking a cluster over, or a restarted controller, does not ask AWS again.
 *
 * - Bounded: each hash is capped ({@link prune} drops what is not in use once over the cap) and expires a week
 *   after its last write.
 * - Versioned: the schema version is part of the key.
 * - Fenced: every write runs in a Lua script that first checks the cluster's lease key still holds this
 *   replica's `holder|token`. Task definitions and instance types are also written with HSETNX: they are
 *   immutable, so even an unfenced writer could only write the value already there.
 * - Never in the way: a Redis error or a read slower than `timeoutMs` is a miss, a failed write is dropped.
 */
export class SharedObserveCache implements ObserveCachePort {
  private readonly redis: RedisClient;
  private readonly maxTaskDefinitions: number;
  private readonly maxInstanceFacts: number;
  private readonly factsMaxAgeMs: number;
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  /** Repeated strings of revived tasks (ARNs, zones, statuses) shared, as the mappers share them. */
  private readonly pool = new StringPool();
  private readonly counters: SharedCacheStats = { hits: 0, misses: 0, written: 0, fenced: 0, pruned: 0, errors: 0 };

  constructor(private readonly options: SharedObserveCacheOptions) {
    this.redis = options.redis;
    this.maxTaskDefinitions = options.maxTaskDefinitions ?? 5_000;
    this.maxInstanceFacts = options.maxInstanceFacts ?? 20_000;
    this.factsMaxAgeMs = options.instanceFactsMaxAgeMs ?? 6 * 3_600_000;
    this.ttlMs = options.ttlMs ?? 7 * 86_400_000;
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.now = options.now ?? Date.now;
  }

  stats(): SharedCacheStats {
    return { ...this.counters };
  }

  async taskDefinitions(arns: readonly string[]): Promise<Map<string, ObservedTaskDefinition>> {
    const raw = await this.read(this.options.taskDefinitionsKey, arns);
    return this.decodeAll(arns, raw, (text) => decodeTaskDefinition(text));
  }

  storeTaskDefinitions(definitions: readonly ObservedTaskDefinition[]): Promise<void> {
    const pairs = definitions.map((d) => [d.taskDefinitionArn, encodeTaskDefinition(d)] as const);
    return this.store(this.options.taskDefinitionsKey, "nx", pairs);
  }

  async instanceFacts(ids: readonly string[]): Promise<Map<string, Ec2InstanceFacts>> {
    const raw = await this.read(
      this.options.instanceFactsKey,
      ids.map((id) => `ec2:${id}`),
    );
    const oldest = this.now() - this.factsMaxAgeMs;
    const found = this.decodeAll(ids, raw, (text) => {
      const entry = decodeInstanceFacts(text);
      return entry && entry.at >= oldest ? entry.facts : undefined;
    });
    return found;
  }

  storeInstanceFacts(facts: ReadonlyMap<string, Ec2InstanceFacts>): Promise<void> {
    const at = this.now();
    const pairs = [...facts].map(([id, f]) => [`ec2:${id}`, encodeInstanceFacts(f, at)] as const);
    return this.store(this.options.instanceFactsKey, "set", pairs);
  }

  async instanceTypes(names: readonly string[]): Promise<Map<string, ObservedInstanceType>> {
    const raw = await this.read(
      this.options.instanceFactsKey,
      names.map((name) => `type:${name}`),
    );
    return this.decodeAll(names, raw, (text) => decodeInstanceType(text));
  }

  storeInstanceTypes(types: readonly ObservedInstanceType[]): Promise<void> {
    const pairs = types.map((t) => [`type:${t.instanceType}`, encodeInstanceType(t)] as const);
    return this.store(this.options.instanceFactsKey, "nx", pairs);
  }

  async tasks(arns: readonly string[]): Promise<Map<string, ObservedTask>> {
    const raw = await this.read(this.options.tasksKey, arns);
    return this.decodeAll(arns, raw, (text) => decodeTask(text, this.pool));
  }

  async syncTasks(
    upserts: readonly ObservedTask[],
    removed: readonly string[],
    keepOnly?: readonly string[],
  ): Promise<boolean> {
    const key = this.options.tasksKey;
    const pairs = upserts.map((t) => [t.taskArn, encodeTask(t)] as const);
    const batches: [(readonly [string, string])[], string[]][] = [
      ...chunk(pairs, WRITE_CHUNK).map((b): [(readonly [string, string])[], string[]] => [b, []]),
      ...chunk([...removed], READ_CHUNK).map((b): [(readonly [string, string])[], string[]] => [[], b]),
    ];
    for (const [batch, deletions] of batches) {
      const args = [String(batch.length), ...batch.flat(), ...deletions];
      if (!(await this.write(key, SYNC, args, batch.length + deletions.length))) return false;
    }
    if (keepOnly) await this.pruneHash(key, keepOnly.length, keepOnly);
    return true;
  }

  async prune(inUse: { taskDefinitionArns: Iterable<string>; instanceIds: Iterable<string> }): Promise<void> {
    await this.pruneHash(this.options.taskDefinitionsKey, this.maxTaskDefinitions, [...inUse.taskDefinitionArns]);
    await this.pruneHash(
      this.options.instanceFactsKey,
      this.maxInstanceFacts,
      [...inUse.instanceIds].map((id) => `ec2:${id}`),
    );
  }

  private decodeAll<T>(
    names: readonly string[],
    raw: readonly (string | null)[],
    decode: (text: string | null | undefined) => T | undefined,
  ): Map<string, T> {
    const out = new Map<string, T>();
    names.forEach((name, i) => {
      const value = decode(raw[i]);
      if (value === undefined) return;
      out.set(name, value);
    });
    this.counters.hits += out.size;
    this.counters.misses += names.length - out.size;
    return out;
  }

  /** HMGET in chunks; any failure or a timeout reads as all-absent. */
  private async read(key: string, fields: readonly string[]): Promise<(string | null)[]> {
    if (fields.length === 0) return [];
    try {
      const parts = await this.bounded(
        Promise.all(chunk([...fields], READ_CHUNK).map((batch) => this.redis.hmget(key, ...batch))),
      );
      return parts.flat();
    } catch (error) {
      this.counters.errors++;
      this.options.logger?.warn({ err: error, key }, "shared observer cache read failed; asking AWS instead");
      return fields.map(() => null);
    }
  }

  private async store(key: string, mode: "nx" | "set", pairs: readonly (readonly [string, string])[]): Promise<void> {
    for (const batch of chunk([...pairs], WRITE_CHUNK)) {
      if (!(await this.write(key, STORE, [mode, ...batch.flat()], batch.length))) return;
    }
  }

  /**
   * Runs one fenced write script (ARGV after the lease value and the TTL: `args`) over `entries` entries.
   * Returns false when it did not land (fenced off or failed), so that the caller stops.
   */
  private async write(key: string, script: string, args: readonly string[], entries: number): Promise<boolean> {
    const fenceArgs = this.fenceArgs();
    if (!fenceArgs) {
      this.counters.fenced += entries;
      return false;
    }
    try {
      const result = (await this.bounded(
        this.redis.eval(
          script,
          fenceArgs.keys.length + 1,
          key,
          ...fenceArgs.keys,
          fenceArgs.value,
          String(this.ttlMs),
          ...args,
        ),
      )) as number;
      if (result === -1) {
        this.counters.fenced += entries;
        this.options.logger?.info({ key }, "shared observer cache write refused: lease no longer held");
        return false;
      }
      this.counters.written += result;
      return true;
    } catch (error) {
      this.counters.errors++;
      this.options.logger?.warn({ err: error, key }, "shared observer cache write failed");
      return false;
    }
  }

  private async pruneHash(key: string, max: number, keep: readonly string[]): Promise<void> {
    try {
      if ((await this.bounded(this.redis.hlen(key))) <= max) return;
      const fenceArgs = this.fenceArgs();
      if (!fenceArgs) return;
      const removed = (await this.bounded(
        this.redis.eval(
          PRUNE,
          fenceArgs.keys.length + 1,
          key,
          ...fenceArgs.keys,
          fenceArgs.value,
          String(max),
          ...keep,
        ),
      )) as number;
      if (removed > 0) this.counters.pruned += removed;
    } catch (error) {
      this.counters.errors++;
      this.options.logger?.warn({ err: error, key }, "shared observer cache prune failed");
    }
  }

  /** The fence's lease key and expected value; undefined when a fence exists but the lease is not held. */
  private fenceArgs(): { keys: string[]; value: string } | undefined {
    const fence = this.options.fence;
    if (!fence) return { keys: [], value: "" };
    const value = fence.value();
    return value === undefined ? undefined : { keys: [fence.leaseKey], value };
  }

  private bounded<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}

/**
 * The controller's shared cache of one cluster: keys from the contract, writes fenced by the cluster's lease as
 * this replica holds it (`<holderId>|<token>`, the lease key's value while it is ours).
 */
export function sharedObserveCache(
  redis: RedisClient,
  keyPrefix: string | undefined,
  cluster: string,
  holderId: string,
  lease: { key: string; token: number | undefined } | undefined,
  logger?: Logger,
): SharedObserveCache {
  const keys = redisKeys(keyPrefix ?? KEY_PREFIX);
  return new SharedObserveCache({
    redis,
    taskDefinitionsKey: keys.taskDefinitions(cluster),
    instanceFactsKey: keys.instanceFacts(cluster),
    tasksKey: keys.taskSnapshot(cluster),
    fence: lease && {
      leaseKey: lease.key,
      value: () => (lease.token === undefined ? undefined : `${holderId}|${lease.token}`),
    },
    logger,
  });
}
