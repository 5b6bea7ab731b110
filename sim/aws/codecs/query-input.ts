/**
 * Folds flattened query-protocol parameters into nested input, for both EC2 query and AWS query:
 * `Filter.1.Name=a&Filter.1.Value.1=b` → `{ Filter: [{ Name: "a", Value: ["b"] }] }` and
 * `MetricData.member.1.Dimensions.member.1.Name=x` → `{ MetricData: [{ Dimensions: [{ Name: "x" }] }] }`.
 * `member`/`item` segments are list markers; `entry.N.key`/`entry.N.value` pairs (query maps) become records.
 * Values stay strings; `Action` and `Version` are removed.
 */
export function decodeQueryParams(params: URLSearchParams): Record<string, unknown> {
  const root: Node = new Map();
  for (const [key, value] of params) {
    if (key === "Action" || key === "Version") continue;
    if (key.includes("__proto__") || key.includes("constructor") || key.includes("prototype")) continue;
    insert(root, key.split("."), value);
  }
  return materialize(root) as Record<string, unknown>;
}

type Node = Map<string, Node | string>;

const LIST_MARKERS = new Set(["member", "item"]);

function insert(root: Node, segments: string[], value: string): void {
  let node = root;
  for (let i = 0; i < segments.length; i++) {
    const raw = segments[i] as string;
    if (LIST_MARKERS.has(raw) && i + 1 < segments.length && isIndex(segments[i + 1] as string)) continue;
    if (i === segments.length - 1) {
      node.set(raw, value);
      return;
    }
    let child = node.get(raw);
    if (typeof child !== "object") {
      child = new Map();
      node.set(raw, child);
    }
    node = child;
  }
}

function isIndex(s: string): boolean {
  if (s.length === 0 || s.length > 6) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function materialize(node: Node | string): unknown {
  if (typeof node === "string") return node;
  const keys = [...node.keys()];
  if (keys.length > 0 && keys.every(isIndex)) {
    keys.sort((a, b) => Number(a) - Number(b));
    return keys.map((k) => materialize(node.get(k) as Node | string));
  }
  if (keys.length === 1 && keys[0] === "entry") {
    const entries = materialize(node.get("entry") as Node);
    if (Array.isArray(entries)) {
      const out: Record<string, unknown> = {};
      for (const e of entries as Record<string, unknown>[]) {
        const k = e.key ?? e.Key ?? e.Name;
        if (typeof k === "string") out[k] = e.value ?? e.Value;
      }
      return out;
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = materialize(node.get(k) as Node | string);
  return out;
}
