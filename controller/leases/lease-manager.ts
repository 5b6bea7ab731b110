import type { Cluster, Redis } from "ioredis";
import { type RedisKeys, redisKeys } from "../../crds-like-schemas/contracts/redis-keys.js";
import type { LeaseStatus } from "../../crds-like-schemas/contracts/status-api.js";
import type { Logger } from "../../lib/logger.js";
import { ClusterLease } from "./cluster-lease.js";
import { planShare } from "./fair-share.js";
import { readLeaseHolders, surveyLeases } from "./lease-survey.js";

/** A round scheduled for a foreign lease's expiry runs this long after it, so that Redis has let the key go. */
const EXPIRY_MARGIN_MS = 25;
/** Rounds never follow each other closer than this. */
const MIN_ROUND_GAP_MS = 25;

export interface LeaseManagerOptions {
  redis: Redis | Cluster;
  /** This replica's id (config `controller.id`). */
  holderId: string;
  /** Lease TTL; renewals run every third of it. @defaultValue 15000 */
  ttlMs?: number;
  /** @defaultValue "ecsmon" */
  keyPrefix?: string;
  /** Cap held leases at ⌈clusters / live replicas⌉ so that replicas split the clusters (ADR 0070). @defaultValue true */
  balance?: boolean;
  logger: Logger;
  now?: () => number;
  /** Called after a lease is taken; the cluster's loop may start writing. */
  onAcquired?: (cluster: string, lease: ClusterLease) => void;
  /** Called as soon as a lease is known lost or given up; the cluster's loop must stop writing. */
  onLost?: (cluster: string) => void;
}

/** One row of the status API's lease table. */
/** One row of the lease table: the status API contract's type. */
export type { LeaseStatus };

/**
 * Splits clusters between controller replicas with one {@link ClusterLease} per cluster. Each {@link tick}
 * (every TTL/3 once started): heartbeat this replica in the replica registry (sorted set `<prefix>:replicas`,
 * score = expiry), renew the held leases, survey every cluster's lease, give up leases above the fair share and try
 * to take free ones ({@link planShare}, ADR 0070). A survivor retakes a dead replica's clusters as soon as their
 * leases expire, i.e. within TTL of the crash (plus a round trip).
 */
export class LeaseManager {
  private readonly redis: Redis | Cluster;
  private readonly holderId: string;
  private readonly ttlMs: number;
  private readonly prefix: string;
  private readonly keys: RedisKeys;
  private readonly balance: boolean;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly leases = new Map<string, ClusterLease>();
  /** Clusters whose acquisition was reported and whose loss was not yet. */
  private readonly holding = new Set<string>();
  private clusters: string[] = [];
  private tickCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly options: LeaseManagerOptions;

  constructor(options: LeaseManagerOptions) {
    this.options = options;
    this.redis = options.redis;
    this.holderId = options.holderId;
    this.ttlMs = options.ttlMs ?? 15_000;
    this.prefix = options.keyPrefix ?? "ecsmon";
    this.keys = redisKeys(this.prefix);
    this.balance = options.balance ?? true;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
  }

  get replicasKey(): string {
    return this.keys.replicas();
  }

  /** The clusters to split (from the current spec). Leases of clusters no longer listed are released. */
  setClusters(clusters: readonly string[]): void {
    this.clusters = [...new Set(clusters)].sort();
    for (const [cluster, lease] of this.leases) {
      if (!this.clusters.includes(cluster)) {
        this.leases.delete(cluster);
        if (this.holding.delete(cluster)) this.options.onLost?.(cluster);
        void lease.release().catch(() => {});
      }
    }
  }

  /** The lease of `cluster` when this replica holds it. */
  lease(cluster: string): ClusterLease | undefined {
    const lease = this.leases.get(cluster);
    return lease?.held ? lease : undefined;
  }

  /** Clusters this replica holds. */
  heldClusters(): string[] {
    return this.clusters.filter((c) => this.leases.get(c)?.held);
  }

  start(): void {
    if (this.timer) return;
    const period = Math.max(MIN_ROUND_GAP_MS, Math.floor(this.ttlMs / 3));
    const loop = () => {
      let delay = period;
      this.running = this.tick()
        .then((next) => {
          delay = next;
        })
        .catch((error: unknown) => this.logger.warn({ err: error }, "lease tick failed"))
        .finally(() => {
          this.running = undefined;
          if (this.timer) this.timer = setTimeout(loop, delay);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  /** Stops ticking and releases every held lease so that a standby takes over at once. */
  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    if (timer) clearTimeout(timer);
    await this.running;
    for (const [cluster, lease] of this.leases) {
      if (this.holding.delete(cluster)) this.options.onLost?.(cluster);
      await lease.release().catch(() => {});
    }
    await this.redis.zrem(this.replicasKey, this.holderId).catch(() => {});
  }

  /** Completed ticks since start (readiness: the first round of acquisitions has happened). */
  ticks(): number {
    return this.tickCount;
  }

  /** Gives up one cluster's lease now (its runtime cannot run); it may be taken again on a later tick. */
  async releaseCluster(cluster: string): Promise<void> {
    const lease = this.leases.get(cluster);
    if (!lease) return;
    this.lose(cluster, lease);
    await lease.release().catch(() => {});
  }

  /** One round of register / renew / rebalance / acquire. Public for tests. Resolves to the delay until the next. */
  async tick(): Promise<number> {
    try {
      return await this.round();
    } finally {
      this.tickCount++;
    }
  }

  /**
   * Heartbeat first, then renew: the registry entry of a replica that dies therefore expires no later than its leases,
   * so when a survivor finds a lease free it already counts one replica fewer and has room under its cap.
   * Returns the delay until the next round: TTL/3, or sooner when a lease held by another replica expires before that
   * (its holder stopped renewing), so that the lease is retaken as soon as it expires instead of up to TTL/3 later.
   */
  private async round(): Promise<number> {
    const now = this.now();
    await this.redis
      .multi()
      .zremrangebyscore(this.keys.replicas(), "-inf", String(now))
      .zadd(this.keys.replicas(), String(now + this.ttlMs), this.holderId)
      .exec();
    await Promise.all([...this.holding].map((cluster) => this.renew(cluster)));

    const survey = await surveyLeases(this.redis, this.keys, this.clusters, this.now());
    const mine = this.heldClusters();
    const plan = this.balance
      ? planShare({ me: this.holderId, clusters: this.clusters, live: survey.live, holders: survey.holders, mine })
      : {
          cap: Number.POSITIVE_INFINITY,
          release: [],
          acquire: this.clusters.filter((c) => !mine.includes(c) && survey.holders.get(c) === undefined),
          room: Number.POSITIVE_INFINITY,
        };
    for (const cluster of plan.release) {
      const lease = this.leases.get(cluster);
      if (!lease) continue;
      this.logger.info({ cluster, cap: plan.cap, replicas: survey.live.length }, "releasing lease above fair share");
      this.lose(cluster, lease);
      await lease.release().catch(() => {});
    }
    // Candidates beyond the room are tried only when another replica wins a race for one of the first ones.
    let taken = 0;
    for (const cluster of plan.acquire) {
      if (taken >= plan.room) break;
      if (await this.acquire(cluster)) taken++;
    }

    const period = Math.floor(this.ttlMs / 3);
    let next = period;
    for (const [cluster, remaining] of survey.remainingMs) {
      if (survey.holders.get(cluster) === this.holderId || this.leases.get(cluster)?.held) continue;
      next = Math.min(next, remaining + EXPIRY_MARGIN_MS);
    }
    return Math.max(MIN_ROUND_GAP_MS, next);
  }

  private async renew(cluster: string): Promise<void> {
    const lease = this.leases.get(cluster);
    if (!lease) {
      this.holding.delete(cluster);
      return;
    }
    let ok = false;
    try {
      ok = await lease.renew();
    } catch (error) {
      this.logger.warn({ err: error, cluster }, "lease renew failed");
      ok = lease.held;
    }
    if (!ok) this.lose(cluster, lease);
  }

  /** Tries to take one lease; true when taken. */
  private async acquire(cluster: string): Promise<boolean> {
    let lease = this.leases.get(cluster);
    if (lease?.held) return false;
    if (!lease) {
      lease = new ClusterLease({
        redis: this.redis,
        cluster,
        holderId: this.holderId,
        ttlMs: this.ttlMs,
        keyPrefix: this.prefix,
        now: this.now,
      });
      this.leases.set(cluster, lease);
    }
    const token = await lease.tryAcquire();
    if (token === undefined) return false;
    this.holding.add(cluster);
    this.logger.info({ cluster, fencingToken: token }, "lease acquired");
    this.options.onAcquired?.(cluster, lease);
    return true;
  }

  /** The lease table for every cluster, as Redis sees it (one GET per cluster, sent together). */
  async status(): Promise<LeaseStatus[]> {
    if (this.clusters.length === 0) return [];
    const { holders, tokens } = await readLeaseHolders(this.redis, this.keys.lease, this.clusters);
    return this.clusters.map((cluster) => {
      const holder = holders.get(cluster);
      return { cluster, holder, token: tokens.get(cluster), mine: holder === this.holderId };
    });
  }

  /** Reports a loss once per holding. */
  private lose(cluster: string, _lease: ClusterLease): void {
    if (!this.holding.delete(cluster)) return;
    this.logger.warn({ cluster }, "lease lost");
    this.options.onLost?.(cluster);
  }
}
