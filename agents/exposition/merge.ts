import { escapeHelp } from "./lexical.js";
import type { Snapshot, SnapshotFamily } from "./snapshot.js";
import type { PromType } from "./types.js";

/** Counts what a merge had to drop. */
export interface MergeStats {
  /** Families of a source dropped because an earlier source declared the same name with another type. */
  typeConflicts: number;
  families: number;
}

/** Written for families no source gave a HELP for, so that the output passes `promtool check metrics` lint. */
export const DEFAULT_HELP = "Scraped by the ecsmon agent; the target gave no HELP.";

interface Merged {
  name: string;
  type: PromType;
  help: string | undefined;
  parts: Buffer[];
}

/**
 * Merges snapshots into ONE text 0.0.4 exposition in which every family appears once, with one HELP and one
 * TYPE. Sources are taken in the given order (the agent passes its synthetic per-target series, then its own
 * metrics, then targets sorted by id), and families keep first-seen order. Conflicts are resolved
 * deterministically: the first source to declare a family fixes its type; a later source's family with
 * another type is dropped whole and counted in `typeConflicts`. The first non-empty HELP wins.
 * The result is a list of UTF-8 chunks that reuses each snapshot's rendered bytes (no copy, no re-encoding);
 * write them out in order or concatenate them.
 */
export function mergeSnapshotsToChunks(sources: Iterable<Snapshot>): {
  chunks: Buffer[];
  bytes: number;
  stats: MergeStats;
} {
  const byName = new Map<string, Merged>();
  const order: Merged[] = [];
  let typeConflicts = 0;
  for (const snapshot of sources) {
    for (const family of snapshot.families) {
      if (family.bytes.length === 0) continue;
      const merged = byName.get(family.name);
      if (merged === undefined) {
        const created: Merged = { name: family.name, type: family.type, help: family.help, parts: [family.bytes] };
        byName.set(family.name, created);
        order.push(created);
      } else if (merged.type !== family.type) {
        typeConflicts++;
      } else {
        if (merged.help === undefined || merged.help === "") merged.help = family.help;
        merged.parts.push(family.bytes);
      }
    }
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  for (const m of order) {
    const help = m.help === undefined || m.help === "" ? DEFAULT_HELP : m.help;
    const header = Buffer.from(`# HELP ${m.name} ${help}\n# TYPE ${m.name} ${m.type}\n`);
    chunks.push(header);
    bytes += header.length;
    for (const part of m.parts) {
      chunks.push(part);
      bytes += part.length;
    }
  }
  return { chunks, bytes, stats: { typeConflicts, families: order.length } };
}

/** {@link mergeSnapshotsToChunks} as one string (tests, small outputs). */
export function mergeSnapshots(sources: Iterable<Snapshot>): { text: string; stats: MergeStats } {
  const { chunks, bytes, stats } = mergeSnapshotsToChunks(sources);
  return { text: Buffer.concat(chunks, bytes).toString("utf8"), stats };
}

/** Builds a snapshot family from already-escaped sample lines; HELP is given unescaped. */
export function syntheticFamily(name: string, type: PromType, help: string, lines: string[]): SnapshotFamily {
  return { name, type, help: escapeHelp(help), bytes: Buffer.from(lines.join("")) };
}
