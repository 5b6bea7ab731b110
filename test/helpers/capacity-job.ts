import type { NodeSyncJob } from "../../crds-like-schemas/index.js";
import { syncJob } from "./sync-job.js";

/** A valid NodeSyncJob for a capacity handler test: no targets, stats off, capacity on with `capacity` overrides. */
export function capacityJob(
  cluster: string,
  nodeId: string,
  capacity: Partial<NodeSyncJob["capacity"]>,
  generation = 1,
): NodeSyncJob {
  return {
    ...syncJob(nodeId, generation, [], {}, cluster),
    capacity: { enabled: true, periodMs: 60_000, trunking: false, awsvpcTasks: 0, ...capacity },
  };
}
