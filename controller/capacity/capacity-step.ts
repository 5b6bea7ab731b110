import type { ClusterSpec } from "../../crds-like-schemas/index.js";
import { parseDuration } from "../../lib/duration.js";
import type { ObservedCluster } from "../model.js";
import type { ClusterContext } from "../reconcile/cluster-context.js";

type CapacityContext = Pick<
  ClusterContext,
  "cluster" | "capacity" | "reports" | "status" | "redis" | "keys" | "lease" | "now"
>;

/**
 * Capacity: when the spec enables it, computes the cluster's capacity from the observation and the agents'
 * capacity reports (gauges and summary every round) and publishes it to CloudWatch once per `capacity.period`.
 * The time of the last publication is kept in Redis, so a replica that takes the cluster over neither publishes
 * early nor publishes the same observation twice. Returns whether it published.
 */
export async function capacityStep(
  ctx: CapacityContext,
  spec: ClusterSpec,
  observed: ObservedCluster,
): Promise<boolean> {
  const port = ctx.capacity;
  if (!port || !spec.capacity.enabled) return false;
  const reports = await ctx.reports.capacity(ctx.cluster);
  const capacity = port.compute(observed, spec, reports);
  ctx.status.recordCapacity(capacity);
  port.update?.(ctx.cluster, capacity);
  const key = ctx.keys.capacityPublishedAt(ctx.cluster);
  const periodMs = parseDuration(spec.capacity.period);
  const last = Number((await ctx.redis.get(key)) ?? 0);
  const observedAtMs = Date.parse(capacity.observedAt);
  if (ctx.now() - last < periodMs || observedAtMs <= last) return false;
  await ctx.lease.assertHeld();
  await port.publish(spec.capacity.namespace, ctx.cluster, capacity);
  await ctx.redis.set(key, String(Math.max(ctx.now(), observedAtMs)));
  return true;
}
