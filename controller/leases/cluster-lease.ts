import type { Cluster, Redis } from "ioredis";
import { redisKeys } from "../../crds-like-schemas/contracts/redis-keys.js";

/** Thrown by {@link ClusterLease.assertHeld} when this replica no longer owns the cluster: stop writing at once. */
export class LeaseLostError extends Error {
  constructor(
    readonly cluster: string,
    message = `lease for cluster ${cluster} is no longer held`,
  ) {
    super(message);
    this.name = "LeaseLostError";
  }
}

/**
 * Atomically: take the lease if free, then stamp it with a fresh fencing token from the token counter. A token
 * counter that does not exist (first lease, or Redis lost its data) starts at the current epoch second, so
 * tokens stay monotonic across a Redis data loss.
 */
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local token = redis.call('INCR', KEYS[2])
  if token == 1 then
    token = tonumber(ARGV[3])
    redis.call('SET', KEYS[2], token)
  end
  redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
  return token
end
return false`;

/** Extends the TTL only when the value (holder|token) is still ours. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** Deletes the lease only when it is still ours. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

export interface ClusterLeaseOptions {
  redis: Redis | Cluster;
  cluster: string;
  /** Identifies this replica in the lease value. */
  holderId: string;
  /** @defaultValue 15000 */
  ttlMs?: number;
  /** Redis key prefix. @defaultValue "ecsmon" */
  keyPrefix?: string;
  now?: () => number;
}

/**
 * A Redis lease on one cluster with a fencing token. The lease key (`redisKeys(prefix).lease(cluster)`) holds
 * `<holderId>|<token>` with a PX TTL; tokens come from INCR on `leaseToken(cluster)` (same hash slot), so every new
 * holder gets a strictly larger token than any before it. A holder that cannot renew within the TTL (Redis
 * unreachable, process paused) considers itself lost locally, even before Redis agrees.
 */
export class ClusterLease {
  readonly cluster: string;
  readonly key: string;
  readonly tokenKey: string;
  private readonly redis: Redis | Cluster;
  private readonly holderId: string;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private value: string | undefined;
  private tokenValue: number | undefined;
  /** Local deadline: after it, the lease is treated as lost until renewed. */
  private validUntil = 0;

  constructor(options: ClusterLeaseOptions) {
    this.redis = options.redis;
    this.cluster = options.cluster;
    this.holderId = options.holderId;
    this.ttlMs = options.ttlMs ?? 15_000;
    this.now = options.now ?? Date.now;
    const keys = redisKeys(options.keyPrefix ?? "ecsmon");
    this.key = keys.lease(options.cluster);
    this.tokenKey = keys.leaseToken(options.cluster);
  }

  /** The fencing token while held. */
  get token(): number | undefined {
    return this.held ? this.tokenValue : undefined;
  }

  /** Whether this replica believes it holds the lease (local view; {@link assertHeld} asks Redis). */
  get held(): boolean {
    return this.value !== undefined && this.now() < this.validUntil;
  }

  /** Tries to take the lease. Returns the new fencing token, or undefined when someone else holds it. */
  async tryAcquire(): Promise<number | undefined> {
    if (this.held) return this.tokenValue;
    const started = this.now();
    const result = await this.redis.eval(
      ACQUIRE,
      2,
      this.key,
      this.tokenKey,
      this.holderId,
      String(this.ttlMs),
      String(Math.floor(Date.now() / 1_000)),
    );
    if (typeof result !== "number") return undefined;
    this.tokenValue = result;
    this.value = `${this.holderId}|${result}`;
    this.validUntil = started + this.ttlMs;
    return result;
  }

  /** Extends the lease. Returns false (and drops it locally) when it was lost. */
  async renew(): Promise<boolean> {
    if (!this.value) return false;
    const started = this.now();
    const result = await this.redis.eval(RENEW, 1, this.key, this.value, String(this.ttlMs));
    if (result === 1) {
      this.validUntil = started + this.ttlMs;
      return true;
    }
    this.drop();
    return false;
  }

  /** Gives the lease up so that a standby can take it at once. */
  async release(): Promise<void> {
    const value = this.value;
    this.drop();
    if (value) await this.redis.eval(RELEASE, 1, this.key, value);
  }

  /**
   * Checks in Redis that our token is still the current one. Call before every externally visible write
   * (dispatch, SD write, CloudWatch publish). Throws {@link LeaseLostError} otherwise.
   */
  async assertHeld(): Promise<number> {
    const value = this.value;
    const token = this.tokenValue;
    if (!value || token === undefined || this.now() >= this.validUntil) {
      this.drop();
      throw new LeaseLostError(this.cluster);
    }
    const current = await this.redis.get(this.key);
    if (current !== value) {
      this.drop();
      throw new LeaseLostError(this.cluster, `lease for cluster ${this.cluster} now held by ${current ?? "nobody"}`);
    }
    return token;
  }

  /** Who holds the lease according to Redis: `{ holderId, token }` or undefined. */
  async holder(): Promise<{ holderId: string; token: number } | undefined> {
    return parseLeaseValue(await this.redis.get(this.key));
  }

  private drop(): void {
    this.value = undefined;
    this.validUntil = 0;
  }
}

/** Parses a lease key's value `<holderId>|<token>`. */
export function parseLeaseValue(value: string | null | undefined): { holderId: string; token: number } | undefined {
  if (!value) return undefined;
  const bar = value.lastIndexOf("|");
  const token = Number(value.slice(bar + 1));
  if (bar <= 0 || !Number.isInteger(token)) return undefined;
  return { holderId: value.slice(0, bar), token };
}
