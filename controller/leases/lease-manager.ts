import type { Redis } from "ioredis";
import type { Logger } from "../../lib/logger.js";
import { ClusterLease, parseLeaseValue } from "./cluster-lease.js";

export interface LeaseManagerOptions {
  redis: Redis;
  /** This replica's id (config `controller.id`). */
  holderId: string;
  /** Lease TTL; renewals run every third of it. @defaultValue 15000 */
  ttlMs?: number;
  /** @defaultValue "ecsmon" */
  keyPrefix?: string;
  /** Cap held leases at ⌈clusters / live replicas⌉ so that replicas split the clusters. @defaultValue true */
  balance?: boolean;
  logger: Logger;
  now?: () => number;
  /** Called after a lease is taken; the cluster's loop may start writing. */
  onAcquired?: (cluster: string, lease: ClusterLease) => void;
  /** Called as soon as a lease is known lost or given up; the cluster's loop must stop writing. */
  onLost?: (cluster: string) => void;
}

/** One row of the status API's lease table. */
export interface LeaseStatus {
  cluster: string;
  holder: string | undefined;
  token: number | undefined;
  mine: boolean;
}

/**
 * Splits clusters between controller replicas with one {@link ClusterLease} per cluster. Each {@link tick}
 * (every TTL/3 once started): renew the held leases, heartbeat this replica in the replica registry (sorted set
 * `<prefix>:replicas`, score = expiry), give up leases above the fair share, and try to take unowned ones.
 * A standby therefore takes over a dead replica's clusters within TTL + TTL/3.
 */
export class LeaseManager {
  private readonly redis: Redis;
  private readonly holderId: string;
  private readonly ttlMs: number;
  private readonly prefix: string;
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
    this.balance = options.balance ?? true;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
  }

  get replicasKey(): string {
    return `${this.prefix}:replicas`;
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
    const loop = () => {
      this.running = this.tick()
        .catch((error: unknown) => this.logger.warn({ err: error }, "lease tick failed"))
        .finally(() => {
          this.running = undefined;
          if (this.timer) this.timer = setTimeout(loop, Math.max(200, Math.floor(this.ttlMs / 3)));
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

  /** One round of renew / register / rebalance / acquire. Public for tests. */
  async tick(): Promise<void> {
    try {
      await this.round();
    } finally {
      this.tickCount++;
    }
  }

  private async round(): Promise<void> {
    for (const cluster of [...this.holding]) {
      const lease = this.leases.get(cluster);
      if (!lease) {
        this.holding.delete(cluster);
        continue;
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
    const now = this.now();
    await this.redis
      .multi()
      .zremrangebyscore(this.replicasKey, "-inf", String(now))
      .zadd(this.replicasKey, String(now + this.ttlMs), this.holderId)
      .exec();
    const replicas = Math.max(1, await this.redis.zcard(this.replicasKey));
    const cap = this.balance ? Math.ceil(this.clusters.length / replicas) : Number.POSITIVE_INFINITY;
    const held = this.heldClusters();
    if (held.length > cap) {
      const extra = held[held.length - 1];
      const lease = extra ? this.leases.get(extra) : undefined;
      if (extra && lease) {
        this.logger.info({ cluster: extra, cap, replicas }, "releasing lease above fair share");
        this.lose(extra, lease);
        await lease.release();
      }
      return;
    }
    let count = held.length;
    for (const cluster of this.clusters) {
      if (count >= cap) break;
      let lease = this.leases.get(cluster);
      if (lease?.held) continue;
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
      if (token !== undefined) {
        count++;
        this.holding.add(cluster);
        this.logger.info({ cluster, fencingToken: token }, "lease acquired");
        this.options.onAcquired?.(cluster, lease);
      }
    }
  }

  /** The lease table for every cluster, as Redis sees it. */
  async status(): Promise<LeaseStatus[]> {
    if (this.clusters.length === 0) return [];
    const values = await this.redis.mget(...this.clusters.map((c) => `${this.prefix}:lease:${c}`));
    return this.clusters.map((cluster, i) => {
      const parsed = parseLeaseValue(values[i]);
      return { cluster, holder: parsed?.holderId, token: parsed?.token, mine: parsed?.holderId === this.holderId };
    });
  }

  /** Reports a loss once per holding. */
  private lose(cluster: string, _lease: ClusterLease): void {
    if (!this.holding.delete(cluster)) return;
    this.logger.warn({ cluster }, "lease lost");
    this.options.onLost?.(cluster);
  }
}
