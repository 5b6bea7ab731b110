import type { Redis } from "ioredis";
import type { TargetGroup } from "./target-groups.js";

export interface SdFence {
  assertHeld(): Promise<number>;
}

/**
 * The published target groups of each cluster, in Redis (`<prefix>:sd:<cluster>`), so that every controller
 * replica serves the complete http_sd / file_sd for all clusters whichever of them owns each cluster. Only
 * the lease holder writes (fenced), and only complete plans are ever written: a failed observation leaves
 * the previous groups in place ("stale beats partial").
 */
export class SdStore {
  private readonly lastWritten = new Map<string, string>();
  /** Last groups read per cluster, served while Redis has none. */
  private readonly lastRead = new Map<string, TargetGroup[]>();

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix = "ecsmon",
  ) {}

  key(cluster: string): string {
    return `${this.keyPrefix}:sd:${cluster}`;
  }

  /** Stores the cluster's groups if they changed. Returns whether Redis was written. */
  async put(cluster: string, groups: readonly TargetGroup[], fence: SdFence): Promise<boolean> {
    const json = JSON.stringify(groups);
    const current = await this.redis.get(this.key(cluster));
    if (current === json) {
      this.lastWritten.set(cluster, json);
      return false;
    }
    await fence.assertHeld();
    await this.redis.set(this.key(cluster), json);
    this.lastWritten.set(cluster, json);
    return true;
  }

  /** Groups of every listed cluster, in cluster order; clusters with nothing published yet contribute none. */
  async all(clusters: readonly string[]): Promise<TargetGroup[]> {
    return [...(await this.byCluster(clusters)).values()].flat();
  }

  /**
   * Groups per cluster. A cluster whose key is missing or unreadable (nothing published yet, or Redis lost its
   * data) keeps what this store last read for it: stale beats empty.
   */
  async byCluster(clusters: readonly string[]): Promise<Map<string, TargetGroup[]>> {
    const out = new Map<string, TargetGroup[]>();
    if (clusters.length === 0) return out;
    const values = await this.redis.mget(...clusters.map((c) => this.key(c)));
    clusters.forEach((cluster, i) => {
      const value = values[i];
      let groups: TargetGroup[] | undefined;
      if (value) {
        try {
          const parsed = JSON.parse(value) as unknown;
          if (Array.isArray(parsed)) groups = parsed as TargetGroup[];
        } catch {
          groups = undefined;
        }
      }
      groups ??= this.lastRead.get(cluster);
      if (groups) {
        this.lastRead.set(cluster, groups);
        out.set(cluster, groups);
      }
    });
    for (const cluster of this.lastRead.keys()) if (!clusters.includes(cluster)) this.lastRead.delete(cluster);
    return out;
  }

  /** Forgets the local write cache of a cluster (after losing or regaining its lease). */
  forget(cluster: string): void {
    this.lastWritten.delete(cluster);
  }
}
