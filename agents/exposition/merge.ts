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
  parts: string[];
}

/**
 * Merges snapshots into ONE text 0.0.4 exposition in which every family appears once, with one HELP and one
 * TYPE. Sources are taken in the given order (callers pass them sorted, the agent's own metrics first), and
 * families keep first-seen order. Conflicts are resolved deterministically: the first source to declare a
 * family fixes its type; a later source's family with another type is dropped whole and counted in
 * `typeConflicts`. The first non-empty HELP wins.
 */
export function mergeSnapshots(sources: Iterable<Snapshot>): { text: string; stats: MergeStats } {
  const byName = new Map<string, Merged>();
  const order: Merged[] = [];
  let typeConflicts = 0;
  for (const snapshot of sources) {
    for (const family of snapshot.families) {
      if (family.text === "") continue;
      const merged = byName.get(family.name);
      if (merged === undefined) {
        const created: Merged = { name: family.name, type: family.type, help: family.help, parts: [family.text] };
        byName.set(family.name, created);
        order.push(created);
      } else if (merged.type !== family.type) {
        typeConflicts++;
      } else {
        if (merged.help === undefined || merged.help === "") merged.help = family.help;
        merged.parts.push(family.text);
      }
    }
  }
  const out: string[] = [];
  for (const m of order) {
    const help = m.help === undefined || m.help === "" ? DEFAULT_HELP : m.help;
    out.push(`# HELP ${m.name} ${help}\n# TYPE ${m.name} ${m.type}\n`);
    for (const part of m.parts) out.push(part);
  }
  return { text: out.join(""), stats: { typeConflicts, families: order.length } };
}

/** Builds a snapshot family from already-escaped sample lines; HELP is given unescaped. */
export function syntheticFamily(name: string, type: PromType, help: string, lines: string[]): SnapshotFamily {
  return { name, type, help: escapeHelp(help), text: lines.join("") };
}
