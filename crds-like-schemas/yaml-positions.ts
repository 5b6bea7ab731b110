import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from "yaml";

/** A 1-based line and column in the source text. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** What a data path resolves to in a parsed YAML document. */
export interface LocatedPath {
  /** Node of the value at the full path, when every segment was found. */
  value?: Node | undefined;
  /** Key node of the last map segment, when the full path was found through a map. */
  key?: Node | undefined;
  /** The deepest node reached: the value itself, or the closest existing ancestor (for missing fields). */
  deepest: Node | undefined;
  /** Whether every segment of the path was found. */
  complete: boolean;
}

function keyMatches(key: unknown, segment: PropertyKey): boolean {
  const raw = isScalar(key) ? key.value : key;
  return raw !== null && raw !== undefined && String(raw) === String(segment);
}

/** Follows `path` (map keys and list indexes, as zod reports them) through the document's nodes. */
export function locatePath(doc: Document, path: readonly PropertyKey[]): LocatedPath {
  let current: unknown = doc.contents;
  let deepest = (isMapOrSeqOrScalar(current) ? current : undefined) as Node | undefined;
  let key: Node | undefined;
  for (const segment of path) {
    if (isAlias(current)) current = current.resolve(doc);
    key = undefined;
    let next: unknown;
    if (isMap(current)) {
      const pair = current.items.find((item) => keyMatches(item.key, segment));
      if (!pair) return { deepest, complete: false };
      key = pair.key as Node;
      next = pair.value;
    } else if (isSeq(current) && typeof segment === "number") {
      if (segment >= current.items.length) return { deepest, complete: false };
      next = current.items[segment];
    } else {
      return { deepest, complete: false };
    }
    current = next;
    if (next && typeof next === "object" && "range" in next) deepest = next as Node;
    else if (key) deepest = key;
  }
  return { value: (current ?? undefined) as Node | undefined, key, deepest, complete: true };
}

function isMapOrSeqOrScalar(node: unknown): boolean {
  return isMap(node) || isSeq(node) || isScalar(node) || isAlias(node);
}

/** An empty scalar such as the value of `stats:` followed by nothing; it has no useful position of its own. */
function isEmptyScalar(node: Node | undefined): boolean {
  return Boolean(node && isScalar(node) && node.value === null && node.range && node.range[0] === node.range[1]);
}

/** Position of a node's first character. */
export function nodePosition(node: Node | undefined, lineCounter: LineCounter): SourcePosition | undefined {
  const offset = node?.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/**
 * Where an error about `path` should point. `target: "value"` points at the value (or, when the value is empty,
 * at its key); `"key"` at the key itself (unknown fields). A missing path points at the closest existing ancestor.
 */
export function positionOf(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  target: "value" | "key" = "value",
): SourcePosition | undefined {
  const located = locatePath(doc, path);
  if (!located.complete) return nodePosition(located.deepest, lineCounter);
  if (target === "key" && located.key) return nodePosition(located.key, lineCounter);
  if (located.value && !isEmptyScalar(located.value)) return nodePosition(located.value, lineCounter);
  return nodePosition(located.key ?? located.deepest, lineCounter);
}
