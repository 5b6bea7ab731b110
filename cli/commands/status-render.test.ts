import { describe, expect, it } from "vitest";
import type { ClusterSummary, StatusDocument, TargetView } from "../../crds-like-schemas/contracts/status-api.js";
import { renderClusterProblems, renderStatus, renderTargets } from "./status-render.js";

const condition = (type: string, status: "True" | "False", reason: string, message: string) => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: "2026-01-01T00:00:00.000Z",
});

const summary = (cluster: string, conditions: ClusterSummary["conditions"]): ClusterSummary => ({
  cluster,
  holder: "replica-a",
  fencingToken: 3,
  observedAt: "2026-01-01T00:00:00.000Z",
  lastReconcileAt: "2026-01-01T00:00:00.000Z",
  conditions,
  targets: { "active.healthy": 10, orphaned: 7 },
  agents: { ready: 2 },
  invalidTargets: 0,
  nodes: 3,
  nodesWithoutAgent: conditions.some((c) => c.type === "NodesWithoutAgent" && c.status === "True")
    ? [{ nodeId: "node-c", ec2InstanceId: "i-c", targets: 7 }]
    : [],
  poolTargets: 2,
  syncJobsSent: 4,
  capacity: undefined,
});

const doc = (clusters: ClusterSummary[]): StatusDocument => ({
  replica: "replica-a",
  ready: true,
  stale: [],
  leases: [],
  spec: { loaded: true, name: "local", version: 1, generation: 1, conditions: [] },
  clusters,
});

const noAgent = condition(
  "NodesWithoutAgent",
  "True",
  "NoLiveAgent",
  "1 node has 7 target(s) but no live agent (no heartbeat within the TTL), so nothing scrapes them and they stay orphaned: node-c (i-c): 7",
);

describe("status rendering", () => {
  it("flags NodesWithoutAgent=True (abnormal-true polarity) but not a True ObservationComplete", () => {
    const text = renderStatus(
      doc([summary("demo", [condition("ObservationComplete", "True", "Observed", "ok"), noAgent])]),
    );
    expect(text).toMatch(/^CLUSTER\s+HOLDER\s+TOKEN\s+TARGETS\s+AGENTS\s+NODES W\/O AGENT\s+INVALID\s+OBSERVED$/m);
    expect(text).toMatch(/^demo\s+replica-a\s+3\s+active\.healthy=10 orphaned=7\s+ready=2\s+1\s+0\s+/m);
    const problems = text.split("\n").filter((l) => l.startsWith("!"));
    expect(problems).toEqual([`! demo: NodesWithoutAgent=True NoLiveAgent: ${noAgent.message}`]);
  });

  it("shows no problem line when every node with targets has an agent", () => {
    const fine = condition("NodesWithoutAgent", "False", "AgentsLive", "every node with targets has a live agent");
    expect(renderClusterProblems(doc([summary("demo", [fine])]))).toEqual([]);
  });

  it("limits problem lines to one cluster for `ecsmon targets --cluster`", () => {
    const d = doc([summary("demo", [noAgent]), summary("other", [noAgent])]);
    expect(renderClusterProblems(d, "other")).toEqual([
      `! other: NodesWithoutAgent=True NoLiveAgent: ${noAgent.message}`,
    ]);
  });

  it("lists an orphaned target with its reason", () => {
    const target: TargetView = {
      id: "arn:task/1/app/9100/metrics",
      cluster: "demo",
      state: "orphaned",
      nodeId: "node-c",
      taskArn: "arn:task/1",
      containerName: "node-exporter",
      serviceName: "node-exporter",
      address: "10.0.0.3:9100",
      scheme: "http",
      metricsPath: "/metrics",
      labels: undefined,
      reason: "node node-c has no live agent",
      lastError: undefined,
      failures: 0,
      since: "2026-01-01T00:00:00.000Z",
      lastHealthAt: undefined,
    };
    const text = renderTargets({ count: 1, targets: [target] });
    expect(text).toMatch(
      /^demo\s+node-exporter\s+node-exporter\s+orphaned\s+http:\/\/10\.0\.0\.3:9100\/metrics\s+node-c\s+node node-c has no live agent$/m,
    );
  });
});
