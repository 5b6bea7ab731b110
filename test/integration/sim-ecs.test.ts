import {
  ClientException,
  ClusterNotFoundException,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  InvalidParameterException,
  ListClustersCommand,
  ListContainerInstancesCommand,
  ListServicesCommand,
  ListTasksCommand,
  paginateListContainerInstances,
  paginateListServices,
  paginateListTasks,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  ServiceNotFoundException,
} from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { useSim } from "../helpers/use-sim.js";

const fx = useSim();
const cluster = "demo";

describe("simulated ECS through @aws-sdk/client-ecs", () => {
  it("lists and describes the demo cluster", async () => {
    const list = await fx.aws.ecs.send(new ListClustersCommand({}));
    expect(list.clusterArns).toEqual(["arn:aws:ecs:us-east-1:000000000000:cluster/demo"]);
    const described = await fx.aws.ecs.send(new DescribeClustersCommand({ clusters: [cluster, "nope"] }));
    expect(described.clusters?.[0]).toMatchObject({
      clusterName: "demo",
      status: "ACTIVE",
      registeredContainerInstancesCount: 3,
    });
    expect(described.failures).toEqual([{ arn: "arn:aws:ecs:us-east-1:000000000000:cluster/nope", reason: "MISSING" }]);
  });

  it("loads the demo scenario with every network mode", async () => {
    const arns = (await fx.aws.ecs.send(new ListTasksCommand({ cluster }))).taskArns ?? [];
    expect(arns.length).toBeGreaterThanOrEqual(18);
    const { tasks = [] } = await fx.aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }));
    const modes = new Set<string>();
    for (const t of tasks) {
      const def = await fx.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: t.taskDefinitionArn }));
      modes.add(`${t.launchType}/${def.taskDefinition?.networkMode}`);
    }
    expect([...modes].sort()).toEqual(["EC2/awsvpc", "EC2/bridge", "EC2/host", "FARGATE/awsvpc"]);
    const fargate = tasks.find((t) => t.launchType === "FARGATE")!;
    const eni = fargate.attachments?.[0];
    expect(eni?.type).toBe("ElasticNetworkInterface");
    const details = Object.fromEntries((eni?.details ?? []).map((d) => [d.name, d.value]));
    expect(details.networkInterfaceId).toMatch(/^eni-/);
    expect(details.macAddress).toMatch(/^0a(:[0-9a-f]{2}){5}$/);
    expect(details.privateIPv4Address).toMatch(/^127\./);
    expect(fargate.containers?.[0]?.networkInterfaces?.[0]?.privateIpv4Address).toBe(details.privateIPv4Address);
    const web = tasks.find((t) => t.group === "service:web")!;
    const bindings = web.containers?.find((c) => c.name === "app")?.networkBindings ?? [];
    expect(bindings.map((b) => b.containerPort).sort()).toEqual([8080, 9106]);
    expect(bindings.every((b) => (b.hostPort ?? 0) >= 32768 && (b.hostPort ?? 0) <= 60999)).toBe(true);
    expect(web.containers?.[0]?.runtimeId).toMatch(/^[0-9a-f]{64}$/);
    expect(web.version).toBeGreaterThan(0);
    expect(web.createdAt).toBeInstanceOf(Date);
  });

  it("paginates ListTasks with maxResults and nextToken", async () => {
    const all: string[] = [];
    for await (const page of paginateListTasks({ client: fx.aws.ecs, pageSize: 5 }, { cluster })) {
      expect((page.taskArns ?? []).length).toBeLessThanOrEqual(5);
      all.push(...(page.taskArns ?? []));
    }
    const single = await fx.aws.ecs.send(new ListTasksCommand({ cluster, maxResults: 100 }));
    expect(all).toEqual(single.taskArns);
    await expect(fx.aws.ecs.send(new ListTasksCommand({ cluster, maxResults: 101 }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
  });

  it("filters ListTasks by service and desired status", async () => {
    const byService = await fx.aws.ecs.send(new ListTasksCommand({ cluster, serviceName: "web" }));
    expect(byService.taskArns).toHaveLength(4);
    expect(byService.taskArns?.every((arn) => fx.sim.store.task(arn)?.serviceName === "web")).toBe(true);
    const running = await fx.aws.ecs.send(new ListTasksCommand({ cluster, desiredStatus: "RUNNING" }));
    expect(running.taskArns).toHaveLength(fx.sim.store.tasks().filter((t) => t.desiredStatus === "RUNNING").length);
    await expect(fx.aws.ecs.send(new ListTasksCommand({ cluster, serviceName: "nope" }))).rejects.toBeInstanceOf(
      ServiceNotFoundException,
    );
  });

  it("enforces DescribeTasks batch limits and reports missing tasks", async () => {
    const arns = Array.from({ length: 101 }, (_, i) => `arn:aws:ecs:us-east-1:000000000000:task/demo/${i}`);
    await expect(fx.aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    const res = await fx.aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: [arns[0]!] }));
    expect(res.failures).toEqual([{ arn: arns[0], reason: "MISSING" }]);
  });

  it("raises typed exceptions for unknown clusters and task definitions", async () => {
    await expect(fx.aws.ecs.send(new ListTasksCommand({ cluster: "nope" }))).rejects.toBeInstanceOf(
      ClusterNotFoundException,
    );
    await expect(
      fx.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "nope:1" })),
    ).rejects.toBeInstanceOf(ClientException);
  });

  it("describes container instances with registered and remaining resources", async () => {
    const { containerInstanceArns = [] } = await fx.aws.ecs.send(new ListContainerInstancesCommand({ cluster }));
    const res = await fx.aws.ecs.send(
      new DescribeContainerInstancesCommand({ cluster, containerInstances: containerInstanceArns }),
    );
    expect(res.containerInstances).toHaveLength(3);
    for (const ci of res.containerInstances ?? []) {
      const reg = Object.fromEntries((ci.registeredResources ?? []).map((r) => [r.name, r]));
      const rem = Object.fromEntries((ci.remainingResources ?? []).map((r) => [r.name, r]));
      expect(reg.CPU?.integerValue).toBeGreaterThan(rem.CPU?.integerValue ?? Number.POSITIVE_INFINITY);
      expect(reg.PORTS?.stringSetValue).toEqual(expect.arrayContaining(["22", "51678"]));
      expect(rem.PORTS?.stringSetValue).toContain("9100");
      expect(ci.attributes?.find((a) => a.name === "ecs.instance-type")?.value).toMatch(
        /^(m5\.large|c5\.xlarge|t3\.medium)$/,
      );
      expect(ci.agentConnected).toBe(true);
      expect(ci.runningTasksCount).toBeGreaterThan(0);
    }
    const many = Array.from({ length: 101 }, () => containerInstanceArns[0]!);
    await expect(
      fx.aws.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: many })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it("describes services with desired, running and pending counts (≤ 10 per call)", async () => {
    const { serviceArns = [] } = await fx.aws.ecs.send(new ListServicesCommand({ cluster, maxResults: 100 }));
    expect(serviceArns).toHaveLength(5);
    const res = await fx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: serviceArns }));
    const web = res.services?.find((s) => s.serviceName === "web");
    expect(web).toMatchObject({ desiredCount: 4, runningCount: 4, pendingCount: 0 });
    const daemon = res.services?.find((s) => s.serviceName === "node-exporter");
    expect(daemon).toMatchObject({ schedulingStrategy: "DAEMON", desiredCount: 3, runningCount: 3 });
    const eleven = Array.from({ length: 11 }, () => "web");
    await expect(fx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: eleven }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
  });

  it("registers task definitions and runs tasks with placement failures", async () => {
    const reg = await fx.aws.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: "sdk-big",
        containerDefinitions: [{ name: "x", image: "busybox", memory: 200_000, cpu: 10 }],
      }),
    );
    expect(reg.taskDefinition?.revision).toBe(1);
    const failed = await fx.aws.ecs.send(new RunTaskCommand({ cluster, taskDefinition: "sdk-big" }));
    expect(failed.tasks).toEqual([]);
    expect(failed.failures?.map((f) => f.reason)).toEqual(["RESOURCE:MEMORY", "RESOURCE:MEMORY", "RESOURCE:MEMORY"]);

    await fx.aws.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: "sdk-port",
        containerDefinitions: [
          { name: "x", image: "busybox", memory: 16, portMappings: [{ containerPort: 80, hostPort: 9400 }] },
        ],
      }),
    );
    const ports = await fx.aws.ecs.send(new RunTaskCommand({ cluster, taskDefinition: "sdk-port" }));
    // the api service holds 9400 on two of the three instances
    expect(ports.tasks).toHaveLength(1);
    const again = await fx.aws.ecs.send(new RunTaskCommand({ cluster, taskDefinition: "sdk-port" }));
    expect(again.failures?.map((f) => f.reason)).toEqual(["RESOURCE:PORTS", "RESOURCE:PORTS", "RESOURCE:PORTS"]);

    const cpu = await fx.aws.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: "sdk-cpu",
        containerDefinitions: [{ name: "x", image: "b", cpu: 100_000, memory: 8 }],
      }),
    );
    expect(cpu.taskDefinition?.taskDefinitionArn).toContain("sdk-cpu:1");
    const cpuFail = await fx.aws.ecs.send(new RunTaskCommand({ cluster, taskDefinition: "sdk-cpu" }));
    expect(cpuFail.failures?.[0]?.reason).toBe("RESOURCE:CPU");

    await fx.aws.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: "sdk-vpc",
        networkMode: "awsvpc",
        containerDefinitions: [{ name: "x", image: "b", memory: 8 }],
      }),
    );
    const net = { awsvpcConfiguration: { subnets: ["subnet-1"] } };
    await expect(fx.aws.ecs.send(new RunTaskCommand({ cluster, taskDefinition: "sdk-vpc" }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    // worker tasks hold 2 of 2+3+2 ENI slots
    const vpc = await fx.aws.ecs.send(
      new RunTaskCommand({ cluster, taskDefinition: "sdk-vpc", count: 10, networkConfiguration: net }),
    );
    expect(vpc.tasks).toHaveLength(5);
    expect(new Set(vpc.failures?.map((f) => f.reason))).toEqual(new Set(["RESOURCE:ENI"]));

    // A task stopped through the store (as POST /_sim/tasks/<id> DELETE does) is listed under STOPPED.
    const stoppedArn = vpc.tasks![0]!.taskArn!;
    fx.sim.store.stopTask(stoppedArn, "done");
    const stoppedList = await fx.aws.ecs.send(new ListTasksCommand({ cluster, desiredStatus: "STOPPED" }));
    expect(stoppedList.taskArns).toContain(stoppedArn);
  });

  it("shows a service scaled through the control API; the scheduler keeps running = desired", async () => {
    const scaled = await fetch(`${fx.sim.endpoint}/_sim/services/${cluster}/web/scale`, {
      method: "POST",
      body: JSON.stringify({ desiredCount: 5 }),
    });
    expect(scaled.status).toBe(200);
    const res = await fx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: ["web"] }));
    expect(res.services?.[0]).toMatchObject({ desiredCount: 5, runningCount: 5, pendingCount: 0 });
  });

  it("paginates ListServices and ListContainerInstances", async () => {
    const services: string[] = [];
    for await (const page of paginateListServices({ client: fx.aws.ecs, pageSize: 2 }, { cluster })) {
      expect((page.serviceArns ?? []).length).toBeLessThanOrEqual(2);
      services.push(...(page.serviceArns ?? []));
    }
    expect(new Set(services).size).toBe(services.length);
    expect(services.length).toBeGreaterThanOrEqual(5);
    const instances: string[] = [];
    for await (const page of paginateListContainerInstances({ client: fx.aws.ecs, pageSize: 1 }, { cluster })) {
      instances.push(...(page.containerInstanceArns ?? []));
    }
    expect(instances.length).toBeGreaterThanOrEqual(3);
  });
});
