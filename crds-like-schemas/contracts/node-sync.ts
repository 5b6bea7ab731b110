import { z } from "zod";
import { STATS_DIMENSIONS, STATS_METRICS } from "../monitoring-spec.js";
import { count, nodeMessage } from "./fragments.js";
import { ScrapeTarget } from "./scrape-target.js";

export const NODE_SYNC_CONTRACT = "ecsmon.dev/node-sync/v1";

/** A container of a task whose stats the agent collects. */
export const StatsContainer = z.strictObject({
  name: z.string(),
  /** Docker container id (DescribeTasks `runtimeId`). */
  runtimeId: z.string().optional(),
  /** Container-level CPU reservation in ECS CPU units (1024 = 1 vCPU); 0 or absent = none. */
  cpuUnits: z.number().nonnegative().optional(),
  /** Hard memory limit, MiB. */
  memoryLimitMiB: z.number().nonnegative().optional(),
  /** Soft memory reservation, MiB. */
  memoryReservationMiB: z.number().nonnegative().optional(),
});

/** A task on the node whose containers' stats are published to CloudWatch. */
export const StatsAssignment = z.strictObject({
  taskArn: z.string(),
  taskId: z.string(),
  family: z.string(),
  revision: z.number().int(),
  serviceName: z.string().optional(),
  /** Task-level CPU in ECS units, used when a container reserves none. */
  taskCpuUnits: z.number().nonnegative().optional(),
  /** Task-level memory, MiB. */
  taskMemoryMiB: z.number().nonnegative().optional(),
  containers: z.array(StatsContainer),
});
export type StatsAssignment = z.infer<typeof StatsAssignment>;

/**
 * The whole desired state of one node, sent as BullMQ job `sync-<nodeId>-g<generation>` on queue
 * `ecsmon-node-<nodeId>`. Agents converge to the highest generation they have seen; applying the same
 * generation twice changes nothing.
 */
export const NodeSyncJob = z.strictObject({
  ...nodeMessage(NODE_SYNC_CONTRACT),
  /** Monotonic per node. */
  generation: count(),
  /** Lease fencing token of the controller that produced this job. */
  fencingToken: count(),
  issuedAt: z.string(),
  scrape: z.strictObject({
    intervalMs: z.number().int().positive(),
    timeoutMs: z.number().int().positive(),
    maxBodyBytes: z.number().int().positive(),
    targets: z.array(ScrapeTarget),
  }),
  stats: z.strictObject({
    enabled: z.boolean(),
    namespace: z.string(),
    periodMs: z.number().int().positive(),
    metrics: z.array(z.enum(STATS_METRICS)),
    dimensions: z.array(z.enum(STATS_DIMENSIONS)),
    cpuMode: z.enum(["reserved", "percentOfHost"]),
    /** Regular expressions on container names; empty = all. */
    containers: z.array(z.string()),
    assignments: z.array(StatsAssignment),
  }),
  capacity: z.strictObject({
    enabled: z.boolean(),
    periodMs: z.number().int().positive(),
    /** Instance type as the controller sees it; the agent prefers IMDS when reachable. */
    instanceType: z.string().optional(),
    trunking: z.boolean(),
    /** Number of awsvpc tasks the controller observed on this node. */
    awsvpcTasks: count(),
  }),
});
export type NodeSyncJob = z.infer<typeof NodeSyncJob>;

/** Deterministic BullMQ job id (no ":" allowed by BullMQ). */
export function nodeSyncJobId(nodeId: string, generation: number): string {
  return `sync-${nodeId}-g${generation}`;
}
