import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { SdDocument, TargetGroup } from "./target-groups.js";

export interface SdFence {
  assertHeld(): Promise<number>;
}

/** One cluster's published groups: the JSON array as stored, and its content digest. */
export interface PublishedGroups {
  digest: string;
  /** A JSON array of {@link TargetGroup}s, validated when read. */
  json: string;
}

/** What every listed cluster has published. `revision` changes whenever any cluster's groups change. */
export interface SdSnapshot {
  revision: string;
  clusters: Map<string, PublishedGroups>;
}

/**
 * The published target groups of each cluster, in Redis (`<prefix>:sd:<cluster>` holds the JSON array and
 * `<prefix>:sd:<cluster>:digest` its SHA-256), so that every controller replica serves the complete http_sd /
 * file_sd for all clusters whichever of them owns each cluster. Only the lease holder writes (fenced), and only
 * complete plans are ever written: a failed observation leaves the previous groups in place ("stale beats
 * partial").
 *
 * Readers poll the small digest keys and fetch a cluster's body only when its digest changed: on a 10,000-target
 * cluster the body is ~17 MB, and reading and parsing it every second was most of the controller's garbage.
 */
export class SdStore {
  /** Last good groups read per cluster, served while Redis has none (stale beats empty). */
  private readonly lastRead = new Map<string, PublishedGroups>();

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix = "ecsmon",
  ) {}

  key(cluster: string): string {
    return `${this.keyPrefix}:sd:${cluster}`;
  }

  digestKey(cluster: string): string {
    return `${this.key(cluster)}:digest`;
  }

  /** Stores the cluster's document if it differs from what Redis holds. Returns whether Redis was written. */
  async put(cluster: string, document: SdDocument, fence: SdFence): Promise<boolean> {
    const { digest } = document;
    const [stored, bodyExists] = await Promise.all([
      this.redis.get(this.digestKey(cluster)),
      this.redis.exists(this.key(cluster)),
    ]);
    if (stored === digest && bodyExists === 1) return false;
    await fence.assertHeld();
    await this.redis.multi().set(this.key(cluster), document.json()).set(this.digestKey(cluster), digest).exec();
    return true;
  }

  /**
   * What every listed cluster has published, in cluster order. A cluster whose body is missing or unreadable
   * (nothing published yet, Redis lost its data, or a corrupt value) keeps what this store last read for it.
   */
  async snapshot(clusters: readonly string[]): Promise<SdSnapshot> {
    const out = new Map<string, PublishedGroups>();
    const digests = clusters.length > 0 ? await this.redis.mget(...clusters.map((c) => this.digestKey(c))) : [];
    for (const [i, cluster] of clusters.entries()) {
      const cached = this.lastRead.get(cluster);
      const digest = digests[i];
      const fresh = digest && digest === cached?.digest ? cached : await this.read(cluster);
      const groups = fresh ?? cached;
      if (groups) {
        this.lastRead.set(cluster, groups);
        out.set(cluster, groups);
      }
    }
    for (const cluster of this.lastRead.keys()) if (!clusters.includes(cluster)) this.lastRead.delete(cluster);
    const revision = [...out].map(([cluster, groups]) => `${cluster}=${groups.digest}`).join(",");
    return { revision, clusters: out };
  }

  /** Groups of every listed cluster, parsed, in cluster order. */
  async all(clusters: readonly string[]): Promise<TargetGroup[]> {
    return parseGroups(await this.snapshot(clusters));
  }

  /** Reads and validates a cluster's body; undefined when missing or not a JSON array. */
  private async read(cluster: string): Promise<PublishedGroups | undefined> {
    const json = await this.redis.get(this.key(cluster));
    if (!json) return undefined;
    try {
      if (!Array.isArray(JSON.parse(json))) return undefined;
    } catch {
      return undefined;
    }
    return { digest: sha256(json), json };
  }
}

/** The http_sd document of a snapshot: every cluster's array joined into one, without re-serialising. */
export function httpSdBody(snapshot: SdSnapshot): string {
  const parts: string[] = [];
  for (const { json } of snapshot.clusters.values()) {
    const inner = json.slice(json.indexOf("[") + 1, json.lastIndexOf("]")).trim();
    if (inner.length > 0) parts.push(inner);
  }
  return `[${parts.join(",")}]`;
}

/** Every cluster's groups of a snapshot, parsed, in cluster order. */
export function parseGroups(snapshot: SdSnapshot): TargetGroup[] {
  return [...snapshot.clusters.values()].flatMap((groups) => JSON.parse(groups.json) as TargetGroup[]);
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
