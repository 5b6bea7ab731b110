import { NODE_SYNC_CONTRACT, type NodeSyncJob, type ScrapeTarget } from "../../crds-like-schemas/index.js";

/** A valid NodeSyncJob with stats and capacity disabled, for agent tests. */
export function syncJob(
  nodeId: string,
  generation: number,
  targets: ScrapeTarget[],
  scrape: Partial<Pick<NodeSyncJob["scrape"], "intervalMs" | "timeoutMs" | "maxBodyBytes">> = {},
  cluster = "test-cluster",
): NodeSyncJob {
  return {
    contract: NODE_SYNC_CONTRACT,
    cluster,
    nodeId,
    generation,
    fencingToken: 1,
    issuedAt: new Date().toISOString(),
    scrape: { intervalMs: 1000, timeoutMs: 500, maxBodyBytes: 10 * 1024 * 1024, ...scrape, targets },
    stats: {
      enabled: false,
      namespace: "ECS/Test",
      periodMs: 1000,
      metrics: [],
      dimensions: [],
      cpuMode: "reserved",
      containers: [],
      assignments: [],
    },
    capacity: { enabled: false, periodMs: 60_000, trunking: false, awsvpcTasks: 0 },
  };
}

/** A scrape target with the usual injected labels. */
export function target(
  id: string,
  address: string,
  metricsPath = "/metrics",
  labels: Record<string, string> = {},
): ScrapeTarget {
  return {
    id,
    address,
    scheme: "http",
    metricsPath,
    labels: { cluster: "test-cluster", container_name: "app", task_id: id.replace(/[^a-z0-9]/gi, ""), ...labels },
  };
}

/**
 * A valid NodeSyncJob without targets for a handler test: each section named in `enable` (stats, capacity) is on,
 * with the given overrides; the others stay off.
 */
export function handlerJob(
  cluster: string,
  nodeId: string,
  enable: { stats?: Partial<NodeSyncJob["stats"]>; capacity?: Partial<NodeSyncJob["capacity"]> },
  generation = 1,
): NodeSyncJob {
  const base = syncJob(nodeId, generation, [], {}, cluster);
  return {
    ...base,
    stats: enable.stats ? { ...base.stats, enabled: true, ...enable.stats } : base.stats,
    capacity: enable.capacity ? { ...base.capacity, enabled: true, ...enable.capacity } : base.capacity,
  };
}
