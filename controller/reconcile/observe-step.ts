import type { ClusterSpec } from "../../crds-like-schemas/index.js";
import type { ObservedCluster } from "../model.js";
import type { ClusterContext } from "./cluster-context.js";

/**
 * Observe: hands the observer the spec in force, then takes one complete view of the cluster. A failed
 * observation records `ObservationComplete=False` and rethrows (the loop retries with backoff); nothing published
 * is touched, so the last good targets stay in force ("stale beats partial").
 */
export async function observeStep(
  ctx: Pick<ClusterContext, "observer" | "status">,
  spec: ClusterSpec,
): Promise<ObservedCluster> {
  ctx.observer.updateSpec?.(spec);
  let observed: ObservedCluster;
  try {
    observed = await ctx.observer.observe();
  } catch (error) {
    ctx.status.recordObservationFailure(error);
    throw error;
  }
  ctx.status.recordObservation(observed, ctx.observer.conditions?.() ?? []);
  return observed;
}
