import type { StoredHealth } from "../dispatch/report-store.js";
import type { ClusterPlan, ObservedCluster } from "../model.js";
import type { ClusterContext } from "../reconcile/cluster-context.js";
import { nodesWithoutAgent } from "../reconcile/node-coverage.js";

/** Agents lost for longer than this are forgotten (machine, snapshot and stored reports). */
export const AGENT_RETENTION_MS = 15 * 60_000;

type SettleContext = Pick<ClusterContext, "cluster" | "registry" | "reports" | "lease" | "status" | "metrics">;

/**
 * Settle the machines after dispatch, in this order: stored health results reach the targets (after dispatch, so
 * that targets it just assigned take them), time advances (suspect/lost agents, orphaned and drained targets),
 * node coverage is recorded, long-lost agents are pruned, changed snapshots are persisted under the lease, and
 * reports nobody needs any more are dropped from Redis.
 */
export async function settleMachinesStep(
  ctx: SettleContext,
  planned: Pick<ClusterPlan, "nodes">,
  observed: Pick<ObservedCluster, "instances">,
): Promise<void> {
  const { registry, cluster } = ctx;
  const staleHealth = await applyHealthReports(ctx);
  registry.tick();
  const uncovered = nodesWithoutAgent(planned, registry.liveAgents(), observed.instances);
  ctx.status.recordCoverage(uncovered);
  ctx.metrics.nodesWithoutAgent.labels(cluster).set(uncovered.length);
  const pruned = registry.pruneAgents(AGENT_RETENTION_MS);
  await registry.persist(ctx.lease);
  await ctx.reports.forget(cluster, "health", staleHealth);
  await ctx.reports.forget(cluster, "heartbeats", pruned);
  await ctx.reports.forget(cluster, "capacity", pruned);
}

/**
 * Feeds the stored health results to the target machines batch by batch (10,000 targets report every scrape
 * interval; holding them all across awaits would promote them to the old generation). Returns the ids of
 * results whose target the registry no longer holds.
 */
async function applyHealthReports(ctx: Pick<ClusterContext, "cluster" | "registry" | "reports">): Promise<string[]> {
  const { registry } = ctx;
  const stale: string[] = [];
  await ctx.reports.forEachHealth(ctx.cluster, (batch) => {
    const results: StoredHealth[] = [];
    for (const [targetId, health] of batch) {
      if (!registry.hasTarget(targetId)) stale.push(targetId);
      else if (health) results.push(health);
    }
    registry.applyHealth(results);
  });
  return stale;
}
