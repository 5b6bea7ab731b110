import type { ClusterSpec, StatsAssignment } from "../../crds-like-schemas/index.js";
import type {
  ClusterPlan,
  CurrentState,
  DesiredTarget,
  InvalidTarget,
  NodePayload,
  ObservedCluster,
  ObservedTask,
  ServiceFigures,
} from "../model.js";
import { planCloudMapTargets } from "./cloud-map-targets.js";
import { createPlanContext, evaluateTask, nodeForTask, type PlanContext } from "./evaluate-task.js";
import { mergeEndpoints } from "./merge-endpoints.js";
import { NameMatcher } from "./selector.js";

/** Instance statuses whose agent still runs and receives a payload (DRAINING nodes keep their tasks until they stop). */
const SERVED_INSTANCE_STATUSES = new Set(["ACTIVE", "DRAINING"]);

/**
 * Turns one cluster's spec and complete observation into the desired state. Pure and total: it never throws
 * and never reads a clock, so the same inputs always give the same plan (targets sorted by id).
 *
 * - Only RUNNING tasks selected by `spec.selector` contribute targets and stats assignments.
 * - Every ACTIVE or DRAINING instance gets a node payload, even an empty one, so that its agent converges.
 * - A Fargate task whose sidecar agent is alive (`current.sidecarTasks`) gets a payload keyed by its task id;
 *   without one its targets go to `pool`, as do Cloud Map targets.
 * - Each endpoint (scheme, address, path) is one target: a Cloud Map instance that is also found through docker
 *   labels only adds its discovery labels to the docker-label target (ADR 0048).
 */
export function plan(spec: ClusterSpec, observed: ObservedCluster, current: CurrentState): ClusterPlan {
  const ctx = createPlanContext(spec, observed, current);
  const labelled: DesiredTarget[] = [];
  const invalid: InvalidTarget[] = [];
  const nodes = new Map<string, NodePayload>();
  for (const instance of observed.instances) {
    if (!SERVED_INSTANCE_STATUSES.has(instance.status)) continue;
    nodes.set(instance.nodeId, {
      nodeId: instance.nodeId,
      targets: [],
      statsAssignments: [],
      instanceType: instance.instanceType,
      trunking: instance.trunking,
      awsvpcTasks: 0,
    });
  }
  const statsContainers = new NameMatcher(spec.stats.containers);
  for (const task of observed.tasks) {
    for (const outcome of evaluateTask(ctx, task)) {
      labelled.push(...outcome.targets);
      invalid.push(...outcome.invalid);
    }
    const nodeId = nodeForTask(ctx, task);
    if (nodeId === undefined || !isLive(task)) continue;
    let payload = nodes.get(nodeId);
    if (!payload && nodeId === task.taskId) {
      payload = { nodeId, targets: [], statsAssignments: [], trunking: false, awsvpcTasks: 0 };
      nodes.set(nodeId, payload);
    }
    if (!payload) continue;
    if (usesAwsvpc(ctx, task) && nodeId !== task.taskId) payload.awsvpcTasks += 1;
    if (spec.stats.enabled && task.lastStatus === "RUNNING") {
      const assignment = statsAssignment(ctx, task, statsContainers);
      if (assignment) payload.statsAssignments.push(assignment);
    }
  }
  const cloudMap = planCloudMapTargets(spec, observed);
  const targets = mergeEndpoints(labelled, cloudMap.targets);
  invalid.push(...cloudMap.invalid);
  targets.sort((a, b) => compare(a.target.id, b.target.id));
  invalid.sort((a, b) => compare(a.id, b.id));
  const pool: DesiredTarget[] = [];
  for (const target of targets) {
    const payload = target.nodeId === undefined ? undefined : nodes.get(target.nodeId);
    if (payload) payload.targets.push(target.target);
    else pool.push(target);
  }
  for (const payload of nodes.values()) payload.statsAssignments.sort((a, b) => compare(a.taskArn, b.taskArn));
  return { cluster: observed.cluster, targets, invalid, nodes, pool, services: serviceFigures(ctx) };
}

/** Tasks that hold resources on their node: everything not yet STOPPED. */
function isLive(task: ObservedTask): boolean {
  return task.lastStatus !== "STOPPED" && task.lastStatus !== "DELETED";
}

function usesAwsvpc(ctx: PlanContext, task: ObservedTask): boolean {
  if (task.launchType === "FARGATE") return false;
  return ctx.observed.taskDefinitions.get(task.taskDefinitionArn)?.networkMode === "awsvpc";
}

function statsAssignment(ctx: PlanContext, task: ObservedTask, containers: NameMatcher): StatsAssignment | undefined {
  const td = ctx.observed.taskDefinitions.get(task.taskDefinitionArn);
  if (!td) return undefined;
  if (ctx.selector.rejects(task.serviceName, td.family)) return undefined;
  const chosen = td.containerDefinitions.filter((cd) => containers.matches(cd.name));
  if (chosen.length === 0) return undefined;
  const assignment: StatsAssignment = {
    taskArn: task.taskArn,
    taskId: task.taskId,
    family: td.family,
    revision: td.revision,
    containers: chosen.map((cd) => {
      const runtimeId = task.containers.find((c) => c.name === cd.name)?.runtimeId;
      return {
        name: cd.name,
        ...(runtimeId ? { runtimeId } : {}),
        ...(cd.cpu !== undefined ? { cpuUnits: cd.cpu } : {}),
        ...(cd.memory !== undefined ? { memoryLimitMiB: cd.memory } : {}),
        ...(cd.memoryReservation !== undefined ? { memoryReservationMiB: cd.memoryReservation } : {}),
      };
    }),
  };
  if (task.serviceName) assignment.serviceName = task.serviceName;
  const taskCpu = task.cpu ?? td.cpu;
  const taskMemory = task.memory ?? td.memory;
  if (taskCpu !== undefined) assignment.taskCpuUnits = taskCpu;
  if (taskMemory !== undefined) assignment.taskMemoryMiB = taskMemory;
  return assignment;
}

/** Undefined when the observation carries no service figures this cycle (the previous ones stand). */
function serviceFigures(ctx: PlanContext): ServiceFigures[] | undefined {
  if (!ctx.spec.serviceMetrics.enabled) return [];
  const services = ctx.observed.services;
  if (!services) return undefined;
  return services
    .filter((s) => ctx.selector.serviceSelected(s.serviceName))
    .map((s) => ({
      cluster: ctx.observed.cluster,
      service: s.serviceName,
      desired: s.desiredCount,
      running: s.runningCount,
      pending: s.pendingCount,
    }))
    .sort((a, b) => compare(a.service, b.service));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
