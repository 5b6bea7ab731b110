import { describe, expect, it } from "vitest";
import type { NodePayload } from "../model.js";
import { conditionIsAbnormal } from "./conditions.js";
import { nodesWithoutAgent, nodesWithoutAgentCondition } from "./node-coverage.js";

const payload = (nodeId: string, targets: number): NodePayload => ({
  nodeId,
  targets: Array.from({ length: targets }, (_, i) => ({
    id: `${nodeId}/t${i}`,
    address: `10.0.0.1:${8000 + i}`,
    scheme: "http",
    metricsPath: "/metrics",
    labels: {},
  })),
  statsAssignments: [],
  trunking: false,
  awsvpcTasks: 0,
});
const plan = (...nodes: NodePayload[]) => ({ nodes: new Map(nodes.map((n) => [n.nodeId, n])) });
const instances = [
  { nodeId: "a", ec2InstanceId: "i-a" },
  { nodeId: "b", ec2InstanceId: "i-b" },
  { nodeId: "c", ec2InstanceId: "i-c" },
];

describe("nodesWithoutAgent", () => {
  const table = [
    { name: "every node served", plan: plan(payload("a", 2), payload("b", 1)), live: ["a", "b"], want: [] },
    { name: "an empty node needs no agent", plan: plan(payload("a", 2), payload("c", 0)), live: ["a"], want: [] },
    {
      name: "a node with targets and no agent (the demo's third instance)",
      plan: plan(payload("a", 2), payload("b", 1), payload("c", 7)),
      live: ["a", "b"],
      want: [{ nodeId: "c", ec2InstanceId: "i-c", targets: 7 }],
    },
    {
      name: "sorted by node id; unknown instance has no EC2 id",
      plan: plan(payload("z", 1), payload("b", 3)),
      live: [],
      want: [
        { nodeId: "b", ec2InstanceId: "i-b", targets: 3 },
        { nodeId: "z", ec2InstanceId: undefined, targets: 1 },
      ],
    },
  ];
  it.each(table)("$name", ({ plan: p, live, want }) => {
    expect(nodesWithoutAgent(p, new Set(live), instances)).toEqual(want);
  });
});

describe("nodesWithoutAgentCondition", () => {
  it("is False (normal) when every node with targets has an agent", () => {
    const c = nodesWithoutAgentCondition([]);
    expect(c).toMatchObject({ type: "NodesWithoutAgent", status: "False", reason: "AgentsLive" });
    expect(conditionIsAbnormal(c)).toBe(false);
  });

  it("is True (abnormal) and names the nodes, their instances and target counts", () => {
    const c = nodesWithoutAgentCondition([
      { nodeId: "c", ec2InstanceId: "i-c", targets: 7 },
      { nodeId: "d", ec2InstanceId: undefined, targets: 1 },
    ]);
    expect(c).toMatchObject({ type: "NodesWithoutAgent", status: "True", reason: "NoLiveAgent" });
    expect(c.message).toBe(
      "2 nodes have 8 target(s) but no live agent (no heartbeat within the TTL), so nothing scrapes them and they " +
        "stay orphaned: c (i-c): 7, d: 1",
    );
    expect(conditionIsAbnormal(c)).toBe(true);
  });

  it("names at most five nodes", () => {
    const nodes = Array.from({ length: 7 }, (_, i) => ({ nodeId: `n${i}`, ec2InstanceId: undefined, targets: 1 }));
    expect(nodesWithoutAgentCondition(nodes).message).toMatch(/n4: 1, and 2 more$/);
  });
});

describe("conditionIsAbnormal", () => {
  const table = [
    { type: "SpecValid", status: "True", abnormal: false },
    { type: "SpecValid", status: "False", abnormal: true },
    { type: "ObservationComplete", status: "Unknown", abnormal: true },
    { type: "NodesWithoutAgent", status: "False", abnormal: false },
    { type: "NodesWithoutAgent", status: "True", abnormal: true },
  ] as const;
  it.each(table)("$type=$status → abnormal $abnormal", ({ abnormal, ...c }) => {
    expect(conditionIsAbnormal(c)).toBe(abnormal);
  });
});
