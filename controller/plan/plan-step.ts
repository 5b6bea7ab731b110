import type { ClusterSpec } from "../../crds-like-schemas/index.js";
import type { ClusterPlan, CurrentState, ObservedCluster } from "../model.js";
import { plan } from "./plan.js";

/** What the plan step needs of an agent's heartbeat: which mode it runs in. */
export interface AgentMode {
  mode: string;
}

/**
 * The plan's view of the agents: the nodes whose agent is live, and the tasks whose live agent is their own
 * sidecar (their targets go to that sidecar rather than to the pool). Pure.
 */
export function currentState(
  observed: Pick<ObservedCluster, "tasks">,
  liveAgents: Set<string>,
  heartbeats: ReadonlyMap<string, AgentMode>,
): CurrentState {
  const sidecarTasks = new Set<string>();
  for (const task of observed.tasks) {
    if (liveAgents.has(task.taskId) && heartbeats.get(task.taskId)?.mode === "sidecar") sidecarTasks.add(task.taskArn);
  }
  return { liveAgents, sidecarTasks };
}

/**
 * Plan: the desired targets and node payloads from the spec, the observation and the agents (live set from the
 * machines, modes from the round's one heartbeat read). Pure: the machines are fed by the next step.
 */
export function planStep(
  spec: ClusterSpec,
  observed: ObservedCluster,
  liveAgents: Set<string>,
  heartbeats: ReadonlyMap<string, AgentMode>,
): { planned: ClusterPlan; current: CurrentState } {
  const current = currentState(observed, liveAgents, heartbeats);
  return { planned: plan(spec, observed, current), current };
}
