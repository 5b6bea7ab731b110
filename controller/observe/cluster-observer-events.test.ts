import { beforeEach, describe, expect, it } from "vitest";
import { ARN, CLUSTER_ARN, FakeAws } from "./cluster-observer.test-helpers.js";

let aws: FakeAws;
beforeEach(() => {
  aws = new FakeAws();
});

describe("ClusterObserver.applyTaskEvent", () => {
  const detail = (id: string, version: number, lastStatus = "RUNNING", desiredStatus = "RUNNING") => ({
    clusterArn: CLUSTER_ARN,
    taskArn: `${ARN}:task/demo/${id}`,
    taskDefinitionArn: `${ARN}:task-definition/web:1`,
    lastStatus,
    desiredStatus,
    version,
    containers: [{ name: "app" }],
  });

  it.each([
    ["newer version applies", [detail("a", 2, "PENDING"), detail("a", 3)], ["applied", "applied"], "RUNNING"],
    ["older version is ignored", [detail("a", 3), detail("a", 2, "PENDING")], ["applied", "stale"], "RUNNING"],
    ["duplicate is harmless", [detail("a", 3), detail("a", 3)], ["applied", "duplicate"], "RUNNING"],
    ["stop removes", [detail("a", 3), detail("a", 4, "STOPPED", "STOPPED")], ["applied", "removed"], undefined],
    ["late event after stop", [detail("a", 4, "RUNNING", "STOPPED"), detail("a", 3)], ["removed", "stale"], undefined],
    ["other cluster", [{ ...detail("a", 1), clusterArn: `${ARN}:cluster/other` }], ["ignored"], undefined],
  ])("%s", async (_name, events, results, status) => {
    const o = aws.observer();
    await o.observe();
    expect(events.map((e) => o.applyTaskEvent(e))).toEqual(results);
    const view = await o.observe({ resync: false });
    expect(view.tasks.find((t) => t.taskId === "a")?.lastStatus).toBe(status);
  });

  it("events during a resync cycle are replayed on its result", async () => {
    aws.addTask("a");
    const o = aws.observer();
    await o.observe();
    const original = aws.ecs.listTasks;
    aws.ecs.listTasks = async (input) => {
      const out = await original(input);
      o.applyTaskEvent(detail("a", 9, "RUNNING", "STOPPED"));
      return out;
    };
    const view = await o.observe();
    expect(view.tasks).toEqual([]);
  });

  it("between resyncs, service figures come from the cache with no ECS call", async () => {
    aws.addTask("a");
    const o = aws.observer();
    await o.observe();
    aws.calls = {};
    o.applyTaskEvent({ ...detail("b", 1), group: "service:web" });
    o.applyTaskEvent({ ...detail("c", 1, "PENDING"), group: "service:web" });
    aws.clock += 120_000;
    const view = await o.observe({ resync: false });
    expect(view.services).toEqual([
      { serviceName: "web", serviceArn: `${ARN}:service/demo/web`, desiredCount: 3, runningCount: 2, pendingCount: 1 },
    ]);
    expect(aws.calls).toEqual({});
    o.markServicesDue();
    await o.observe({ resync: false });
    expect(aws.calls).toMatchObject({ ListServices: 1, DescribeServices: 1 });
  });

  it("a cached (resync: false) cycle makes no ListTasks call and fetches new definitions", async () => {
    const o = aws.observer();
    await o.observe();
    aws.calls = {};
    o.applyTaskEvent(detail("new", 1));
    const view = await o.observe({ resync: false });
    expect(view.tasks.map((t) => t.taskId)).toEqual(["new"]);
    expect(aws.calls).toEqual({ DescribeTaskDefinition: 1 });
  });
});
