import { createHash } from "node:crypto";
import { identityDigest } from "../../lib/identity-digest.js";
import type { DesiredTarget } from "../model.js";
import { gzipJsonArray } from "./json-array-stream.js";

/** One entry of Prometheus file_sd / http_sd: `{ targets: ["host:port"], labels: {...} }`. */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * One group per target, in target-id order: the `__meta_ecs_*` discovery labels, the target's labels (identity
 * labels and PROMETHEUS_LABELS; names that are not valid Prometheus label names or that start with `__` are
 * left out, since Prometheus would reject the whole file or they would override reserved labels), then
 * `__scheme__` and `__metrics_path__`.
 */
export function toTargetGroups(targets: readonly DesiredTarget[]): TargetGroup[] {
  return byId(targets).map(toTargetGroup);
}

/** A cluster's http_sd JSON array (the groups of {@link toTargetGroups}) and a digest of its content. */
export interface SdDocument {
  digest: string;
  /** The JSON array, gzipped; callers build it only when the digest changed. */
  gzip(): Promise<Buffer>;
}

/** Digest of each target's group, cached by identity (plan outputs are never mutated). */
const groupDigest = identityDigest((target: DesiredTarget) => JSON.stringify(toTargetGroup(target)));

/**
 * The SD document of a cluster's targets. Its digest is the SHA-256 of the per-group digests in document order,
 * so a reconcile whose targets did not change neither serialises 10,000 groups (17 MB of JSON) nor hashes them;
 * when they did, the JSON is streamed through gzip group by group and never held whole.
 */
export function sdDocument(targets: readonly DesiredTarget[]): SdDocument {
  const sorted = byId(targets);
  const documentHash = createHash("sha256").update(`sd/v1 ${sorted.length}`);
  for (const target of sorted) documentHash.update(groupDigest(target));
  return {
    digest: documentHash.digest("hex"),
    gzip: () => gzipJsonArray(groupsJson(sorted)),
  };
}

/** Each group's JSON, rendered only as the gzip stream takes it. */
function* groupsJson(sorted: readonly DesiredTarget[]): Generator<string> {
  for (const target of sorted) yield JSON.stringify(toTargetGroup(target));
}

function toTargetGroup(t: DesiredTarget): TargetGroup {
  const labels: Record<string, string> = {};
  for (const k in t.meta) {
    const value = t.meta[k];
    if (value !== undefined && LABEL_NAME.test(k)) labels[k] = value;
  }
  const own = t.target.labels;
  for (const k in own) if (!k.startsWith("__") && LABEL_NAME.test(k)) labels[k] = String(own[k]);
  labels.__scheme__ = t.target.scheme;
  labels.__metrics_path__ = t.target.metricsPath;
  return { targets: [t.target.address], labels };
}

function byId(targets: readonly DesiredTarget[]): DesiredTarget[] {
  return [...targets].sort((a, b) => (a.target.id < b.target.id ? -1 : a.target.id > b.target.id ? 1 : 0));
}
