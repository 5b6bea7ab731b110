import { z } from "zod";
import { count, nodeMessage } from "./fragments.js";

/**
 * Everything agents send back on the `ecsmon-reports` queue. Discriminated by `contract`; each contract
 * carries its own version so that agents and controllers can be upgraded independently.
 */

export const TARGET_HEALTH_CONTRACT = "ecsmon.dev/target-health/v1";
export const CAPACITY_CONTRACT = "ecsmon.dev/capacity/v1";
export const HEARTBEAT_CONTRACT = "ecsmon.dev/heartbeat/v1";

export const SCRAPE_ERROR_CLASSES = [
  "timeout",
  "connection",
  "http_status",
  "body_too_large",
  "parse",
  "forbidden_address",
  "other",
] as const;

export const TargetHealth = z.strictObject({
  targetId: z.string(),
  ok: z.boolean(),
  errorClass: z.enum(SCRAPE_ERROR_CLASSES).optional(),
  /** Human-readable reason, e.g. `parse: line 3: invalid metric name`. */
  error: z.string().max(1024).optional(),
  durationMs: z.number().nonnegative(),
  samples: count(),
  /** ISO-8601. */
  at: z.string(),
});
export type TargetHealth = z.infer<typeof TargetHealth>;

/** A batch of target health results from one agent. */
export const TargetHealthReport = z.strictObject({
  ...nodeMessage(TARGET_HEALTH_CONTRACT),
  generation: count(),
  results: z.array(TargetHealth),
});
export type TargetHealthReport = z.infer<typeof TargetHealthReport>;

/** What the agent can see of its node's capacity; the controller fills in the rest from DescribeContainerInstances. */
export const CapacityReport = z.strictObject({
  ...nodeMessage(CAPACITY_CONTRACT),
  at: z.string(),
  instanceType: z.string().optional(),
  /** Where instanceType came from. */
  instanceTypeSource: z.enum(["imds", "controller", "unknown"]),
  eni: z
    .strictObject({
      /** Maximum ENIs (or trunk branch ENIs when trunking) for the instance type. */
      max: count(),
      /** Primary ENI plus one per awsvpc task (or branch ENIs in use when trunking). */
      used: count(),
      trunking: z.boolean(),
    })
    .optional(),
  /** Network interfaces attached, as IMDS lists them (network/interfaces/macs/). */
  attachedInterfaces: count().optional(),
});
export type CapacityReport = z.infer<typeof CapacityReport>;

export const Heartbeat = z.strictObject({
  ...nodeMessage(HEARTBEAT_CONTRACT),
  /** Unique per agent process (changes on restart). */
  agentId: z.string(),
  mode: z.enum(["daemon", "sidecar", "pool"]),
  /** The generation the agent has applied, or -1 before the first sync. */
  generation: z.number().int().gte(-1),
  ttlMs: z.number().int().positive(),
  /** Where the agent serves its merged /metrics. */
  metricsUrl: z.string().optional(),
  at: z.string(),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

export const AgentReport = z.discriminatedUnion("contract", [TargetHealthReport, CapacityReport, Heartbeat]);
export type AgentReport = z.infer<typeof AgentReport>;
