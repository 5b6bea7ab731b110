import type { NodeWithoutAgent } from "../../crds-like-schemas/index.js";
import type { ClusterPlan, Condition, ObservedInstance } from "../model.js";

/** A node the plan gives scrape targets while no live agent serves it: the status API contract's type. */
export type { NodeWithoutAgent };

/** Most nodes named in the condition message; the summary lists them all. */
const NAMED_NODES = 5;

/**
 * Nodes with at least one planned target and no live agent (never heard from, or lost), sorted by node id. Pure.
 * Fargate sidecar nodes appear in a plan only while their agent is live, and pool targets have no node, so in
 * practice these are EC2 container instances whose agent is missing.
 */
export function nodesWithoutAgent(
  plan: Pick<ClusterPlan, "nodes">,
  liveAgents: ReadonlySet<string>,
  instances: readonly Pick<ObservedInstance, "nodeId" | "ec2InstanceId">[],
): NodeWithoutAgent[] {
  const ec2Ids = new Map(instances.map((i) => [i.nodeId, i.ec2InstanceId]));
  const out: NodeWithoutAgent[] = [];
  for (const payload of plan.nodes.values()) {
    if (payload.targets.length === 0 || liveAgents.has(payload.nodeId)) continue;
    out.push({ nodeId: payload.nodeId, ec2InstanceId: ec2Ids.get(payload.nodeId), targets: payload.targets.length });
  }
  return out.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
}

/**
 * The `NodesWithoutAgent` condition (abnormal when True): which nodes hold targets nobody scrapes, and why their
 * targets are `orphaned` rather than healthy.
 */
export function nodesWithoutAgentCondition(
  nodes: readonly NodeWithoutAgent[],
): Pick<Condition, "type" | "status" | "reason" | "message"> {
  const type = "NodesWithoutAgent";
  if (nodes.length === 0) {
    return { type, status: "False", reason: "AgentsLive", message: "every node with targets has a live agent" };
  }
  const targets = nodes.reduce((sum, n) => sum + n.targets, 0);
  const named = nodes
    .slice(0, NAMED_NODES)
    .map((n) => `${n.nodeId}${n.ec2InstanceId ? ` (${n.ec2InstanceId})` : ""}: ${n.targets}`)
    .join(", ");
  const more = nodes.length > NAMED_NODES ? `, and ${nodes.length - NAMED_NODES} more` : "";
  const subject = nodes.length === 1 ? "1 node has" : `${nodes.length} nodes have`;
  return {
    type,
    status: "True",
    reason: "NoLiveAgent",
    message:
      `${subject} ${targets} target(s) but no live agent (no heartbeat within the TTL), ` +
      `so nothing scrapes them and they stay orphaned: ${named}${more}`,
  };
}
