import type { ClusterSpec } from "../../crds-like-schemas/index.js";
import { mapLimit } from "../../lib/map-limit.js";
import type { ClusterPlan } from "../model.js";
import type { ClusterContext } from "../reconcile/cluster-context.js";
import { buildNodeSyncJob, buildPoolSyncJob, type UnversionedSyncJob } from "./sync-job.js";

type DispatchContext = Pick<
  ClusterContext,
  "cluster" | "dispatcher" | "lease" | "registry" | "metrics" | "logger" | "status" | "dispatchConcurrency"
>;

/**
 * Dispatch: one sync job per planned node plus the pool's, each sent only when its payload changed (the
 * dispatcher compares content hashes), at most `dispatchConcurrency` at once. The targets of every job that is
 * current, sent now or earlier, are marked assigned. On a full-resync round the dispatcher first forgets the
 * hashes it remembers, so that payloads Redis lost are sent again. Returns the number of jobs sent.
 */
export async function dispatchStep(
  ctx: DispatchContext,
  spec: ClusterSpec,
  planned: Pick<ClusterPlan, "nodes" | "pool">,
  fullResync: boolean,
): Promise<number> {
  const { cluster, dispatcher, registry } = ctx;
  if (fullResync) dispatcher.forget(planned.nodes.keys());
  const jobs: { job: UnversionedSyncJob; ids: string[] }[] = [...planned.nodes.values()].map((payload) => ({
    job: buildNodeSyncJob(cluster, spec, payload),
    ids: payload.targets.map((t) => t.id),
  }));
  jobs.push({
    job: buildPoolSyncJob(
      cluster,
      spec,
      planned.pool.map((t) => t.target),
    ),
    ids: planned.pool.map((t) => t.target.id),
  });
  let sent = 0;
  await mapLimit(jobs, ctx.dispatchConcurrency, async ({ job, ids }) => {
    const result = await dispatcher.sync(job, ctx.lease);
    if (result.sent) sent++;
    registry.markAssigned(ids);
  });
  if (sent > 0) {
    ctx.status.recordSyncJobs(sent);
    ctx.metrics.syncJobs.labels(cluster).inc(sent);
    ctx.logger.info({ cluster, sent, nodes: jobs.length }, "sync jobs dispatched");
  }
  return sent;
}
