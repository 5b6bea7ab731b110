import { NODE_SYNC_CONTRACT, type NodeSyncJob } from "../../crds-like-schemas/index.js";

/**
 * A node sync job for the agent benches: node "bench-node" of cluster "bench", assignment 1, nothing to scrape,
 * stats and capacity off; `parts` replaces whole sections (the bench turns on the one it measures).
 */
export function benchSyncJob(parts: Partial<Pick<NodeSyncJob, "scrape" | "stats" | "capacity">>): NodeSyncJob {
  return {
    contract: NODE_SYNC_CONTRACT,
    cluster: "bench",
    nodeId: "bench-node",
    generation: 1,
    fencingToken: 1,
    issuedAt: new Date().toISOString(),
    scrape: { intervalMs: 15_000, timeoutMs: 10_000, maxBodyBytes: 1_000_000, targets: [] },
    stats: {
      enabled: false,
      namespace: "Bench/Stats",
      periodMs: 1_000,
      metrics: [],
      dimensions: [],
      cpuMode: "reserved",
      containers: [],
      assignments: [],
    },
    capacity: { enabled: false, periodMs: 60_000, trunking: false, awsvpcTasks: 0 },
    ...parts,
  };
}
