import { describe, expect, it } from "vitest";
import { ClusterStatus } from "./cluster-status.js";
import { observeStep } from "./observe-step.js";
import { demoObserved, FakeObserver, FakeSpecSource } from "./pipeline.test-helpers.js";

function setup(observer: FakeObserver) {
  const status = new ClusterStatus({
    cluster: "demo",
    generation: () => 1,
    fencingToken: () => undefined,
    counts: () => ({ targets: {}, agents: {} }),
    now: () => 0,
  });
  return { ctx: { observer, status }, status };
}

describe("observeStep", () => {
  it("hands the observer the spec first and records a complete observation with the observer's conditions", async () => {
    const observer = new FakeObserver(demoObserved());
    const conditions = [{ type: "EventsFlowing", status: "True" as const, reason: "Flowing", message: "ok" }];
    Object.assign(observer, { conditions: () => conditions.map((c) => ({ ...c, lastTransitionTime: "x" })) });
    const { ctx, status } = setup(observer);
    const spec = new FakeSpecSource().clusterSpec();
    const got = await observeStep(ctx, spec);
    expect(got).toBe(observer.next);
    expect(observer.specs).toEqual([spec]);
    expect(status.conditions().map((c) => [c.type, c.status, c.message])).toEqual([
      ["ObservationComplete", "True", "observed 3 tasks on 2 instances"],
      ["EventsFlowing", "True", "ok"],
    ]);
  });

  it.each([
    ["throttled", Object.assign(new Error("Rate exceeded"), { reason: "Throttled" }), "Throttled"],
    ["anything else", new Error("connect ECONNREFUSED"), "ObservationFailed"],
  ])("rethrows a failed observation (%s) after recording ObservationComplete=False/%s", async (_n, error, reason) => {
    const observer = new FakeObserver();
    observer.next = error;
    const { ctx, status } = setup(observer);
    await expect(observeStep(ctx, new FakeSpecSource().clusterSpec())).rejects.toBe(error);
    expect(status.conditions()).toEqual([
      expect.objectContaining({ type: "ObservationComplete", status: "False", reason, message: error.message }),
    ]);
  });
});
