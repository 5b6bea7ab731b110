import { createHash } from "node:crypto";

/**
 * Deterministic per-key randomness for the node surfaces and workloads: the same key (a container runtime id,
 * an instance id) always yields the same profile, so a test can recompute what the simulator served.
 */
const MEMO_LIMIT = 200_000;
const digests = new Map<string, Buffer>();

/** sha512 of `key`, memoised: surfaces re-derive the same ids on every request. */
function digest(key: string): Buffer {
  let bytes = digests.get(key);
  if (!bytes) {
    if (digests.size >= MEMO_LIMIT) digests.clear();
    bytes = createHash("sha512").update(key).digest();
    digests.set(key, bytes);
  }
  return bytes;
}

export class Seeded {
  private readonly bytes: Buffer;
  private offset = 0;

  constructor(readonly key: string) {
    this.bytes = digest(key);
  }

  /** A float in [0, 1); draws cycle through 16 independent 32-bit words of the key's digest. */
  next(): number {
    const value = this.bytes.readUInt32BE((this.offset % 16) * 4) / 2 ** 32;
    this.offset++;
    return value;
  }

  /** A float in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return Math.min(max, Math.floor(this.between(min, max + 1)));
  }
}

/** Lower-case hex digest of `key`, `length` characters long (≤ 128). */
export function hexId(key: string, length = 64): string {
  return digest(key)
    .toString("hex", 0, Math.ceil(length / 2))
    .slice(0, length);
}

/** A locally administered unicast MAC address derived from `key`, e.g. "0a:1b:2c:3d:4e:5f". */
export function macFor(key: string): string {
  const hex = hexId(`mac:${key}`, 12);
  const first = ((Number.parseInt(hex.slice(0, 2), 16) | 0x02) & 0xfe).toString(16).padStart(2, "0");
  const rest = hex.slice(2).match(/../g) ?? [];
  return [first, ...rest].join(":");
}
