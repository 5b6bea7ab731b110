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
    if (this.lastWritten.get(cluster) === json) return false;
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
    if (clusters.length === 0) return [];
    const values = await this.redis.mget(...clusters.map((c) => this.key(c)));
    const out: TargetGroup[] = [];
    for (const value of values) {
      if (!value) continue;
      try {
        const groups = JSON.parse(value) as TargetGroup[];
        if (Array.isArray(groups)) out.push(...groups);
      } catch {
        // Corrupt value: skipped until the owner rewrites it.
      }
    }
    return out;
  }

  /** Forgets the local write cache of a cluster (after losing or regaining its lease). */
  forget(cluster: string): void {
    this.lastWritten.delete(cluster);
  }
}
