import { hash } from "node:crypto";
import { promisify } from "node:util";
import { createGunzip, gzip } from "node:zlib";
import { KEY_PREFIX, type RedisKeys, redisKeys } from "../../crds-like-schemas/index.js";
import type { RedisClient } from "../../lib/redis.js";
import { gzipJsonArray, jsonArrayElements } from "./json-array-stream.js";
import type { SdDocument, TargetGroup } from "./target-groups.js";

export interface SdFence {
  assertHeld(): Promise<number>;
}

/** One cluster's published groups: the gzip of their JSON array, and the digest the writer stored with it. */
export interface PublishedGroups {
  digest: string;
  /** gzip of a JSON array of {@link TargetGroup}s, validated when read. */
  gzip: Buffer;
}

/** What every listed cluster has published. `revision` changes whenever any cluster's groups change. */
export interface SdSnapshot {
  revision: string;
  clusters: Map<string, PublishedGroups>;
}

/**
 * The published target groups of each cluster, in Redis (`redisKeys().sd` holds the gzipped JSON array and
 * `redisKeys().sdDigest` the document's digest), so that every controller replica serves the complete http_sd /
 * file_sd for all clusters whichever of them owns each cluster. Only the lease holder writes (fenced), and only
 * complete plans are ever written: a failed observation leaves the previous groups in place ("stale beats
 * partial").
 *
 * Readers poll the small digest keys and fetch a cluster's body only when its digest changed: on a 10,000-target
 * cluster the JSON is ~17 MB, and reading and parsing it every second was most of the controller's garbage.
 * Bodies stay gzipped in Redis and in memory (~1/15 of the size) and are served gzipped to http_sd clients.
 *
 * A cluster's body and digest share the cluster's hash tag (written in one MULTI); different clusters' digests
 * live in different slots of a Redis Cluster, so they are read one GET each (in parallel), never with one MGET.
 */
export class SdStore {
  /** Last good groups read per cluster, served while Redis has none (stale beats empty). */
  private readonly lastRead = new Map<string, PublishedGroups>();
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisClient,
    keyPrefix = KEY_PREFIX,
  ) {
    this.keys = redisKeys(keyPrefix);
  }

  key(cluster: string): string {
    return this.keys.sd(cluster);
  }

  digestKey(cluster: string): string {
    return this.keys.sdDigest(cluster);
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
    const body = await document.gzip();
    await this.redis.multi().set(this.key(cluster), body).set(this.digestKey(cluster), digest).exec();
    // The writer knows what it wrote: its next snapshot need not read the body back.
    this.lastRead.set(cluster, { digest, gzip: body });
    return true;
  }

  /**
   * What every listed cluster has published, in cluster order. A cluster whose body is missing or unreadable
   * (nothing published yet, Redis lost its data, or a corrupt value) keeps what this store last read for it.
   */
  async snapshot(clusters: readonly string[]): Promise<SdSnapshot> {
    const out = new Map<string, PublishedGroups>();
    const digests = await Promise.all(clusters.map((c) => this.redis.get(this.digestKey(c))));
    for (const [i, cluster] of clusters.entries()) {
      const cached = this.lastRead.get(cluster);
      const digest = digests[i];
      const fresh = digest && digest === cached?.digest ? cached : await this.read(cluster, digest);
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

  /**
   * Reads and checks a cluster's body (gzip, or plain JSON from an older writer); undefined when unusable. The
   * check is gzip's own CRC plus the bytes' being a JSON array, walked as they inflate: parsing the ~17 MB JSON of a
   * 10,000-target cluster on every change was the controller's largest allocation spike. The stored digest
   * identifies the body; without one (an older writer) the SHA-256 of the body does.
   */
  private async read(cluster: string, storedDigest: string | null | undefined): Promise<PublishedGroups | undefined> {
    const body = await this.redis.getBuffer(this.key(cluster));
    if (!body || body.length === 0) return undefined;
    try {
      if (!(await isJsonArray(bodyElements(body)))) return undefined;
      return { digest: storedDigest || sha256(body), gzip: isGzip(body) ? body : await gzipAsync(body) };
    } catch {
      return undefined;
    }
  }
}

/**
 * The gzipped http_sd document of a snapshot: every cluster's array joined into one, element by element. A single
 * cluster's stored body is the document as it is.
 */
export async function httpSdGzip(snapshot: SdSnapshot): Promise<Buffer> {
  const bodies = [...snapshot.clusters.values()];
  if (bodies.length === 1 && bodies[0]) return bodies[0].gzip;
  return gzipJsonArray(snapshotElements(snapshot));
}

/**
 * Every cluster's groups of a snapshot, in cluster order, parsed one by one as the bodies are inflated: the
 * documents are never held whole. Throws on a group that is not valid JSON.
 */
export async function* snapshotGroups(snapshot: SdSnapshot): AsyncGenerator<TargetGroup> {
  for await (const element of snapshotElements(snapshot)) yield JSON.parse(element) as TargetGroup;
}

async function* snapshotElements(snapshot: SdSnapshot): AsyncGenerator<string> {
  for (const { gzip } of snapshot.clusters.values()) yield* bodyElements(gzip);
}

/** The elements of a stored body's JSON array (gzip, or plain JSON from an older writer); a bad CRC throws. */
function bodyElements(body: Buffer): AsyncGenerator<string> {
  return jsonArrayElements(isGzip(body) ? createGunzip().end(body) : [body]);
}

const gzipAsync = promisify(gzip);

function isGzip(body: Buffer): boolean {
  return body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b;
}

function sha256(bytes: Buffer): string {
  return hash("sha256", bytes);
}

/** Whether the elements make one JSON array, walked without parsing them (a bad gzip CRC rejects too). */
async function isJsonArray(elements: AsyncIterable<string>): Promise<boolean> {
  try {
    for await (const _ of elements) {
      // Each element's own syntax is left to the consumers (Prometheus, file_sd's JSON.parse).
    }
    return true;
  } catch {
    return false;
  }
}
