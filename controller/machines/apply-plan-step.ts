import type { ClusterPlan } from "../model.js";
import type { ClusterContext } from "../reconcile/cluster-context.js";

/**
 * Apply to machines: feeds the plan to the target machines (PLANNED, INVALID, GONE). On a full-resync round the
 * next persist rewrites every snapshot, so that state a Redis without persistence lost is re-created even when
 * nothing changed.
 */
export function applyPlanStep(ctx: Pick<ClusterContext, "registry">, planned: ClusterPlan, fullResync: boolean): void {
  ctx.registry.applyPlan(planned);
  if (fullResync) ctx.registry.resyncPersisted();
}
