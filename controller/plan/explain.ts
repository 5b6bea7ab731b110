import type { ClusterSpec, ContainerExplanation, TaskExplanation } from "../../crds-like-schemas/index.js";
import type { CurrentState, ObservedCluster, ObservedTask } from "../model.js";
import { type ContainerVerdict, createPlanContext, evaluateTask, nodeForTask } from "./evaluate-task.js";

/** Explain reasons: the plan's verdicts plus what only the runtime view adds. */
export type ExplainReason =
  | ContainerVerdict
  /** The container is a target but its node has no live agent: it waits (state orphaned). */
  | "NoAgent"
  /** A Fargate task without a live sidecar: the shared pool scrapes it. */
  | "Pool";

/** What explain answers, per container and for the task: the status API contract's types. */
export type { ContainerExplanation, TaskExplanation };

/**
 * Why each container of a task is, or is not, a target. `taskArnOrId` is a full task ARN or the task id
 * (the last ARN segment). Pure, never throws; uses exactly the evaluation plan() uses.
 */
export function explain(
  spec: ClusterSpec,
  observed: ObservedCluster,
  current: CurrentState,
  taskArnOrId: string,
): TaskExplanation {
  const query = String(taskArnOrId ?? "").trim();
  const task = findTask(observed.tasks, query);
  if (!task) {
    return {
      query,
      found: false,
      cluster: observed.cluster,
      message: `task ${JSON.stringify(query)} not found in cluster ${observed.cluster} (it may have stopped or not been observed yet)`,
      containers: [],
    };
  }
  const ctx = createPlanContext(spec, observed, current);
  const nodeId = nodeForTask(ctx, task);
  const containers = evaluateTask(ctx, task).map((outcome): ContainerExplanation => {
    const base: ContainerExplanation = {
      containerName: outcome.containerName,
      isTarget: outcome.targets.length > 0,
      reason: outcome.verdict,
      message: outcome.message,
      targetIds: outcome.targets.map((t) => t.target.id),
      invalid: outcome.invalid.map((i) => ({ id: i.id, reason: i.reason })),
    };
    if (!base.isTarget || base.reason !== "Target") return base;
    if (nodeId === undefined) {
      return { ...base, reason: "Pool", message: `${base.message}; no sidecar agent: the shared pool scrapes it` };
    }
    const isEc2Node = task.launchType !== "FARGATE" && task.containerInstanceArn !== undefined;
    if (isEc2Node && !current.liveAgents.has(nodeId)) {
      return { ...base, reason: "NoAgent", message: `${base.message}; but node ${nodeId} has no live agent` };
    }
    return base;
  });
  const targets = containers.filter((c) => c.isTarget).length;
  return {
    query,
    found: true,
    cluster: observed.cluster,
    taskArn: task.taskArn,
    lastStatus: task.lastStatus,
    serviceName: task.serviceName,
    taskDefinitionArn: task.taskDefinitionArn,
    nodeId,
    message: `${targets} of ${containers.length} containers are targets`,
    containers,
  };
}

function findTask(tasks: readonly ObservedTask[], query: string): ObservedTask | undefined {
  if (query === "") return undefined;
  return tasks.find((t) => t.taskArn === query) ?? tasks.find((t) => t.taskId === query);
}
