import { DescribeTasksCommand, ECSClient, ListTasksCommand } from "@aws-sdk/client-ecs";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSim, type SimNodeInfo, startSim } from "../index.js";
import { startWorkloads, type WorkloadManager } from "../workloads/workload-manager.js";

// The demo scenario through startSim(): node surfaces and workloads checked against what the ECS API reports.
let sim: RunningSim;
let nodes: SimNodeInfo[];
let ecs: ECSClient;
let workloads: WorkloadManager;
let ownWorkloads = false;
// biome-ignore lint/suspicious/noExplicitAny: JSON bodies under test are read loosely.
type Json = any;

const json = async (url: string): Promise<Json> => (await fetch(url)).json();

beforeAll(async () => {
  sim = await startSim({ transitionDelayMs: 0 });
  for (let i = 0; i < 100 && sim.store.tasks().some((t) => t.lastStatus !== "RUNNING"); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  nodes = await sim.nodes();
  ecs = new ECSClient({
    endpoint: sim.endpoint,
    region: sim.region,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const wired = (sim as unknown as { workloads?: WorkloadManager }).workloads;
  ownWorkloads = !wired;
  workloads = wired ?? startWorkloads(sim.store);
  await workloads.ready();
});

afterAll(async () => {
  ecs?.destroy();
  if (ownWorkloads) await workloads?.close();
  await sim?.stop();
});

async function describeAll() {
  const arns = (await ecs.send(new ListTasksCommand({ cluster: "demo" }))).taskArns ?? [];
  const tasks = [];
  for (let i = 0; i < arns.length; i += 100) {
    const page = await ecs.send(new DescribeTasksCommand({ cluster: "demo", tasks: arns.slice(i, i + 100) }));
    tasks.push(...(page.tasks ?? []));
  }
  return tasks;
}

describe("node surfaces through startSim", () => {
  it("every node serves its surfaces on its own private IP", () => {
    expect(nodes.length).toBe(3);
    for (const node of nodes) {
      expect(node.surfaces).toBeDefined();
      expect(new URL(node.surfaces!.dockerHttpUrl).hostname).toBe(node.privateIp);
    }
  });

  it("Docker containers on each node are exactly the ECS tasks' containers placed there", async () => {
    const tasks = await describeAll();
    for (const node of nodes) {
      const url = new URL(node.surfaces!.dockerHttpUrl);
      const docker = new Docker({ host: url.hostname, port: Number(url.port), protocol: "http" });
      const listed = await docker.listContainers({ filters: { label: ["com.amazonaws.ecs.task-arn"] } });
      const fromDocker = listed
        .filter((c) => c.Labels["com.amazonaws.ecs.container-name"] !== "~internal~ecs~pause")
        .map((c) => c.Id)
        .sort();
      const fromEcs = tasks
        .filter((t) => t.containerInstanceArn === node.containerInstanceArn && t.lastStatus === "RUNNING")
        .flatMap((t) => (t.containers ?? []).map((c) => c.runtimeId!))
        .sort();
      expect(fromDocker).toEqual(fromEcs);
      expect(fromDocker.length).toBeGreaterThan(0);
      const meta = await json(`${node.surfaces!.introspectionUrl}/v1/metadata`);
      expect(meta).toMatchObject({ Cluster: "demo", ContainerInstanceArn: node.containerInstanceArn });
      const imdsId = await (await fetch(`${node.surfaces!.imdsUrl}/latest/meta-data/instance-id`)).text();
      expect(imdsId).toBe(node.ec2InstanceId);
    }
  });

  it("nodes serve both cgroup stats shapes", async () => {
    const versions = new Set<string>();
    for (const node of nodes) versions.add((await json(`${node.surfaces!.dockerHttpUrl}/info`)).CgroupVersion);
    expect([...versions].sort()).toEqual(["1", "2"]);
  });

  it("task metadata v4 agrees with DescribeTasks", async () => {
    const tasks = await describeAll();
    const node = nodes[0]!;
    const task = tasks.find((t) => t.containerInstanceArn === node.containerInstanceArn && t.lastStatus === "RUNNING")!;
    const id = task.taskArn!.split("/").at(-1)!;
    const doc = await json(`${node.surfaces!.metadataBaseUrl}/v4/${id}/task`);
    expect(doc.TaskARN).toBe(task.taskArn);
    expect(doc.Containers.map((c: Json) => c.DockerId).sort()).toEqual(
      (task.containers ?? []).map((c) => c.runtimeId).sort(),
    );
    const stats = await json(`${node.surfaces!.metadataBaseUrl}/v4/${id}/task/stats`);
    for (const c of task.containers ?? []) expect(stats[c.runtimeId!].memory_stats.usage).toBeGreaterThan(0);
  });
});

describe("workloads through startSim", () => {
  it("serve every scrape-labelled container at the address ECS reports", async () => {
    const tasks = await describeAll();
    const endpoints = workloads.endpoints();
    expect(endpoints.length).toBeGreaterThanOrEqual(10);
    for (const endpoint of endpoints) {
      const task = tasks.find((t) => t.taskArn === endpoint.taskArn)!;
      const container = task.containers!.find((c) => c.name === endpoint.containerName)!;
      const url = new URL(endpoint.url);
      const ecsAddresses = [
        ...(container.networkBindings ?? []).map((b) => `${b.bindIP === "0.0.0.0" ? "" : b.bindIP}:${b.hostPort}`),
        ...(container.networkInterfaces ?? []).map((n) => `${n.privateIpv4Address}:`),
      ];
      expect(ecsAddresses.some((a) => url.host.endsWith(a) || url.host.startsWith(a))).toBe(true);
      const node = nodes.find((n) => n.containerInstanceArn === task.containerInstanceArn);
      if ((container.networkBindings ?? []).length > 0) expect(url.hostname).toBe(node?.privateIp);
      const res = await fetch(endpoint.url);
      expect(res.status).toBe(endpoint.failure === "http500" ? 500 : 200);
      await res.arrayBuffer();
    }
    const flaky = endpoints.filter((e) => e.failure === "http500");
    expect(flaky.length).toBeGreaterThan(0);
  });
});
