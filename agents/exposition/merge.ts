import { seriesKey } from "./body-series-keys.js";
import { escapeHelp } from "./lexical.js";
import { parseSampleLine } from "./sample-line.js";
import type { Snapshot, SnapshotFamily } from "./snapshot.js";
import type { Label, PromType } from "./types.js";

/** What a merge had to change or drop, in series (sample lines). */
export interface MergeStats {
  families: number;
  /** Dropped: an earlier source already gave the same name and label set. */
  duplicates: number;
  /** Dropped: their family's TYPE conflicts with an earlier histogram or summary that cannot carry them. */
  typeConflicts: number;
  /** Written as `untyped` because sources gave their family different counter/gauge/untyped types. */
  untyped: number;
  /** Written into a histogram or summary whose `_count`/`_sum`/`_bucket` name they have (their own family dropped). */
  folded: number;
}

/** Written for families no source gave a HELP for, so that the output passes `promtool check metrics` lint. */
export const DEFAULT_HELP = "Scraped by the ecsmon agent; the target gave no HELP.";

const EMPTY = Buffer.alloc(0);
const SIMPLE = new Set<PromType>(["counter", "gauge", "untyped"]);
/** Sample-name suffixes that the 0.0.4 parser (expfmt) attaches to a histogram or summary family. */
const CLAIMED: Partial<Record<PromType, readonly string[]>> = {
  histogram: ["_bucket", "_count", "_sum"],
  summary: ["_count", "_sum"],
};

interface Part {
  source: number;
  type: PromType;
  help: string | undefined;
  bytes: Buffer;
}

interface Group {
  name: string;
  type: PromType;
  help: string | undefined;
  parts: Part[];
  alive: boolean;
  /** Parts were filtered or folded in, so the cheap "sources cannot collide" argument no longer holds. */
  dedup: boolean;
  /** Position in first-seen order. */
  index: number;
}

/**
 * Merges snapshots into ONE text 0.0.4 exposition that `promtool check metrics` accepts: every family once with
 * one HELP and one TYPE, every series once. Sources are taken in the given order (the agent passes its synthetic
 * per-target series, then its own metrics, then targets sorted by id); families keep first-seen order.
 * Conflicts follow how Prometheus itself reads a body (ADR 0044):
 * - Same name, different counter/gauge/untyped types: written `untyped`, every series kept (what Prometheus's
 *   `/federate` does for every family).
 * - Same name, a histogram or summary involved: the first source's type wins; a later family's series that
 *   Prometheus's parser would attribute to it (`_bucket` with `le`, `_count`, `_sum`, quantiles) are kept, the
 *   rest are dropped and counted.
 * - A family named like a histogram/summary suffix (`foo_count` next to histogram `foo`): the 0.0.4 parser
 *   reads its HELP/TYPE as a second one for `foo`, so its fitting series are folded into `foo`, the rest dropped.
 * - The same series (name and label set, in any order) from two sources: the first is kept. Sources whose
 *   injected labels differ in a shared label cannot collide, so only the rest are checked line by line.
 * The result is a list of UTF-8 chunks that reuses each snapshot's rendered bytes where nothing changed.
 */
export function mergeSnapshotsToChunks(sources: readonly Snapshot[]): {
  chunks: Buffer[];
  bytes: number;
  stats: MergeStats;
} {
  const stats: MergeStats = { families: 0, duplicates: 0, typeConflicts: 0, untyped: 0, folded: 0 };
  const { groups, byName } = groupFamilies(sources);
  for (const group of groups) resolveSameName(group, stats);
  resolveSuffixClashes(groups, byName, stats);
  const { partners, needle } = compatiblePartners(sources);
  const stamp = new Int32Array(sources.length).fill(-1);
  const chunks: Buffer[] = [];
  let bytes = 0;
  groups.forEach((group, index) => {
    if (!group.alive) return;
    if (group.dedup || mayCollide(group, index, sources, partners, needle, stamp)) dropDuplicates(group, stats);
    if (group.parts.every((p) => p.bytes.length === 0)) return;
    stats.families++;
    const help = group.help === undefined || group.help === "" ? DEFAULT_HELP : group.help;
    const header = Buffer.from(`# HELP ${group.name} ${help}\n# TYPE ${group.name} ${group.type}\n`);
    chunks.push(header);
    bytes += header.length;
    for (const part of group.parts) {
      if (part.bytes.length === 0) continue;
      chunks.push(part.bytes);
      bytes += part.bytes.length;
    }
  });
  return { chunks, bytes, stats };
}

/** {@link mergeSnapshotsToChunks} as one string (tests, small outputs). */
export function mergeSnapshots(sources: readonly Snapshot[]): { text: string; stats: MergeStats } {
  const { chunks, bytes, stats } = mergeSnapshotsToChunks(sources);
  return { text: Buffer.concat(chunks, bytes).toString("utf8"), stats };
}

/** Builds a snapshot family from already-escaped sample lines; HELP is given unescaped. */
export function syntheticFamily(name: string, type: PromType, help: string, lines: string[]): SnapshotFamily {
  return { name, type, help: escapeHelp(help), bytes: Buffer.from(lines.join("")) };
}

function groupFamilies(sources: readonly Snapshot[]): { groups: Group[]; byName: Map<string, Group> } {
  const byName = new Map<string, Group>();
  const groups: Group[] = [];
  // Runs for every family of every source on every render: indexed loops, and the targets of one service list
  // the same families in the same order, so the group after the previous family's is tried before the map.
  for (let source = 0; source < sources.length; source++) {
    const families = sources[source]!.families;
    let next = -1;
    for (let f = 0; f < families.length; f++) {
      const family = families[f]!;
      const bytes = family.bytes;
      if (bytes.length === 0) continue;
      const part: Part = { source, type: family.type, help: family.help, bytes };
      const guess = next >= 0 && next < groups.length ? groups[next]! : undefined;
      let group = guess !== undefined && guess.name === family.name ? guess : byName.get(family.name);
      if (group === undefined) {
        group = {
          name: family.name,
          type: family.type,
          help: family.help,
          parts: [part],
          alive: true,
          dedup: false,
          index: groups.length,
        };
        byName.set(family.name, group);
        groups.push(group);
      } else {
        if (group.help === undefined || group.help === "") group.help = family.help;
        group.parts.push(part);
      }
      next = group.index + 1;
    }
  }
  return { groups, byName };
}

function resolveSameName(group: Group, stats: MergeStats): void {
  if (group.parts.every((p) => p.type === group.type)) return;
  if (SIMPLE.has(group.type)) {
    let untyped = false;
    for (const part of group.parts) {
      if (SIMPLE.has(part.type)) {
        if (part.type !== group.type) untyped = true;
        continue;
      }
      stats.typeConflicts += lineCount(part.bytes);
      part.bytes = EMPTY;
    }
    if (untyped) {
      group.type = "untyped";
      for (const part of group.parts) stats.untyped += lineCount(part.bytes);
    }
    return;
  }
  group.dedup = true;
  for (const part of group.parts) {
    if (part.type === group.type) continue;
    const { kept, dropped } = filterLines(part.bytes, (name, labels) => fits(group.name, group.type, name, labels));
    stats.typeConflicts += dropped;
    part.bytes = kept;
  }
}

/** Shortest names first, so that a family already folded into a shorter one makes no claims of its own. */
function resolveSuffixClashes(groups: Group[], byName: Map<string, Group>, stats: MergeStats): void {
  const complex = groups.filter((g) => CLAIMED[g.type] !== undefined).sort((a, b) => a.name.length - b.name.length);
  for (const owner of complex) {
    if (!owner.alive) continue;
    for (const suffix of CLAIMED[owner.type]!) {
      const other = byName.get(owner.name + suffix);
      if (other === undefined || !other.alive) continue;
      other.alive = false;
      owner.dedup = true;
      for (const part of other.parts) {
        const { kept, dropped } = filterLines(part.bytes, (name, labels) => fits(owner.name, owner.type, name, labels));
        stats.typeConflicts += dropped;
        stats.folded += lineCount(kept);
        if (kept.length > 0) owner.parts.push({ source: part.source, type: owner.type, help: undefined, bytes: kept });
      }
    }
  }
}

/** Whether a sample named `name` belongs to family `family` of `type`, as Prometheus's `isSeriesPartOfFamily` and expfmt read it. */
function fits(family: string, type: PromType, name: string, labels: readonly Label[]): boolean {
  const has = (label: string) => labels.some((l) => l.name === label);
  if (type === "histogram")
    return (name === `${family}_bucket` && has("le")) || name === `${family}_count` || name === `${family}_sum`;
  if (type === "summary")
    return (name === family && has("quantile")) || name === `${family}_count` || name === `${family}_sum`;
  return name === family;
}

/**
 * For each labelled source, the other labelled sources whose injected labels agree on every shared name: only
 * those can render the same series. Sources are bucketed by the value of the label that every labelled source
 * injects and that has the most distinct values (`task_id` for ECS targets), so that only sources in one bucket
 * are compared: near-linear for a node's targets instead of quadratic. `needle` is that label as written
 * (`task_id="`): a source that injects nothing (the agent's own) can only repeat a labelled source's series in
 * lines that contain it. Undefined when no label is common to all labelled sources.
 */
function compatiblePartners(sources: readonly Snapshot[]): { partners: number[][]; needle: Buffer | undefined } {
  const partners: number[][] = sources.map(() => []);
  const labelled: number[] = [];
  sources.forEach((s, i) => {
    if (s.injected.length > 0) labelled.push(i);
  });
  const key = bucketLabel(sources, labelled);
  const needle = key === undefined ? undefined : Buffer.from(`${key}="`);
  if (labelled.length < 2) return { partners, needle };
  const buckets = new Map<string, number[]>();
  for (const i of labelled) {
    const value = key === undefined ? "" : sources[i]!.injected.find((l) => l.name === key)!.value;
    let bucket = buckets.get(value);
    if (bucket === undefined) {
      bucket = [];
      buckets.set(value, bucket);
    }
    bucket.push(i);
  }
  for (const bucket of buckets.values()) {
    for (let x = 0; x < bucket.length; x++) {
      for (let y = x + 1; y < bucket.length; y++) {
        const a = bucket[x]!;
        const b = bucket[y]!;
        if (agree(sources[a]!.injected, sources[b]!.injected)) {
          partners[a]!.push(b);
          partners[b]!.push(a);
        }
      }
    }
  }
  return { partners, needle };
}

/** Sources sampled to rank the candidate bucket labels by distinct values. */
const BUCKET_SAMPLE = 64;

/**
 * A label name that every labelled source injects (required: it decides which sources are ever compared), the
 * one with the most distinct values among the first {@link BUCKET_SAMPLE} labelled sources (only a matter of
 * speed: fewer sources per bucket).
 */
function bucketLabel(sources: readonly Snapshot[], labelled: readonly number[]): string | undefined {
  const counts = new Map<string, number>();
  for (const i of labelled) {
    for (const l of sources[i]!.injected) counts.set(l.name, (counts.get(l.name) ?? 0) + 1);
  }
  let best: string | undefined;
  let distinct = 0;
  for (const [name, count] of counts) {
    if (count !== labelled.length) continue;
    const values = new Set<string>();
    for (let k = 0; k < labelled.length && k < BUCKET_SAMPLE; k++) {
      values.add(sources[labelled[k]!]!.injected.find((l) => l.name === name)!.value);
    }
    if (values.size > distinct) {
      best = name;
      distinct = values.size;
    }
  }
  return best;
}

/** Two name-sorted label lists agree when no name present in both has two values. */
function agree(a: readonly Label[], b: readonly Label[]): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x.name === y.name) {
      if (x.value !== y.value) return false;
      i++;
      j++;
    } else if (x.name < y.name) i++;
    else j++;
  }
  return true;
}

/** Whether two parts of the group might hold the same series (then it is checked line by line). */
function mayCollide(
  group: Group,
  index: number,
  sources: readonly Snapshot[],
  partners: readonly number[][],
  needle: Buffer | undefined,
  stamp: Int32Array,
): boolean {
  if (group.parts.length < 2) return false;
  let unlabelled = false;
  for (const part of group.parts) {
    if (stamp[part.source] === index) return true;
    stamp[part.source] = index;
    if (sources[part.source]!.injected.length > 0) continue;
    if (unlabelled || needle === undefined || part.bytes.includes(needle)) return true;
    unlabelled = true;
  }
  for (const part of group.parts) {
    for (const other of partners[part.source]!) if (stamp[other] === index) return true;
  }
  return false;
}

/** Keeps the first occurrence of every series (name and label set, any order) across the group's parts. */
function dropDuplicates(group: Group, stats: MergeStats): void {
  const seen = new Set<string>();
  for (const part of group.parts) {
    const { kept, dropped } = filterLines(part.bytes, (name, labels) => {
      const key = seriesKey(name, labels);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    stats.duplicates += dropped;
    part.bytes = kept;
  }
}

/** Filters the rendered (valid 0.0.4) lines of a part; returns the same buffer when every line is kept. */
function filterLines(
  bytes: Buffer,
  keep: (name: string, labels: readonly Label[]) => boolean,
): { kept: Buffer; dropped: number } {
  const lines = bytes.toString("utf8").split("\n");
  lines.pop();
  let out = "";
  let dropped = 0;
  for (const line of lines) {
    const sample = parseSampleLine(line, false);
    if (keep(sample.name, sample.labels)) out += `${line}\n`;
    else dropped++;
  }
  return { kept: dropped === 0 ? bytes : Buffer.from(out), dropped };
}

function lineCount(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}
