import { z } from "zod";
import { count, isoTime } from "./fragments.js";

/**
 * The controller's status API (`GET /api/v1/*`) as the wire carries it: the one definition the server's types
 * are inferred from and the CLI parses every answer with. A field the server leaves `undefined` is absent from
 * the JSON, so such fields are optional here. Objects are not strict: a newer controller may add fields that an
 * older client ignores. The generated JSON Schemas (`generated/api-*.schema.json`) describe the same answers.
 */

/** Kubernetes-style condition; `lastTransitionTime` moves only when `status` changes. */
export const Condition = z.object({
  /** e.g. `SpecValid`, `SpecAvailable`, `ObservationComplete`, `NodesWithoutAgent`. */
  type: z.string(),
  status: z.enum(["True", "False", "Unknown"]),
  /** CamelCase machine-readable reason, e.g. `ValidationFailed`, `Throttled`. */
  reason: z.string(),
  message: z.string(),
  observedGeneration: z.number().int().optional(),
  lastTransitionTime: isoTime(),
});
export type Condition = z.infer<typeof Condition>;

/**
 * Data in an answer that is older than it should be: a Redis read that did not complete within the read budget
 * (Redis stalled or gone), or a held cluster whose reconcile has not completed for several intervals.
 */
export const StaleNote = z.object({
  /** What is stale: `leases`, `cluster <name>` (its summary) or `cluster <name> machines` (targets, agents). */
  what: z.string(),
  /** How old the data served is; null when nothing was ever read (the answer then lacks it). */
  ageMs: z.number().nullable(),
  /** When the data served was current; null when nothing was ever read. */
  asOf: isoTime().nullable(),
  reason: z.string(),
});
export type StaleNote = z.infer<typeof StaleNote>;

/** One row of the lease table: who holds a cluster, under which fencing token. */
export const LeaseStatus = z.object({
  cluster: z.string(),
  holder: z.string().optional(),
  token: z.number().int().optional(),
  /** Held by the replica that answered. */
  mine: z.boolean(),
});
export type LeaseStatus = z.infer<typeof LeaseStatus>;

/** A node holding targets but no live agent (the `NodesWithoutAgent` condition lists these). */
export const NodeWithoutAgent = z.object({
  nodeId: z.string(),
  ec2InstanceId: z.string().optional(),
  /** Targets planned on the node: none of them is scraped until an agent heartbeats there. */
  targets: count(),
});
export type NodeWithoutAgent = z.infer<typeof NodeWithoutAgent>;

/** One node's headroom (docs/capacity.md). */
export const NodeCapacity = z.object({
  nodeId: z.string(),
  containerInstanceArn: z.string(),
  instanceType: z.string().optional(),
  /** ACTIVE with a connected ECS agent: the only nodes ECS places tasks on, and the only ones summed. */
  schedulable: z.boolean(),
  /** ECS CPU units registered with ECS (DescribeContainerInstances registeredResources). */
  registeredCpu: z.number(),
  /** MiB registered with ECS. */
  registeredMemory: z.number(),
  /** ECS CPU units. */
  remainingCpu: z.number(),
  /** MiB. */
  remainingMemory: z.number(),
  /** awsvpc ENI slots: maxEnis − 1 (the primary), or the trunk's branch ENIs when the instance has a trunk. */
  eniMax: z.number(),
  /** awsvpc tasks on the node (each holds one slot). */
  eniUsed: z.number(),
  eniRemaining: z.number(),
  /** The instance has a trunk (`ecs.awsvpc-trunk-id`) and its type's branch-ENI limit is known. */
  trunking: z.boolean(),
  /**
   * `capacity.trunking` is on and the type supports trunking, but the instance has no trunk: it was launched before
   * the account opted in to awsvpcTrunking, or its trunk was not provisioned. It counts without trunking.
   */
  trunkMissing: z.boolean(),
  /** Where the ENI limit came from (EniSource in controller/capacity/compute-capacity.ts). */
  eniSource: z.enum(["table", "observed", "report", "unknown"]),
  /** Tasks of each spec size that still fit on this node. */
  fits: z.record(z.string(), z.number()),
});
export type NodeCapacity = z.infer<typeof NodeCapacity>;

/** A cluster's headroom summed over its schedulable nodes, without the per-node rows. */
export const ClusterCapacityTotals = z.object({
  cluster: z.string(),
  /** The observation time the figures describe. */
  observedAt: isoTime(),
  /** Σ eniRemaining over schedulable nodes. */
  remainingEnis: z.number(),
  /** Σ remaining CPU units over schedulable nodes. */
  remainingCpu: z.number(),
  /** Σ remaining MiB over schedulable nodes. */
  remainingMemory: z.number(),
  /** Task size name → Σ over schedulable nodes of min(⌊cpu/size.cpu⌋, ⌊mem/size.memory⌋, eniRemaining if awsvpc). */
  schedulable: z.record(z.string(), z.number()),
});
export type ClusterCapacityTotals = z.infer<typeof ClusterCapacityTotals>;

export const ClusterCapacity = ClusterCapacityTotals.extend({ nodes: z.array(NodeCapacity) });
export type ClusterCapacity = z.infer<typeof ClusterCapacity>;

/**
 * The per-cluster summary: live from the replica holding the cluster, otherwise what its holder last stored in
 * Redis (`<prefix>:status:<cluster>`, the same shape).
 */
export const ClusterSummary = z.object({
  cluster: z.string(),
  holder: z.string().optional(),
  fencingToken: z.number().int().optional(),
  observedAt: isoTime().optional(),
  lastReconcileAt: isoTime().optional(),
  conditions: z.array(Condition),
  /** Targets by state name. */
  targets: z.record(z.string(), z.number()),
  /** Agents by state name. */
  agents: z.record(z.string(), z.number()),
  invalidTargets: count(),
  nodes: count(),
  nodesWithoutAgent: z.array(NodeWithoutAgent),
  poolTargets: count(),
  syncJobsSent: count(),
  capacity: ClusterCapacityTotals.optional(),
});
export type ClusterSummary = z.infer<typeof ClusterSummary>;

/** A cluster of the spec whose holder has stored no summary yet. */
export const PendingCluster = z.object({
  cluster: z.string(),
  holder: z.string().optional(),
  pending: z.literal(true),
});
export type PendingCluster = z.infer<typeof PendingCluster>;

/** `GET /api/v1/status`. */
export const StatusDocument = z.object({
  replica: z.string(),
  ready: z.boolean(),
  /** Everything in this answer that is older than it should be; empty when all of it is current. */
  stale: z.array(StaleNote),
  leases: z.array(LeaseStatus),
  spec: z.object({
    loaded: z.boolean(),
    name: z.string().optional(),
    version: z.number().int().optional(),
    generation: z.number().int().optional(),
    conditions: z.array(Condition),
  }),
  /** One entry per cluster of the spec: live for clusters this replica holds, the owner's last write otherwise. */
  clusters: z.array(z.union([ClusterSummary, PendingCluster])),
});
export type StatusDocument = z.infer<typeof StatusDocument>;

/** A target's lifecycle state (the target machine's states, nested ones dotted). */
export const TARGET_STATE_NAMES = [
  "discovered",
  "assigning",
  "active.unconfirmed",
  "active.healthy",
  "active.failing",
  "draining",
  "removed",
  "invalid",
  "orphaned",
] as const;

/** One scrape target (`GET /api/v1/targets/<id>`). */
export const TargetView = z.object({
  /** `<taskArn>/<containerName>/<port><path>`. */
  id: z.string(),
  cluster: z.string(),
  state: z.enum(TARGET_STATE_NAMES),
  nodeId: z.string().optional(),
  taskArn: z.string().optional(),
  containerName: z.string().optional(),
  serviceName: z.string().optional(),
  /** From the latest plan (absent for invalid targets). */
  address: z.string().optional(),
  scheme: z.string().optional(),
  metricsPath: z.string().optional(),
  /** Labels from the latest plan, when the answering replica holds the cluster. */
  labels: z.record(z.string(), z.string()).optional(),
  reason: z.string().optional(),
  lastError: z.string().optional(),
  failures: count(),
  /** When the current state was entered. */
  since: z.string(),
  lastHealthAt: isoTime().optional(),
});
export type TargetView = z.infer<typeof TargetView>;

/** An agent's lifecycle state. */
export const AGENT_STATE_NAMES = ["joining", "ready", "suspect", "lost"] as const;

/** One agent, as its heartbeats describe it. */
export const AgentView = z.object({
  cluster: z.string(),
  nodeId: z.string(),
  state: z.enum(AGENT_STATE_NAMES),
  agentId: z.string(),
  mode: z.string(),
  /**
   * Number of the node assignment (sync job `sync-<node>-g<n>`) the agent last applied; -1 before the first.
   * Not the spec generation: it counts the node's own payload changes and starts at the epoch second.
   */
  assignment: z.number().int(),
  ttlMs: z.number(),
  metricsUrl: z.string().optional(),
  lastSeen: z.string(),
  since: z.string(),
  incarnations: count(),
});
export type AgentView = z.infer<typeof AgentView>;

/** `GET /api/v1/targets`: the targets matching the filter, sorted by id. */
export const TargetList = z.object({
  count: count(),
  targets: z.array(TargetView),
  stale: z.array(StaleNote),
});
export type TargetList = z.infer<typeof TargetList>;

/** `GET /api/v1/agents`. */
export const AgentList = z.object({
  count: count(),
  agents: z.array(AgentView),
  stale: z.array(StaleNote),
});
export type AgentList = z.infer<typeof AgentList>;

/** A cluster without capacity figures: disabled, not computed yet, or held elsewhere with no summary stored. */
export const CapacityMissing = z.object({
  cluster: z.string(),
  capacity: z.null(),
  message: z.string(),
});
export type CapacityMissing = z.infer<typeof CapacityMissing>;

/** A cluster's capacity; the per-node rows only from the replica holding the cluster. */
export const CapacityEntry = z.union([
  ClusterCapacityTotals.extend({ nodes: z.array(NodeCapacity).optional() }),
  CapacityMissing,
]);
export type CapacityEntry = z.infer<typeof CapacityEntry>;

/** `GET /api/v1/capacity`. */
export const CapacityList = z.object({
  clusters: z.array(CapacityEntry),
  stale: z.array(StaleNote),
});
export type CapacityList = z.infer<typeof CapacityList>;

/** Why a container is, or is not, a target: the plan's verdicts plus what only the runtime view adds. */
export const EXPLAIN_REASONS = [
  "Target",
  "NoLabel",
  "ParseError",
  "NoAddress",
  "FilteredBySelector",
  "TaskNotRunning",
  "ScrapeDisabled",
  "TaskDefinitionUnknown",
  "NoAgent",
  "Pool",
] as const;

export const ContainerExplanation = z.object({
  containerName: z.string(),
  /** Whether at least one target exists for the container in the plan. */
  isTarget: z.boolean(),
  reason: z.enum(EXPLAIN_REASONS),
  message: z.string(),
  /** Ids of the container's valid targets. */
  targetIds: z.array(z.string()),
  invalid: z.array(z.object({ id: z.string(), reason: z.string() })),
});
export type ContainerExplanation = z.infer<typeof ContainerExplanation>;

/** `GET /api/v1/explain?task=…` when the task was found (200). */
export const TaskExplanation = z.object({
  /** The query as given. */
  query: z.string(),
  found: z.boolean(),
  cluster: z.string(),
  taskArn: z.string().optional(),
  lastStatus: z.string().optional(),
  serviceName: z.string().optional(),
  taskDefinitionArn: z.string().optional(),
  /** Node whose agent scrapes the task (EC2 node id, or the task id for a sidecar); absent for the pool. */
  nodeId: z.string().optional(),
  /** Summary line, e.g. "task not found in cluster demo". */
  message: z.string(),
  containers: z.array(ContainerExplanation),
});
export type TaskExplanation = z.infer<typeof TaskExplanation>;

/**
 * The one error body of the status API, for every status ≥ 400: `error` is the HTTP reason phrase in PascalCase
 * (`BadRequest`, `NotFound`, …), `message` says what was wrong, naming the parameter.
 */
export const ApiErrorBody = z.object({ error: z.string(), message: z.string() });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** `GET /api/v1/explain?task=…` when the task was not found (404): which replicas hold the other clusters. */
export const ExplainNotFound = ApiErrorBody.extend({
  heldElsewhere: z.array(z.object({ cluster: z.string(), holder: z.string().optional() })).optional(),
});
export type ExplainNotFound = z.infer<typeof ExplainNotFound>;

/** Each JSON route's answer (2xx), by path. */
export const STATUS_API_RESPONSES = {
  "/api/v1/status": StatusDocument,
  "/api/v1/targets": TargetList,
  "/api/v1/targets/<id>": TargetView,
  "/api/v1/agents": AgentList,
  "/api/v1/capacity": CapacityList,
  "/api/v1/explain": TaskExplanation,
} as const;
