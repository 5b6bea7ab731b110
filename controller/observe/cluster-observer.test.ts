import { beforeEach, describe, expect, it } from "vitest";
import { ClusterSpec } from "../../crds-like-schemas/index.js";
import { ObservationError } from "../errors/observation-error.js";
import type { CloudMapApi, Ec2Api, EcsApi } from "./aws-apis.js";
import { ClusterObserver } from "./cluster-observer.js";

/**
 * A small in-memory ECS/EC2/Cloud Map behind the narrow interfaces (unit test fake; the integration tests use the
 * simulator over HTTP). It paginates like the real APIs and can fail chosen operations.
 */
const ARN = "arn:aws:ecs:eu-west-1:000000000000";
const CLUSTER_ARN = `${ARN}:cluster/demo`;

interface FakeTask {
  taskArn: string;
  taskDefinitionArn: string;
  lastStatus: string;
  desiredStatus: string;
  version: number;
  containerInstanceArn?: string;
  group?: string;
  containers: { name: string; networkBindings: { containerPort: number; hostPort: number }[] }[];
}

class FakeAws {
  tasks = new Map<string, FakeTask>();
  instances = [1, 2, 3].map((n) => ({
    containerInstanceArn: `${ARN}:container-instance/demo/node-${n}`,
    ec2InstanceId: `i-${n}`,
    status: "ACTIVE",
    agentConnected: true,
    registeredResources: [{ name: "CPU", integerValue: 2048 }],
    remainingResources: [{ name: "CPU", integerValue: 1024 }],
    attributes: n === 3 ? [{ name: "ecs.awsvpc-trunk-id", value: "eni-1" }] : [],
  }));
  calls: Record<string, number> = {};
  failing = new Set<string>();
  pageSize = 100;

  private count(op: string): void {
    this.calls[op] = (this.calls[op] ?? 0) + 1;
    if (this.failing.has(op)) {
      throw Object.assign(new Error("Rate exceeded"), {
        name: "ThrottlingException",
        $metadata: { httpStatusCode: 400 },
      });
    }
  }

  private page<T>(items: T[], token: string | undefined, size = this.pageSize): { items: T[]; next?: string } {
    const start = token ? Number(token) : 0;
    const next = start + size < items.length ? String(start + size) : undefined;
    return { items: items.slice(start, start + size), ...(next ? { next } : {}) };
  }

  addTask(id: string, status = "RUNNING", node = 1): FakeTask {
    const task: FakeTask = {
      taskArn: `${ARN}:task/demo/${id}`,
      taskDefinitionArn: `${ARN}:task-definition/web:${(Number(id.replace(/\D/g, "")) % 3) + 1}`,
      lastStatus: status,
      desiredStatus: "RUNNING",
      version: 1,
      containerInstanceArn: `${ARN}:container-instance/demo/node-${node}`,
      group: "service:web",
      containers: [{ name: "app", networkBindings: [{ containerPort: 8080, hostPort: 32000 + this.tasks.size }] }],
    };
    this.tasks.set(task.taskArn, task);
    return task;
  }

  ecs: EcsApi = {
    describeClusters: async () => {
      this.count("DescribeClusters");
      return { clusters: [{ clusterArn: CLUSTER_ARN, clusterName: "demo", status: "ACTIVE" }] };
    },
    listTasks: async (input) => {
      this.count("ListTasks");
      const arns = [...this.tasks.values()].filter((t) => t.desiredStatus === "RUNNING").map((t) => t.taskArn);
      const { items, next } = this.page(arns, input.nextToken);
      return { taskArns: items, nextToken: next };
    },
    describeTasks: async (input) => {
      this.count("DescribeTasks");
      expect(input.tasks?.length).toBeLessThanOrEqual(100);
      return { tasks: (input.tasks ?? []).map((arn) => this.tasks.get(arn)).filter((t) => t !== undefined) as never };
    },
    describeTaskDefinition: async (input) => {
      this.count("DescribeTaskDefinition");
      const arn = input.taskDefinition ?? "";
      return {
        taskDefinition: {
          taskDefinitionArn: arn,
          family: "web",
          revision: Number(arn.split(":").pop()),
          networkMode: "bridge",
          containerDefinitions: [{ name: "app", dockerLabels: { PROMETHEUS_SCRAPES: "8080" } }],
        },
      };
    },
    listContainerInstances: async (input) => {
      this.count("ListContainerInstances");
      const { items, next } = this.page(
        this.instances.map((i) => i.containerInstanceArn),
        input.nextToken,
        2,
      );
      return { containerInstanceArns: items, nextToken: next };
    },
    describeContainerInstances: async (input) => {
      this.count("DescribeContainerInstances");
      return {
        containerInstances: this.instances.filter((i) => input.containerInstances?.includes(i.containerInstanceArn)),
      };
    },
    listServices: async () => {
      this.count("ListServices");
      return { serviceArns: [`${ARN}:service/demo/web`] };
    },
    describeServices: async () => {
      this.count("DescribeServices");
      return {
        services: [
          {
            serviceName: "web",
            serviceArn: `${ARN}:service/demo/web`,
            desiredCount: 3,
            runningCount: 2,
            pendingCount: 1,
          },
        ],
      };
    },
  };

  ec2: Ec2Api = {
    describeInstances: async (input) => {
      this.count("DescribeInstances");
      return {
        Reservations: [
          {
            Instances: (input.InstanceIds ?? []).map((id) => ({
              InstanceId: id,
              PrivateIpAddress: `10.0.0.${id.slice(2)}`,
              InstanceType: "m5.large",
              Placement: { AvailabilityZone: "eu-west-1a" },
            })),
          },
        ],
      };
    },
    describeInstanceTypes: async (input) => {
      this.count("DescribeInstanceTypes");
      return {
        InstanceTypes: (input.InstanceTypes ?? []).map((t) => ({
          InstanceType: t,
          NetworkInfo: { MaximumNetworkInterfaces: 3 },
          VCpuInfo: { DefaultVCpus: 2 },
          MemoryInfo: { SizeInMiB: 8192 },
        })),
      };
    },
  };

  cloudMap: CloudMapApi = {
    listNamespaces: async (input) => {
      this.count("ListNamespaces");
      const all = [
        { Id: "ns-1", Name: "ecs-services" },
        { Id: "ns-2", Name: "other" },
      ];
      const { items, next } = this.page(all, input.NextToken, 1);
      return { Namespaces: items, NextToken: next };
    },
    listServices: async (input) => {
      this.count("CloudMapListServices");
      expect(input.Filters?.[0]).toEqual({ Name: "NAMESPACE_ID", Values: ["ns-1"], Condition: "EQ" });
      return { Services: [{ Id: "srv-1", Name: "api", Arn: "arn:aws:servicediscovery:eu-west-1:0:service/srv-1" }] };
    },
    listTagsForResource: async () => {
      this.count("ListTagsForResource");
      return { Tags: [{ Key: "METRICS_PATH", Value: "/tagged" }] };
    },
    listInstances: async (input) => {
      this.count("ListInstances");
      const all = [1, 2, 3].map((n) => ({
        Id: `inst-${n}`,
        Attributes: {
          AWS_INSTANCE_IPV4: `10.9.0.${n}`,
          METRICS_PORT: "9100",
          ...(n === 2 ? { METRICS_PATH: "/own" } : {}),
        },
      }));
      const { items, next } = this.page(all, input.NextToken, 2);
      return { Instances: items, NextToken: next };
    },
  };
}

function spec(overrides: Record<string, unknown> = {}): ClusterSpec {
  return ClusterSpec.parse({ name: "demo", ...overrides });
}

let aws: FakeAws;
let clock: number;
function observer(s = spec()): ClusterObserver {
  return new ClusterObserver({
    spec: s,
    region: "eu-west-1",
    ecs: aws.ecs,
    ec2: aws.ec2,
    cloudMap: aws.cloudMap,
    now: () => clock,
  });
}

beforeEach(() => {
  aws = new FakeAws();
  clock = Date.parse("2026-01-01T00:00:00Z");
});

describe("ClusterObserver", () => {
  it("builds a complete view on the first cycle", async () => {
    for (let i = 0; i < 250; i++) aws.addTask(`t${i}`, "RUNNING", (i % 3) + 1);
    const o = observer();
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
    const o = observer();
    await o.observe();
    aws.calls = {};
    clock += 10_000;
    const view = await o.observe();
    expect(view.tasks).toHaveLength(250);
    expect(view.services).toBeUndefined();
    expect(aws.calls).toEqual({ ListTasks: 3 });
  });

  it("describes only new and transitional tasks, in batches of 100", async () => {
    for (let i = 0; i < 100; i++) aws.addTask(`t${i}`);
    aws.addTask("pending", "PENDING");
    const o = observer();
    await o.observe();
    aws.calls = {};
    for (let i = 100; i < 250; i++) aws.addTask(`t${i}`);
    aws.tasks.get(`${ARN}:task/demo/pending`)!.lastStatus = "RUNNING";
    clock += 10_000;
    const view = await o.observe();
    // 150 new + 1 transitional = 151 → 2 calls.
    expect(aws.calls.DescribeTasks).toBe(2);
    expect(aws.calls.DescribeTaskDefinition).toBeUndefined();
    expect(view.tasks.find((t) => t.taskId === "pending")?.lastStatus).toBe("RUNNING");
  });

  it("drops tasks that leave the RUNNING list", async () => {
    aws.addTask("a");
    aws.addTask("b");
    const o = observer();
    await o.observe();
    aws.tasks.get(`${ARN}:task/demo/a`)!.desiredStatus = "STOPPED";
    const view = await o.observe();
    expect(view.tasks.map((t) => t.taskId)).toEqual(["b"]);
  });

  it.each(["ListTasks", "DescribeTasks", "DescribeTaskDefinition", "DescribeContainerInstances", "DescribeServices"])(
    "a failing %s throws ObservationError and keeps the last good view",
    async (op) => {
      aws.addTask("a");
      const o = observer();
      const first = await o.observe();
      aws.addTask("b");
      aws.failing.add(op);
      clock += 120_000;
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
    const o = observer(spec({ capacity: { period: "60s" } }));
    await o.observe();
    aws.calls = {};
    aws.instances.push({
      ...aws.instances[0]!,
      containerInstanceArn: `${ARN}:container-instance/demo/node-4`,
      ec2InstanceId: "i-4",
    });
    aws.addTask("b", "RUNNING", 4);
    clock += 10_000;
    let view = await o.observe();
    expect(aws.calls).toMatchObject({ DescribeContainerInstances: 1, DescribeInstances: 1 });
    expect(aws.calls.ListContainerInstances).toBeUndefined();
    expect(view.instances.map((i) => i.nodeId)).toContain("node-4");
    aws.calls = {};
    clock += 60_000;
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
    const view = await observer().observe();
    expect(view.instances.map((i) => [i.nodeId, i.privateIp])).toEqual([
      ["node-1", "10.0.0.1"],
      ["node-2", "10.0.0.2"],
      ["node-3", undefined],
    ]);
  });

  it("lists Cloud Map namespaces, services and instances across pages", async () => {
    const o = observer(spec({ cloudMap: { namespaces: ["ecs-services"] } }));
    const view = await o.observe();
    expect(view.cloudMap.map((i) => [i.instanceId, i.ipv4, i.port, i.metricsPath])).toEqual([
      ["inst-1", "10.9.0.1", 9100, "/tagged"],
      ["inst-2", "10.9.0.2", 9100, "/own"],
      ["inst-3", "10.9.0.3", 9100, "/tagged"],
    ]);
    expect(aws.calls).toMatchObject({ ListNamespaces: 2, CloudMapListServices: 1, ListInstances: 2 });
  });

  it("re-lists Cloud Map once per the spec's cloudMap.period", async () => {
    const o = observer(spec({ cloudMap: { namespaces: ["ecs-services"], period: "10s" } }));
    const relists = () => aws.calls.CloudMapListServices ?? 0;
    await o.observe();
    expect(relists()).toBe(1);
    clock += 9_999;
    await o.observe();
    expect(relists()).toBe(1);
    clock += 1;
    await o.observe();
    expect(relists()).toBe(2);
    o.updateSpec(spec({ cloudMap: { namespaces: ["ecs-services"], period: "1m" } }));
    clock += 30_000;
    await o.observe();
    expect(relists()).toBe(2);
    clock += 30_000;
    await o.observe();
    expect(relists()).toBe(3);
  });
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
    const o = observer();
    await o.observe();
    expect(events.map((e) => o.applyTaskEvent(e))).toEqual(results);
    const view = await o.observe({ resync: false });
    expect(view.tasks.find((t) => t.taskId === "a")?.lastStatus).toBe(status);
  });

  it("events during a resync cycle are replayed on its result", async () => {
    aws.addTask("a");
    const o = observer();
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
    const o = observer();
    await o.observe();
    aws.calls = {};
    o.applyTaskEvent({ ...detail("b", 1), group: "service:web" });
    o.applyTaskEvent({ ...detail("c", 1, "PENDING"), group: "service:web" });
    clock += 120_000;
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
    const o = observer();
    await o.observe();
    aws.calls = {};
    o.applyTaskEvent(detail("new", 1));
    const view = await o.observe({ resync: false });
    expect(view.tasks.map((t) => t.taskId)).toEqual(["new"]);
    expect(aws.calls).toEqual({ DescribeTaskDefinition: 1 });
  });
});
