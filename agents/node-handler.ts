import type { NodeSyncJob } from "../crds-like-schemas/index.js";

/**
 * One of the agent's jobs (scrape, stats, capacity). The agent runtime hands every accepted sync job to every
 * handler. Contract: `apply` is idempotent (the same generation twice changes nothing), converges to the job's
 * whole desired state (it is not a delta), never throws on bad content inside the job, and returns quickly
 * (long work runs in the handler's own loop). `stop` releases timers and sockets.
 */
export interface NodeHandler {
  readonly name: "scrape" | "stats" | "capacity";
  apply(job: NodeSyncJob): Promise<void>;
  stop(): Promise<void>;
}
