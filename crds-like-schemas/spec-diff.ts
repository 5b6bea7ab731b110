import { formatPath } from "./spec-errors.js";

/** One difference between two specs: `~` changed, `+` only in the new one, `-` only in the old one. */
export interface SpecChange {
  op: "~" | "+" | "-";
  path: string;
  before?: unknown;
  after?: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Semantic difference between two parsed (defaulted) specs, path by path in a stable order. Maps are compared
 * key by key, lists index by index; a value that changes kind (list ↔ map ↔ scalar) is one `~` change.
 * Comments, key order and formatting never show up, nor do fields that equal their defaults.
 */
export function diffSpecs(before: unknown, after: unknown): SpecChange[] {
  const changes: SpecChange[] = [];
  walk(before, after, [], changes);
  return changes;
}

function walk(before: unknown, after: unknown, path: (string | number)[], changes: SpecChange[]): void {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((key) => !(key in before))];
    for (const key of keys) {
      const inBefore = key in before && before[key] !== undefined;
      const inAfter = key in after && after[key] !== undefined;
      if (inBefore && inAfter) walk(before[key], after[key], [...path, key], changes);
      else if (inBefore) changes.push({ op: "-", path: formatPath([...path, key]), before: before[key] });
      else if (inAfter) changes.push({ op: "+", path: formatPath([...path, key]), after: after[key] });
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    for (let index = 0; index < length; index++) {
      if (index >= after.length) changes.push({ op: "-", path: formatPath([...path, index]), before: before[index] });
      else if (index >= before.length)
        changes.push({ op: "+", path: formatPath([...path, index]), after: after[index] });
      else walk(before[index], after[index], [...path, index], changes);
    }
    return;
  }
  if (!Object.is(before, after) && JSON.stringify(before) !== JSON.stringify(after)) {
    changes.push({ op: "~", path: formatPath(path), before, after });
  }
}

/** `~ spec.clusters[0].scrape.interval: "15s" → "30s"`, `+ spec.clusters[1]: {...}`, `- …`. */
export function formatSpecChange(change: SpecChange): string {
  if (change.op === "~") return `~ ${change.path}: ${JSON.stringify(change.before)} → ${JSON.stringify(change.after)}`;
  if (change.op === "+") return `+ ${change.path}: ${JSON.stringify(change.after)}`;
  return `- ${change.path}: ${JSON.stringify(change.before)}`;
}
