import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand, ListTasksCommand } from "@aws-sdk/client-ecs";
import { ListInstancesCommand, ListNamespacesCommand, ListServicesCommand } from "@aws-sdk/client-servicediscovery";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwsClients, createAwsClients } from "../../lib/aws/clients.js";
import { type RunningSim, startSim } from "../../sim/index.js";

let sim: RunningSim;
let aws: AwsClients;

beforeAll(async () => {
  sim = await startSim({ transitionDelayMs: 0 });
  aws = createAwsClients({ region: sim.region, endpointUrl: sim.endpoint, maxAttempts: 1 });
});

afterAll(async () => {
  aws?.destroy();
  await sim?.stop();
});

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sim.endpoint}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe("/_sim control API", () => {
  it("answers healthz and the loaded scenario", async () => {
    expect((await call("GET", "/_sim/healthz")).json).toMatchObject({ ok: true, instances: 3 });
    const scenario = await call("GET", "/_sim/scenario");
    expect(scenario.json).toMatchObject({ name: "demo", cluster: "demo", seed: 42 });
  });

  it("registers the scenario's Cloud Map instances and serves the workloads' metrics", async () => {
    const { Namespaces = [] } = await aws.serviceDiscovery.send(new ListNamespacesCommand({}));
    expect(Namespaces.map((n) => n.Name)).toEqual(["demo.local"]);
    const { Services = [] } = await aws.serviceDiscovery.send(new ListServicesCommand({}));
    const checkout = Services.find((svc) => svc.Name === "checkout")!;
    const { Instances = [] } = await aws.serviceDiscovery.send(new ListInstancesCommand({ ServiceId: checkout.Id }));
    expect(Instances).toHaveLength(2);
    const ip = Instances[0]!.Attributes?.AWS_INSTANCE_IPV4;
    expect(ip).toMatch(/^127\./);
    const res = await fetch(`http://${ip}:8080/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("# TYPE");
    const endpoints = sim.workloads?.endpoints() ?? [];
    expect(endpoints.some((e) => e.url.endsWith("/internal/metrics"))).toBe(true);
    expect(endpoints.some((e) => e.failure === "http500")).toBe(true);
  });

  it("counts requests per service and operation, and resets them", async () => {
    await call("GET", "/_sim/requests?reset=1");
    await aws.ecs.send(new ListTasksCommand({ cluster: "demo" }));
    await aws.ecs.send(new ListTasksCommand({ cluster: "demo" }));
    const { json } = await call("GET", "/_sim/requests?reset=1");
    expect(json.requests).toEqual([{ service: "ecs", operation: "ListTasks", outcome: "ok", count: 2 }]);
    expect((await call("GET", "/_sim/requests")).json.total).toBe(0);
  });

  it("injects throttling per operation until the rule is deleted", async () => {
    const set = await call("POST", "/_sim/faults", { service: "ecs", operation: "ListTasks", throttlePct: 100 });
    expect(set.status).toBe(200);
    const err = await aws.ecs.send(new ListTasksCommand({ cluster: "demo" })).catch((e: Error) => e);
    await call("DELETE", "/_sim/faults");
    expect((err as Error).name).toBe("ThrottlingException");
    await expect(aws.ecs.send(new ListTasksCommand({ cluster: "demo" }))).resolves.toBeDefined();
  });

  it("rejects bad input with 400 and a message", async () => {
    const bad = await call("POST", "/_sim/faults", { service: "ecs", throttlePct: 140 });
    expect(bad.status).toBe(400);
    expect(String(bad.json.error)).toContain("throttlePct");
    const notJson = await call("POST", "/_sim/tasks", "{nope");
    expect(notJson.status).toBe(400);
    expect(String(notJson.json.error)).toContain("JSON");
    const missing = await call("POST", "/_sim/tasks", {});
    expect(missing).toMatchObject({ status: 400, json: { error: "taskDefinition is required" } });
    const unknown = await call("POST", "/_sim/tasks", { taskDefinition: "nope" });
    expect(unknown.status).toBe(400);
    expect((await call("GET", "/_sim/nope")).status).toBe(404);
  });

  it("starts and stops tasks", async () => {
    const started = await call("POST", "/_sim/tasks", { taskDefinition: "batch", count: 2, startedBy: "control-test" });
    expect(started.status, JSON.stringify(started.json)).toBe(200);
    const tasks = started.json.tasks as { taskArn: string }[];
    expect(tasks).toHaveLength(2);
    const id = tasks[0]!.taskArn.split("/").pop();
    const stopped = await call("DELETE", `/_sim/tasks/${id}`);
    expect((stopped.json.task as { desiredStatus: string }).desiredStatus).toBe("STOPPED");
    const listed = await aws.ecs.send(new ListTasksCommand({ cluster: "demo" }));
    const stillRunning = tasks.map((t) => t.taskArn).filter((arn) => listed.taskArns?.includes(arn));
    expect(stillRunning).toEqual([tasks[1]!.taskArn]);
    expect((await call("DELETE", "/_sim/tasks/0000")).status).toBe(404);
  });

  it("scales services", async () => {
    const res = await call("POST", "/_sim/services/demo/web/scale", { desiredCount: 6 });
    expect(res.json).toEqual({ serviceName: "web", desiredCount: 6 });
    const svc = await aws.ecs.send(new DescribeServicesCommand({ cluster: "demo", services: ["web"] }));
    expect(svc.services?.[0]).toMatchObject({ desiredCount: 6, runningCount: 6 });
    expect((await call("POST", "/_sim/services/demo/web/scale", { desiredCount: -1 })).status).toBe(400);
    expect((await call("POST", "/_sim/services/demo/nope/scale", { desiredCount: 1 })).status).toBe(400);
  });

  it("lists nodes with surface URLs and kills a node", async () => {
    const { json } = await call("GET", "/_sim/nodes");
    const nodes = json.nodes as {
      id: string;
      privateIp: string;
      surfaces?: { dockerHttpUrl: string; imdsUrl: string };
    }[];
    expect(nodes).toHaveLength(3);
    const first = nodes[0]!;
    expect(first.surfaces?.dockerHttpUrl).toContain(first.privateIp);
    const ping = await fetch(`${first.surfaces!.dockerHttpUrl}/_ping`);
    expect(ping.status).toBe(200);
    const killed = await call("POST", `/_sim/nodes/${first.id}/kill`);
    expect(killed.json).toMatchObject({ id: first.id, status: "INACTIVE", agentConnected: false });
    // No task of the killed node is still listed as running.
    const onNode = new Set(
      sim.store
        .tasks()
        .filter((t) => t.containerInstanceArn?.endsWith(first.id))
        .map((t) => t.taskArn),
    );
    expect(onNode.size).toBeGreaterThan(0);
    const after = await aws.ecs.send(new ListTasksCommand({ cluster: "demo" }));
    expect(after.taskArns?.filter((arn) => onNode.has(arn))).toEqual([]);
    expect((await call("POST", "/_sim/nodes/nope/kill")).status).toBe(404);
  });

  it("returns stored CloudWatch datums", async () => {
    await aws.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: "ECS/Test",
        MetricData: [{ MetricName: "CpuUtilized", Value: 42, Unit: "Percent", StorageResolution: 1 }],
      }),
    );
    const { json } = await call("GET", "/_sim/cloudwatch/datums?namespace=ECS/Test");
    expect(json.datums).toEqual([expect.objectContaining({ metricName: "CpuUtilized", namespace: "ECS/Test" })]);
  });

  it("keeps Cloud Map in step with the ECS service it follows", async () => {
    const workerInstances = async () => {
      const { Services = [] } = await aws.serviceDiscovery.send(new ListServicesCommand({}));
      const id = Services.find((svc) => svc.Name === "worker")!.Id;
      const { Instances = [] } = await aws.serviceDiscovery.send(new ListInstancesCommand({ ServiceId: id }));
      return Instances.map((i) => i.Id).sort();
    };
    await call("POST", "/_sim/services/demo/worker/scale", { desiredCount: 3 });
    const running = await aws.ecs.send(new ListTasksCommand({ cluster: "demo", serviceName: "worker" }));
    const ids = (running.taskArns ?? []).map((a) => a.split("/").pop()).sort();
    expect(ids).toHaveLength(3);
    expect(await workerInstances()).toEqual(ids);
    await call("POST", "/_sim/services/demo/worker/scale", { desiredCount: 1 });
    expect(await workerInstances()).toHaveLength(1);
  });

  it("serves node surfaces on fixed ports when asked (each node has its own address)", async () => {
    const fixed = await startSim({ transitionDelayMs: 0, nodeSurfacePorts: { docker: 23750, imds: 13380 } });
    try {
      const nodes = await fixed.nodes();
      expect(nodes).toHaveLength(3);
      for (const node of nodes) {
        expect(node.surfaces?.dockerHttpUrl).toBe(`http://${node.privateIp}:23750`);
        expect(node.surfaces?.imdsUrl).toBe(`http://${node.privateIp}:13380`);
      }
      expect((await fetch(`${nodes[1]!.surfaces!.dockerHttpUrl}/_ping`)).status).toBe(200);
    } finally {
      await fixed.stop();
    }
  });

  it("resets to the scenario", async () => {
    await call("POST", "/_sim/faults", { service: "ecs", operation: "*", latencyMs: 5 });
    const res = await call("POST", "/_sim/reset");
    expect(res.json.ok).toBe(true);
    expect((await call("GET", "/_sim/faults")).json.rules).toEqual([]);
    const nodes = (await call("GET", "/_sim/nodes")).json.nodes as { status: string }[];
    expect(nodes.map((n) => n.status)).toEqual(["ACTIVE", "ACTIVE", "ACTIVE"]);
    const web = await aws.ecs.send(new DescribeServicesCommand({ cluster: "demo", services: ["web"] }));
    expect(web.services?.[0]?.desiredCount).toBe(4);
    expect((await call("GET", "/_sim/cloudwatch/datums")).json.datums).toEqual([]);
  });
});
