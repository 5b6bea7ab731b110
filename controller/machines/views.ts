import type { SnapshotFrom } from "xstate";
import type { DesiredTarget } from "../model.js";
import type { AgentStateName, agentMachine } from "./agent-machine.js";
import { type TargetStateName, type targetMachine, targetStateName } from "./target-machine.js";

/** One target as the status API shows it. */
export interface TargetView {
  id: string;
  cluster: string;
  state: TargetStateName;
  nodeId: string | undefined;
  taskArn: string | undefined;
  containerName: string | undefined;
  serviceName: string | undefined;
  /** From the latest plan (absent for invalid targets). */
  address: string | undefined;
  scheme: string | undefined;
  metricsPath: string | undefined;
  /** Labels from the latest plan, when this replica holds the cluster. */
  labels: Record<string, string> | undefined;
  reason: string | undefined;
  lastError: string | undefined;
  failures: number;
  /** ISO-8601 time the current state was entered. */
  since: string;
  lastHealthAt: string | undefined;
}

/** One agent as the status API shows it. */
export interface AgentView {
  cluster: string;
  nodeId: string;
  state: AgentStateName;
  agentId: string;
  mode: string;
  /**
   * Number of the node assignment (sync job `sync-<node>-g<n>`) the agent last applied; -1 before the first.
   * Not the spec generation: it counts the node's own payload changes and starts at the epoch second.
   */
  assignment: number;
  ttlMs: number;
  metricsUrl: string | undefined;
  lastSeen: string;
  since: string;
  incarnations: number;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/**
 * Builds the view from a live or persisted snapshot (only `value` and `context` are read). `lastHealthAt` is the
 * registry's newer time of the last health result, when it has one.
 */
export function targetView(
  snapshot: Pick<SnapshotFrom<typeof targetMachine>, "value" | "context">,
  detail?: DesiredTarget | undefined,
  lastHealthAt?: number | undefined,
): TargetView {
  const c = snapshot.context;
  return {
    id: c.id,
    cluster: c.cluster,
    state: targetStateName(snapshot.value),
    nodeId: c.nodeId,
    taskArn: c.taskArn,
    containerName: c.containerName,
    serviceName: c.serviceName,
    address: detail?.target.address ?? c.address,
    scheme: detail?.target.scheme ?? c.scheme,
    metricsPath: detail?.target.metricsPath ?? c.metricsPath,
    labels: detail?.target.labels,
    reason: c.reason,
    lastError: c.lastError,
    failures: c.failures,
    since: iso(c.since) ?? "",
    lastHealthAt: iso(lastHealthAt ?? c.lastHealthAt),
  };
}

export function agentView(snapshot: Pick<SnapshotFrom<typeof agentMachine>, "value" | "context">): AgentView {
  const c = snapshot.context;
  return {
    cluster: c.cluster,
    nodeId: c.nodeId,
    state: snapshot.value as AgentStateName,
    agentId: c.agentId,
    mode: c.mode,
    assignment: c.generation,
    ttlMs: c.ttlMs,
    metricsUrl: c.metricsUrl,
    lastSeen: iso(c.lastSeen) ?? "",
    since: iso(c.since) ?? "",
    incarnations: c.incarnations,
  };
}
