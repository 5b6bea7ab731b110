import type {
  CapacityConfig,
  CapacityReport,
  ClusterCapacity,
  NodeCapacity,
  TaskSize,
} from "../../crds-like-schemas/index.js";
import { maxNetworkInterfaces, publishedMaxNetworkInterfaces } from "../../lib/aws/ec2-network-interfaces.js";
import { trunkEniLimit, trunkListing } from "../../lib/aws/eni-trunking-limits.js";
import { tryParseDuration } from "../../lib/duration.js";
import type { ObservedCluster, ObservedInstance, ObservedTask } from "../model.js";

/**
 * Capacity arithmetic (docs/capacity.md). Pure: the observation, the spec's capacity config and the agents'
 * latest reports in; per-node and per-cluster headroom out.
 */

/** A node's and a cluster's headroom: the status API contract's types (docs/capacity.md). */
export type { ClusterCapacity, NodeCapacity };

/**
 * Where a node's ENI limit came from: `table` the published AWS tables (the ECS guide's trunking table, the EC2
 * guide's maximum network interfaces), `observed` EC2 DescribeInstanceTypes (a type newer than the EC2 table),
 * `report` the node's agent, `unknown` none of them (the node then counts for no awsvpc task).
 */
export type EniSource = NodeCapacity["eniSource"];

export interface ComputeCapacityOptions {
  /** Reports older than this (relative to `observedAt`) are ignored. @defaultValue 3 × the capacity period */
  maxReportAgeMs?: number;
  /**
   * Called when an instance has a trunk but its type is not in the ECS guide's trunking table (it then counts
   * without trunking); see createUnlistedTrunkTypeWarning, which logs once per type.
   */
  onUnlistedTrunkType?: (instanceType: string) => void;
}

/** A task holds its ENI from provisioning until it is stopped. */
function holdsResources(task: ObservedTask): boolean {
  return task.lastStatus !== "STOPPED";
}

/** Whether the task uses awsvpc: from its task definition, else (definition not observed) from its ENI address. */
function isAwsvpc(task: ObservedTask, observed: ObservedCluster): boolean {
  const def = observed.taskDefinitions.get(task.taskDefinitionArn);
  if (def) return def.networkMode === "awsvpc";
  return task.eniPrivateIp !== undefined;
}

/** awsvpc task count per container instance ARN (EC2 tasks only; Fargate tasks have no instance). */
export function countAwsvpcTasks(observed: ObservedCluster): Map<string, number> {
  const counts = new Map<string, number>();
  for (const task of observed.tasks) {
    if (!task.containerInstanceArn || !holdsResources(task) || !isAwsvpc(task, observed)) continue;
    counts.set(task.containerInstanceArn, (counts.get(task.containerInstanceArn) ?? 0) + 1);
  }
  return counts;
}

/** Tasks of `size` that fit in the given headroom. */
export function tasksThatFit(
  size: TaskSize,
  remainingCpu: number,
  remainingMemory: number,
  eniRemaining: number,
): number {
  let fit = Math.min(
    Math.floor(Math.max(0, remainingCpu) / size.cpu),
    Math.floor(Math.max(0, remainingMemory) / size.memory),
  );
  if (size.awsvpc) fit = Math.min(fit, Math.max(0, eniRemaining));
  return Math.max(0, fit);
}

function freshReport(
  report: CapacityReport | undefined,
  observedAtMs: number,
  maxAgeMs: number,
): CapacityReport | undefined {
  if (!report) return undefined;
  const at = Date.parse(report.at);
  if (!Number.isFinite(at) || !Number.isFinite(observedAtMs)) return report;
  return observedAtMs - at <= maxAgeMs ? report : undefined;
}

interface EniLimit {
  trunking: boolean;
  eniMax: number;
  eniSource: EniSource;
}

/**
 * A node's awsvpc ENI slots. The trunk's branch ENIs (the ECS guide's table) count only when the instance has a
 * trunk, i.e. the `ecs.awsvpc-trunk-id` attribute, and its type is listed as supported; otherwise maximum ENIs − 1
 * (the EC2 guide's table, else DescribeInstanceTypes). An agent's report fills in for a type neither knows.
 */
function eniLimit(
  instance: ObservedInstance,
  instanceType: string | undefined,
  observed: ObservedCluster,
  report: CapacityReport | undefined,
  options: ComputeCapacityOptions,
): EniLimit {
  if (instanceType) {
    const branch = trunkEniLimit(instanceType, instance.trunking, options.onUnlistedTrunkType);
    if (branch !== undefined) return { trunking: true, eniMax: branch, eniSource: "table" };
    const published = publishedMaxNetworkInterfaces(instanceType);
    const max = maxNetworkInterfaces(instanceType, observed.instanceTypes.get(instanceType)?.maxEnis);
    if (max !== undefined) {
      return {
        trunking: false,
        eniMax: Math.max(0, max - 1),
        eniSource: published === undefined ? "observed" : "table",
      };
    }
  }
  // The agent reports trunk figures only for a node the controller saw with a trunk; a stale trunk report is ignored.
  if (report?.eni && (!report.eni.trunking || instance.trunking)) {
    const { trunking, max } = report.eni;
    return { trunking, eniMax: trunking ? max : Math.max(0, max - 1), eniSource: "report" };
  }
  return { trunking: false, eniMax: 0, eniSource: "unknown" };
}

function nodeCapacity(
  instance: ObservedInstance,
  observed: ObservedCluster,
  config: CapacityConfig,
  awsvpcTasks: number,
  report: CapacityReport | undefined,
  options: ComputeCapacityOptions,
): NodeCapacity {
  const instanceType = instance.instanceType ?? report?.instanceType;
  const { trunking, eniMax, eniSource } = eniLimit(instance, instanceType, observed, report, options);
  const trunkMissing =
    config.trunking && !instance.trunking && instanceType !== undefined && trunkListing(instanceType) === "supported";
  let eniUsed = awsvpcTasks;
  // ENIs the agent still sees attached (e.g. of a task that is stopping) are not free yet.
  if (report && !trunking) {
    if (report.attachedInterfaces !== undefined) eniUsed = Math.max(eniUsed, report.attachedInterfaces - 1);
    else if (report.eni && !report.eni.trunking) eniUsed = Math.max(eniUsed, report.eni.used - 1);
  } else if (report?.eni?.trunking && trunking) {
    eniUsed = Math.max(eniUsed, report.eni.used);
  }
  const eniRemaining = Math.max(0, eniMax - eniUsed);
  const schedulable = instance.status === "ACTIVE" && instance.agentConnected;
  const fits: Record<string, number> = {};
  for (const size of config.taskSizes) {
    fits[size.name] = schedulable
      ? tasksThatFit(size, instance.remainingCpu, instance.remainingMemory, eniRemaining)
      : 0;
  }
  return {
    nodeId: instance.nodeId,
    containerInstanceArn: instance.containerInstanceArn,
    instanceType,
    schedulable,
    registeredCpu: instance.registeredCpu,
    registeredMemory: instance.registeredMemory,
    remainingCpu: instance.remainingCpu,
    remainingMemory: instance.remainingMemory,
    eniMax,
    eniUsed,
    eniRemaining,
    trunking,
    trunkMissing,
    eniSource,
    fits,
  };
}

/**
 * Per-node and per-cluster headroom. ENI limits come from the published AWS tables, with DescribeInstanceTypes
 * (`observed.instanceTypes`) for types newer than them; ENIs in use are the observed awsvpc tasks of each node, raised to what the node's
 * agent still sees attached; an agent report also supplies the instance type or ENI limit when the controller
 * has none. CPU and memory are DescribeContainerInstances' remaining resources.
 */
export function computeClusterCapacity(
  observed: ObservedCluster,
  config: CapacityConfig,
  reports?: ReadonlyMap<string, CapacityReport>,
  options: ComputeCapacityOptions = {},
): ClusterCapacity {
  const maxReportAgeMs = options.maxReportAgeMs ?? 3 * (tryParseDuration(config.period) ?? 60_000);
  const observedAtMs = Date.parse(observed.observedAt);
  const awsvpc = countAwsvpcTasks(observed);
  const nodes = observed.instances.map((instance) =>
    nodeCapacity(
      instance,
      observed,
      config,
      awsvpc.get(instance.containerInstanceArn) ?? 0,
      freshReport(reports?.get(instance.nodeId), observedAtMs, maxReportAgeMs),
      options,
    ),
  );
  const schedulable: Record<string, number> = {};
  for (const size of config.taskSizes) schedulable[size.name] = 0;
  let remainingEnis = 0;
  let remainingCpu = 0;
  let remainingMemory = 0;
  for (const node of nodes) {
    if (!node.schedulable) continue;
    remainingEnis += node.eniRemaining;
    remainingCpu += Math.max(0, node.remainingCpu);
    remainingMemory += Math.max(0, node.remainingMemory);
    for (const size of config.taskSizes)
      schedulable[size.name] = (schedulable[size.name] ?? 0) + (node.fits[size.name] ?? 0);
  }
  return {
    cluster: observed.cluster,
    observedAt: observed.observedAt,
    nodes,
    remainingEnis,
    remainingCpu,
    remainingMemory,
    schedulable,
  };
}
