import { describe, expect, it } from "vitest";
import { AwsError } from "../aws/service.js";
import { ClusterStore } from "./cluster-store.js";
import type { SimStateEvent } from "./model.js";

function store(options: ConstructorParameters<typeof ClusterStore>[0] = {}) {
  const s = new ClusterStore({ seed: 7, addressBase: 50, transitionDelayMs: 0, ...options });
  s.createCluster("default");
  return s;
}

const web = {
  family: "web",
  containerDefinitions: [
    { name: "app", image: "nginx", cpu: 256, memory: 512, portMappings: [{ containerPort: 8080, hostPort: 0 }] },
  ],
};

describe("ClusterStore", () => {
  it("registers instances with unique loopback IPs in its block", () => {
    const s = store();
    const a = s.registerContainerInstance({ instanceType: "m5.large" });
    const b = s.registerContainerInstance({ instanceType: "c5.xlarge" });
    expect(a.privateIp).toBe("127.50.1.1");
    expect(b.privateIp).toBe("127.50.2.1");
    expect(a.registeredCpu).toBe(2048);
    expect(b.registeredCpu).toBe(4096);
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    expect(a.containerInstanceArn).toBe(`arn:aws:ecs:us-east-1:000000000000:container-instance/default/${a.id}`);
    expect(s.instance(a.id)).toBe(a);
  });

  it("is deterministic for a seed", () => {
    const ids = () => {
      const s = store();
      s.registerContainerInstance({ instanceType: "m5.large" });
      s.registerTaskDefinition(web);
      return s.runTask({ taskDefinition: "web", count: 3 }).tasks.map((t) => t.id);
    };
    expect(ids()).toEqual(ids());
  });

  it("runs bridge tasks with dynamic host ports from the ephemeral range, unique per instance", () => {
    const s = store();
    s.registerContainerInstance({ instanceType: "m5.large" });
    s.registerTaskDefinition(web);
    const { tasks, failures } = s.runTask({ taskDefinition: "web", count: 3 });
    expect(failures).toEqual([]);
    const ports = tasks.map((t) => t.containers[0]!.networkBindings[0]!.hostPort);
    expect(new Set(ports).size).toBe(3);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(32768);
    expect(tasks.every((t) => t.lastStatus === "RUNNING" && t.containers[0]!.runtimeId.length === 64)).toBe(true);
  });

  it("fails placement with RESOURCE:MEMORY / CPU / PORTS / ENI reasons", () => {
    const s = store();
    const inst = s.registerContainerInstance({ instanceType: "c5.large" });
    s.registerTaskDefinition({ family: "big", containerDefinitions: [{ name: "a", image: "x", memory: 100_000 }] });
    s.registerTaskDefinition({
      family: "cpu",
      containerDefinitions: [{ name: "a", image: "x", cpu: 4096, memory: 10 }],
    });
    s.registerTaskDefinition({
      family: "static",
      containerDefinitions: [
        { name: "a", image: "x", memory: 10, portMappings: [{ containerPort: 80, hostPort: 8080 }] },
      ],
    });
    s.registerTaskDefinition({
      family: "vpc",
      networkMode: "awsvpc",
      containerDefinitions: [{ name: "a", image: "x", memory: 10 }],
    });
    expect(s.runTask({ taskDefinition: "big" }).failures).toEqual([
      { arn: inst.containerInstanceArn, reason: "RESOURCE:MEMORY" },
    ]);
    expect(s.runTask({ taskDefinition: "cpu" }).failures[0]?.reason).toBe("RESOURCE:CPU");
    expect(s.runTask({ taskDefinition: "static", count: 2 })).toMatchObject({
      tasks: [{}],
      failures: [{ reason: "RESOURCE:PORTS" }],
    });
    const vpc = s.runTask({ taskDefinition: "vpc", count: 3 });
    expect(vpc.tasks).toHaveLength(2);
    expect(vpc.failures[0]?.reason).toBe("RESOURCE:ENI");
    expect(vpc.tasks[0]!.eni?.privateIpv4Address).toMatch(/^127\.50\.(1[2-9]\d|2[0-5]\d)\.\d+$/);
  });

  it("ENI trunking raises the awsvpc task limit", () => {
    const s = store({ trunking: true });
    const inst = s.registerContainerInstance({ instanceType: "c5.large" });
    expect(inst.attributes.some((a) => a.name === "ecs.awsvpc-trunk-id")).toBe(true);
    s.registerTaskDefinition({
      family: "vpc",
      networkMode: "awsvpc",
      containerDefinitions: [{ name: "a", image: "x", memory: 10 }],
    });
    expect(s.runTask({ taskDefinition: "vpc", count: 10 }).tasks).toHaveLength(10);
    expect(s.runTask({ taskDefinition: "vpc" }).failures[0]?.reason).toBe("RESOURCE:ENI");
  });

  it("stop releases resources and emits versioned events", () => {
    const s = store();
    s.registerContainerInstance({ instanceType: "c5.large" });
    s.registerTaskDefinition({
      family: "static",
      containerDefinitions: [
        { name: "a", image: "x", memory: 10, portMappings: [{ containerPort: 80, hostPort: 8080 }] },
      ],
    });
    const events: SimStateEvent[] = [];
    s.subscribe((e) => events.push(e));
    const [task] = s.runTask({ taskDefinition: "static" }).tasks;
    const statuses = events.filter((e) => e.type === "taskChanged").map((e) => e.task.lastStatus);
    expect(statuses).toEqual(["RUNNING", "RUNNING", "RUNNING"]);
    expect(task!.version).toBe(3);
    s.stopTask(task!.taskArn);
    expect(task!.lastStatus).toBe("STOPPED");
    expect(task!.stoppedReason).toBe("Task stopped by user");
    expect(s.runTask({ taskDefinition: "static" }).tasks).toHaveLength(1);
  });

  it("walks PROVISIONING → PENDING → RUNNING over the configured delay", async () => {
    const s = store({ transitionDelayMs: 5 });
    s.registerContainerInstance({ instanceType: "m5.large" });
    s.registerTaskDefinition(web);
    const seen: string[] = [];
    s.subscribe((e) => {
      if (e.type === "taskChanged") seen.push(`${e.previousStatus ?? "-"}>${e.task.lastStatus}`);
    });
    const [task] = s.runTask({ taskDefinition: "web" }).tasks;
    expect(task!.lastStatus).toBe("PROVISIONING");
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(["->PROVISIONING", "PROVISIONING>PENDING", "PENDING>RUNNING"]);
    s.stopTask(task!.id);
    expect(task!.lastStatus).toBe("STOPPING");
    await new Promise((r) => setTimeout(r, 30));
    expect(task!.lastStatus).toBe("STOPPED");
    s.close();
  });

  it("service scheduler keeps running = desired within capacity and replaces stopped tasks", () => {
    const s = store();
    s.registerContainerInstance({ instanceType: "m5.large" });
    s.registerTaskDefinition(web);
    const svc = s.createService({ serviceName: "web", taskDefinition: "web", desiredCount: 3 });
    const live = () => s.liveServiceTasks(svc.serviceArn);
    expect(live()).toHaveLength(3);
    s.stopTask(live()[0]!.taskArn);
    expect(live()).toHaveLength(3);
    s.updateService({ service: "web", desiredCount: 100 });
    expect(live()).toHaveLength(8); // 2048 cpu / 256
    expect(svc.events?.[0]?.message).toContain("insufficient CPU units");
    s.updateService({ service: "web", desiredCount: 1 });
    expect(live()).toHaveLength(1);
  });

  it("DAEMON services run one task per instance, also on instances registered later", () => {
    const s = store();
    s.registerContainerInstance({ instanceType: "m5.large" });
    s.registerTaskDefinition(web);
    const svc = s.createService({ serviceName: "agent", taskDefinition: "web", schedulingStrategy: "DAEMON" });
    s.registerContainerInstance({ instanceType: "m5.large" });
    const tasks = s.liveServiceTasks(svc.serviceArn);
    expect(tasks).toHaveLength(2);
    expect(new Set(tasks.map((t) => t.containerInstanceArn)).size).toBe(2);
  });

  it("killNode stops the node's tasks and the scheduler moves them elsewhere", () => {
    const s = store();
    const a = s.registerContainerInstance({ instanceType: "m5.large" });
    s.registerContainerInstance({ instanceType: "m5.large" });
    s.registerTaskDefinition(web);
    const svc = s.createService({ serviceName: "web", taskDefinition: "web", desiredCount: 4 });
    s.killNode(a.id);
    const live = s.liveServiceTasks(svc.serviceArn);
    expect(live).toHaveLength(4);
    expect(live.every((t) => t.containerInstanceArn !== a.containerInstanceArn)).toBe(true);
    expect(a.status).toBe("INACTIVE");
  });

  it("throws AWS errors for unknown clusters and bad task definitions", () => {
    const s = store();
    expect(() => s.runTask({ cluster: "nope", taskDefinition: "web" })).toThrow(AwsError);
    expect(() => s.registerTaskDefinition({ family: "x", containerDefinitions: [{ name: "a", image: "b" }] })).toThrow(
      /At least one of 'memory' or 'memoryReservation'/,
    );
    expect(() =>
      s.registerTaskDefinition({
        family: "f",
        requiresCompatibilities: ["FARGATE"],
        containerDefinitions: [{ name: "a", image: "b", memory: 1 }],
      }),
    ).toThrow(/Fargate only supports network mode 'awsvpc'|'cpu'/);
  });

  it("runs Fargate tasks without instances", () => {
    const s = store();
    s.registerTaskDefinition({
      family: "fg",
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: 256,
      memory: 512,
      containerDefinitions: [{ name: "a", image: "b" }],
    });
    const { tasks } = s.runTask({ taskDefinition: "fg", count: 2 });
    expect(tasks.map((t) => t.launchType)).toEqual(["FARGATE", "FARGATE"]);
    expect(tasks[0]!.containerInstanceArn).toBeUndefined();
    expect(tasks[0]!.eni?.eniId).toMatch(/^eni-[0-9a-f]{17}$/);
  });
});

describe("deployments", () => {
  it("replaces every task on forceNewDeployment and on a new task definition", () => {
    const s = new ClusterStore({ seed: 3, addressBase: 51, transitionDelayMs: 0 });
    s.createCluster("default");
    s.registerContainerInstance({ instanceType: "m5.large" });
    s.registerTaskDefinition(web);
    const svc = s.createService({ serviceName: "web", taskDefinition: "web", desiredCount: 2 });
    const before = s.liveServiceTasks(svc.serviceArn).map((t) => t.taskArn);
    s.updateService({ service: "web", forceNewDeployment: true });
    const after = s.liveServiceTasks(svc.serviceArn).map((t) => t.taskArn);
    expect(after).toHaveLength(2);
    expect(after.filter((a) => before.includes(a))).toEqual([]);
    const v2 = s.registerTaskDefinition(web);
    s.updateService({ service: "web", taskDefinition: "web" });
    const live = s.liveServiceTasks(svc.serviceArn);
    expect(live).toHaveLength(2);
    expect(live.every((t) => t.taskDefinitionArn === v2.taskDefinitionArn)).toBe(true);
  });
});
