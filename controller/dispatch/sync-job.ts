import { createHash } from "node:crypto";
import {
  type ClusterSpec,
  NODE_SYNC_CONTRACT,
  type NodeSyncJob,
  type ScrapeTarget,
} from "../../crds-like-schemas/index.js";
import { parseDuration } from "../../lib/duration.js";
import { identityDigest } from "../../lib/identity-digest.js";
import type { NodePayload } from "../model.js";

/** A sync job before the dispatcher versions it. */
export type UnversionedSyncJob = Omit<NodeSyncJob, "generation" | "fencingToken" | "issuedAt">;

/** Node id of a cluster's share of the pool queue: `pool-<cluster>` with every character outside `[A-Za-z0-9_.-]` as `_`. */
export function poolNodeId(cluster: string): string {
  return `pool-${cluster.replace(/[^A-Za-z0-9_.-]/g, "_")}`;
}

/** The whole desired state of one node under the cluster's spec. */
export function buildNodeSyncJob(cluster: string, spec: ClusterSpec, payload: NodePayload): UnversionedSyncJob {
  return {
    contract: NODE_SYNC_CONTRACT,
    cluster,
    nodeId: payload.nodeId,
    scrape: {
      intervalMs: parseDuration(spec.scrape.interval),
      timeoutMs: parseDuration(spec.scrape.timeout),
      maxBodyBytes: spec.scrape.maxBodyBytes,
      targets: spec.scrape.enabled ? payload.targets : [],
    },
    stats: {
      enabled: spec.stats.enabled,
      namespace: spec.stats.namespace,
      periodMs: parseDuration(spec.stats.period),
      metrics: [...spec.stats.metrics],
      dimensions: [...spec.stats.dimensions],
      cpuMode: spec.stats.cpuMode,
      containers: [...spec.stats.containers],
      assignments: spec.stats.enabled ? payload.statsAssignments : [],
    },
    capacity: {
      enabled: spec.capacity.enabled,
      periodMs: parseDuration(spec.capacity.period),
      instanceType: payload.instanceType,
      trunking: payload.trunking,
      awsvpcTasks: payload.awsvpcTasks,
    },
  };
}

/**
 * The cluster's pool job (queue `ecsmon-pool`, node id {@link poolNodeId}): Fargate targets without a sidecar and
 * Cloud Map targets. Only scraping; stats and capacity need a process on the node.
 */
export function buildPoolSyncJob(cluster: string, spec: ClusterSpec, targets: ScrapeTarget[]): UnversionedSyncJob {
  const job = buildNodeSyncJob(cluster, spec, {
    nodeId: poolNodeId(cluster),
    targets,
    statsAssignments: [],
    trunking: false,
    awsvpcTasks: 0,
  });
  return {
    ...job,
    stats: { ...job.stats, enabled: false, assignments: [] },
    capacity: { ...job.capacity, enabled: false },
  };
}

/**
 * Stable content hash of an unversioned job: key order does not matter, array order does. Targets and stats
 * assignments are hashed one by one and cached by identity: plan() hands out the same objects while a task is
 * unchanged and never mutates them, so a steady reconcile over 10,000 targets serialises none of them.
 */
export function syncJobHash(job: UnversionedSyncJob): string {
  const jobHash = createHash("sha256").update(
    stableStringify({ ...job, scrape: { ...job.scrape, targets: [] }, stats: { ...job.stats, assignments: [] } }),
  );
  for (const target of job.scrape.targets) jobHash.update(elementDigest(target));
  jobHash.update("|");
  for (const assignment of job.stats.assignments) jobHash.update(elementDigest(assignment));
  return jobHash.digest("hex");
}

/** Digest of one target or stats assignment, cached by identity (plan outputs are never mutated). */
const elementDigest = identityDigest((element: object) => stableStringify(element));

/** JSON with object keys sorted and undefined members left out. */
function stableStringify(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (typeof value !== "object") return JSON.stringify(value);
  let out: string;
  if (Array.isArray(value)) {
    out = "[";
    for (let i = 0; i < value.length; i++) out += (i > 0 ? "," : "") + stableStringify(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  out = "{";
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    out += `${first ? "" : ","}${JSON.stringify(key)}:${stableStringify(member)}`;
    first = false;
  }
  return `${out}}`;
}
