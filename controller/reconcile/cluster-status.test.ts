import { describe, expect, it } from "vitest";
import type { ClusterCapacity } from "../capacity/compute-capacity.js";
import type { ClusterPlan } from "../model.js";
import { current, observed } from "../plan/fixtures.test-helpers.js";
import { ClusterStatus, type StateCounts } from "./cluster-status.js";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");

function status(counts: StateCounts = { targets: {}, agents: {} }) {
  const clock = { now: T0, generation: 3 as number | undefined };
  const s = new ClusterStatus({
    cluster: "demo",
    generation: () => clock.generation,
    fencingToken: () => 42,
    counts: () => counts,
    now: () => clock.now,
  });
  return { s, clock };
}

const condition = (s: ClusterStatus, type: string) => s.conditions().find((c) => c.type === type);

describe("ClusterStatus conditions", () => {
  it("moves lastTransitionTime only when the status changes, and stamps the spec generation of each update", () => {
    const { s, clock } = status();
    s.recordFailure(new Error("boom"));
    const first = condition(s, "Reconciled");
    expect(first).toMatchObject({ status: "False", reason: "Error", message: "boom", observedGeneration: 3 });
    expect(first?.lastTransitionTime).toBe(new Date(T0).toISOString());

    clock.now += 5_000;
    clock.generation = 4;
    s.recordFailure(Object.assign(new Error("again"), { name: "LeaseLostError" }));
    expect(condition(s, "Reconciled")).toMatchObject({
      status: "False",
      reason: "LeaseLostError",
      message: "again",
      observedGeneration: 4,
      lastTransitionTime: new Date(T0).toISOString(),
    });

    clock.now += 5_000;
    s.recordReconciled({ observed: observed({}), planned: emptyPlan(), current: current(), at: clock.now });
    expect(condition(s, "Reconciled")).toMatchObject({
      status: "True",
      reason: "Reconciled",
      lastTransitionTime: new Date(T0 + 10_000).toISOString(),
    });
  });

  it.each([
    ["an error naming its reason", Object.assign(new Error("rate exceeded"), { reason: "Throttled" }), "Throttled"],
    ["an error without a reason", new Error("socket hang up"), "ObservationFailed"],
    ["a non-string reason", Object.assign(new Error("odd"), { reason: 7 }), "ObservationFailed"],
    ["a thrown string", "plain failure", "ObservationFailed"],
  ])("a failed observation from %s is ObservationComplete=False/%s", (_name, error, reason) => {
    const { s } = status();
    s.recordObservationFailure(error);
    expect(condition(s, "ObservationComplete")).toMatchObject({
      status: "False",
      reason,
      message: error instanceof Error ? error.message : error,
    });
  });

  it("a complete observation is ObservationComplete=True and merges the observer's own conditions", () => {
    const { s } = status();
    s.recordObservation(observed({}), [
      { type: "EventsFlowing", status: "False", reason: "NotConfigured", message: "no queue" },
    ]);
    expect(s.conditions().map((c) => [c.type, c.status, c.reason])).toEqual([
      ["ObservationComplete", "True", "Observed"],
      ["EventsFlowing", "False", "NotConfigured"],
    ]);
    expect(condition(s, "ObservationComplete")?.message).toBe("observed 0 tasks on 0 instances");
  });

  it.each([
    [[], "False", "AgentsLive"],
    [[{ nodeId: "n1", ec2InstanceId: "i-1", targets: 2 }], "True", "NoLiveAgent"],
  ] as const)("coverage %j sets NodesWithoutAgent=%s/%s and lists the nodes in the summary", (nodes, want, reason) => {
    const { s } = status();
    s.recordCoverage([...nodes]);
    expect(condition(s, "NodesWithoutAgent")).toMatchObject({ status: want, reason });
    expect(s.summary(undefined).nodesWithoutAgent).toEqual(nodes);
  });
});

describe("ClusterStatus summary", () => {
  it("is empty before a round and describes the last completed round after one", () => {
    const counts = { targets: { "active.healthy": 2 }, agents: { ready: 1 } };
    const { s } = status(counts);
    expect(s.summary("me")).toEqual({
      cluster: "demo",
      holder: "me",
      fencingToken: 42,
      observedAt: undefined,
      lastReconcileAt: undefined,
      conditions: [],
      targets: counts.targets,
      agents: counts.agents,
      invalidTargets: 0,
      nodes: 0,
      nodesWithoutAgent: [],
      poolTargets: 0,
      syncJobsSent: 0,
      capacity: undefined,
    });

    const planned = emptyPlan();
    planned.nodes.set("n1", { nodeId: "n1", targets: [], statsAssignments: [], trunking: false, awsvpcTasks: 0 });
    planned.nodes.set("n2", { nodeId: "n2", targets: [], statsAssignments: [], trunking: false, awsvpcTasks: 0 });
    planned.invalid.push({ id: "x", cluster: "demo", taskArn: "t", containerName: "c", reason: "bad label" });
    s.recordSyncJobs(2);
    s.recordSyncJobs(1);
    const capacity = {
      observedAt: "2026-01-01T00:00:05.000Z",
      remainingEnis: 4,
      nodes: [{}],
    } as unknown as ClusterCapacity;
    s.recordCapacity(capacity);
    s.recordReconciled({ observed: observed({}), planned, current: current(), at: T0 + 1_500 });

    const summary = s.summary(undefined);
    expect(summary).toMatchObject({
      observedAt: "2026-01-01T00:00:00.000Z",
      lastReconcileAt: "2026-01-01T00:00:01.500Z",
      invalidTargets: 1,
      nodes: 2,
      poolTargets: 0,
      syncJobsSent: 3,
      capacity: { observedAt: "2026-01-01T00:00:05.000Z", remainingEnis: 4 },
    });
    expect(summary.capacity).not.toHaveProperty("nodes");
    expect(s.lastCapacity()).toBe(capacity);
    expect(s.lastRound()?.at).toBe(T0 + 1_500);
  });
});

function emptyPlan(): ClusterPlan {
  return { cluster: "demo", targets: [], invalid: [], nodes: new Map(), pool: [], services: undefined };
}
