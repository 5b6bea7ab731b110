import { beforeEach, describe, expect, it } from "vitest";
import { ObservationError } from "../errors/observation-error.js";
import { ARN, CLUSTER_ARN, FakeAws, spec } from "./cluster-observer.test-helpers.js";

let aws: FakeAws;
beforeEach(() => {
  aws = new FakeAws();
});

describe("ClusterObserver", () => {
  it("builds a complete view on the first cycle", async () => {
    for (let i = 0; i < 250; i++) aws.addTask(`t${i}`, "RUNNING", (i % 3) + 1);
    const o = aws.observer();
    const view = await o.observe();
    expect(view.cluster).toBe("demo");
    expect(view.clusterArn).toBe(CLUSTER_ARN);
    expect(view.tasks).toHaveLength(250);
    expect(view.taskDefinitions.size).toBe(3);
    expect(view.instances.map((i) => [i.nodeId, i.privateIp, i.trunking])).toEqual([
      ["node-1", "10.0.0.1", false],
      ["node-2", "10.0.0.2", false],
      ["node-3", "10.0.0.3", true],
    ]);
    expect(view.instanceTypes.get("m5.large")).toEqual({
      instanceType: "m5.large",
      maxEnis: 3,
      trunkBranchEnis: 10,
      vcpus: 2,
      memoryMiB: 8192,
    });
    expect(view.services).toEqual([
      { serviceName: "web", serviceArn: `${ARN}:service/demo/web`, desiredCount: 3, runningCount: 2, pendingCount: 1 },
    ]);
    expect(aws.calls).toMatchObject({
      ListTasks: 3,
      DescribeTasks: 3,
      DescribeTaskDefinition: 3,
      ListContainerInstances: 2,
      DescribeContainerInstances: 1,
      DescribeInstances: 1,
      DescribeInstanceTypes: 1,
    });
    expect(o.lastCycle()?.calls["ecs:DescribeTasks"]).toBe(3);
  });

  it("a steady cycle costs only ListTasks pages", async () => {
    for (let i = 0; i < 250; i++) aws.addTask(`t${i}`);
    const o = aws.observer();
    await o.observe();
    aws.calls = {};
    aws.clock += 10_000;
    const view = await o.observe();
    expect(view.tasks).toHaveLength(250);
    expect(view.services).toBeUndefined();
    expect(aws.calls).toEqual({ ListTasks: 3 });
  });

  it("describes only new and transitional tasks, in batches of 100", async () => {
    for (let i = 0; i < 100; i++) aws.addTask(`t${i}`);
    aws.addTask("pending", "PENDING");
    const o = aws.observer();
    await o.observe();
    aws.calls = {};
    for (let i = 100; i < 250; i++) aws.addTask(`t${i}`);
    aws.tasks.get(`${ARN}:task/demo/pending`)!.lastStatus = "RUNNING";
    aws.clock += 10_000;
    const view = await o.observe();
    // 150 new + 1 transitional = 151 → 2 calls.
    expect(aws.calls.DescribeTasks).toBe(2);
    expect(aws.calls.DescribeTaskDefinition).toBeUndefined();
    expect(view.tasks.find((t) => t.taskId === "pending")?.lastStatus).toBe("RUNNING");
  });

  it("drops tasks that leave the RUNNING list", async () => {
    aws.addTask("a");
    aws.addTask("b");
    const o = aws.observer();
    await o.observe();
    aws.tasks.get(`${ARN}:task/demo/a`)!.desiredStatus = "STOPPED";
    const view = await o.observe();
    expect(view.tasks.map((t) => t.taskId)).toEqual(["b"]);
  });

  it.each(["ListTasks", "DescribeTasks", "DescribeTaskDefinition", "DescribeContainerInstances", "DescribeServices"])(
    "a failing %s throws ObservationError and keeps the last good view",
    async (op) => {
      aws.addTask("a");
      const o = aws.observer();
      const first = await o.observe();
      aws.addTask("b");
      aws.failing.add(op);
      aws.clock += 120_000;
      o.requestFullRefresh();
      // Make sure the failing operation is actually needed this cycle.
      aws.tasks.get(`${ARN}:task/demo/b`)!.taskDefinitionArn = `${ARN}:task-definition/web:9`;
      const error = await o.observe().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ObservationError);
      expect((error as ObservationError).reason).toBe("Throttled");
      expect(o.lastGood()).toBe(first);
      expect(o.lastCycle()?.ok).toBe(false);
      aws.failing.clear();
      const view = await o.observe();
      expect(view.tasks.map((t) => t.taskId)).toEqual(["a", "b"]);
    },
  );

  it("refreshes container instances once per capacity period, and describes unknown ones at once", async () => {
    aws.addTask("a", "RUNNING", 1);
    const o = aws.observer(spec({ capacity: { period: "60s" } }));
    await o.observe();
    aws.calls = {};
    aws.instances.push({
      ...aws.instances[0]!,
      containerInstanceArn: `${ARN}:container-instance/demo/node-4`,
      ec2InstanceId: "i-4",
    });
    aws.addTask("b", "RUNNING", 4);
    aws.clock += 10_000;
    let view = await o.observe();
    expect(aws.calls).toMatchObject({ DescribeContainerInstances: 1, DescribeInstances: 1 });
    expect(aws.calls.ListContainerInstances).toBeUndefined();
    expect(view.instances.map((i) => i.nodeId)).toContain("node-4");
    aws.calls = {};
    aws.clock += 60_000;
    const before = new Map(view.instances.map((i) => [i.nodeId, i]));
    view = await o.observe();
    expect(aws.calls).toMatchObject({ ListContainerInstances: 2, DescribeContainerInstances: 1 });
    expect(aws.calls.DescribeInstances).toBeUndefined();
    expect(view.instances).toHaveLength(4);
    // Unchanged instances stay the same objects across a refresh (plan() memoizes by identity).
    for (const instance of view.instances) expect(instance).toBe(before.get(instance.nodeId));
  });

  it("an EC2 instance id EC2 does not know does not fail the cycle", async () => {
    const original = aws.ec2.describeInstances;
    aws.ec2.describeInstances = async (input) => {
      if (input.InstanceIds) {
        throw Object.assign(new Error("The instance ID 'i-3' does not exist"), {
          name: "InvalidInstanceID.NotFound",
          $metadata: { httpStatusCode: 400 },
        });
      }
      const ids = (input.Filters?.[0]?.Values ?? []).filter((id) => id !== "i-3");
      return original({ InstanceIds: ids });
    };
    aws.addTask("a");
    const view = await aws.observer().observe();
    expect(view.instances.map((i) => [i.nodeId, i.privateIp])).toEqual([
      ["node-1", "10.0.0.1"],
      ["node-2", "10.0.0.2"],
      ["node-3", undefined],
    ]);
  });

  it("lists Cloud Map namespaces, services and instances across pages", async () => {
    const o = aws.observer(spec({ cloudMap: { namespaces: ["ecs-services"] } }));
    const view = await o.observe();
    expect(view.cloudMap.map((i) => [i.instanceId, i.ipv4, i.port, i.metricsPath])).toEqual([
      ["inst-1", "10.9.0.1", 9100, "/tagged"],
      ["inst-2", "10.9.0.2", 9100, "/own"],
      ["inst-3", "10.9.0.3", 9100, "/tagged"],
    ]);
    expect(aws.calls).toMatchObject({ ListNamespaces: 2, CloudMapListServices: 1, ListInstances: 2 });
  });

  it("re-lists Cloud Map once per the spec's cloudMap.period", async () => {
    const o = aws.observer(spec({ cloudMap: { namespaces: ["ecs-services"], period: "10s" } }));
    const relists = () => aws.calls.CloudMapListServices ?? 0;
    await o.observe();
    expect(relists()).toBe(1);
    aws.clock += 9_999;
    await o.observe();
    expect(relists()).toBe(1);
    aws.clock += 1;
    await o.observe();
    expect(relists()).toBe(2);
    o.updateSpec(spec({ cloudMap: { namespaces: ["ecs-services"], period: "1m" } }));
    aws.clock += 30_000;
    await o.observe();
    expect(relists()).toBe(2);
    aws.clock += 30_000;
    await o.observe();
    expect(relists()).toBe(3);
  });
});
