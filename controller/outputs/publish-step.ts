import type { TargetRegistry } from "../machines/target-registry.js";
import type { ClusterPlan } from "../model.js";
import type { ClusterContext } from "../reconcile/cluster-context.js";
import type { StateCounts } from "../reconcile/cluster-status.js";
import { sdDocument } from "./target-groups.js";

/** Targets and agents of the registry by state name. */
export function stateCounts(registry: Pick<TargetRegistry, "countByState">): StateCounts {
  return registry.countByState();
}

/** The `ecsmon_targets` and `ecsmon_agents` gauges of the cluster, zero for every state not present. */
export function publishStateCounts(ctx: Pick<ClusterContext, "cluster" | "registry" | "metrics">): void {
  ctx.metrics.setStateCounts(ctx.cluster, stateCounts(ctx.registry));
}

/**
 * Publish outputs: the cluster's http_sd document (the store writes it only when it changed, after the lease
 * check; file_sd follows from it on the controller's output tick) and the service gauges when the observation
 * carried service figures.
 */
export async function publishOutputsStep(
  ctx: Pick<ClusterContext, "cluster" | "sd" | "lease" | "metrics">,
  planned: Pick<ClusterPlan, "targets" | "services">,
): Promise<void> {
  if (await ctx.sd.put(ctx.cluster, sdDocument(planned.targets), ctx.lease)) {
    ctx.metrics.sdWrites.labels("http_sd").inc();
  }
  if (planned.services) ctx.metrics.setServices(ctx.cluster, planned.services);
}

/** Publish status: the counts on /metrics and the summary in Redis, where the other replicas' status API reads it. */
export async function publishStatusStep(
  ctx: Pick<ClusterContext, "cluster" | "registry" | "metrics" | "redis" | "keys" | "status">,
): Promise<void> {
  publishStateCounts(ctx);
  await ctx.redis.set(ctx.keys.status(ctx.cluster), JSON.stringify(ctx.status.summary(undefined)));
}
