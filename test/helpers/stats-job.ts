import type { NodeSyncJob } from "../../crds-like-schemas/index.js";
import { syncJob } from "./sync-job.js";

/** A valid NodeSyncJob for a stats handler test: no targets, capacity off, stats on with `stats` overrides. */
export function statsJob(
  cluster: string,
  nodeId: string,
  stats: Partial<NodeSyncJob["stats"]>,
  generation = 1,
): NodeSyncJob {
  const base = syncJob(nodeId, generation, [], {}, cluster);
  return { ...base, stats: { ...base.stats, enabled: true, ...stats } };
}
