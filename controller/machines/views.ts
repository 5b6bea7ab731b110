import type { SnapshotFrom } from "xstate";
import type { AgentView, TargetView } from "../../crds-like-schemas/index.js";
import type { DesiredTarget } from "../model.js";
import type { AgentStateName, agentMachine } from "./agent-machine.js";
import { type targetMachine, targetStateName } from "./target-machine.js";

/** One target and one agent as the status API shows them: the contract's types. */
export type { AgentView, TargetView };

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
