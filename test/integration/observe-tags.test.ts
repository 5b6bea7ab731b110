import { DescribeTasksCommand, ListTasksCommand, RunTaskCommand, TagResourceCommand } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterObserver } from "../../controller/observe/cluster-observer.js";
import { createClusterObserver } from "../../controller/observe/create-observer.js";
import { plan } from "../../controller/plan/plan.js";
import { ClusterSpec } from "../../crds-like-schemas/index.js";
import { type AwsClients, createAwsClients } from "../../lib/aws/clients.js";
import { type RunningSim, startSim } from "../../sim/index.js";

/**
 * Tags reach the discovery labels over real SDK clients, on the Describe calls the observer already makes
 * (counted by the simulator), and survive the EventBridge path, whose task details carry no tags (ADR 0046).
 */

let sim: RunningSim;
let clients: AwsClients;
let observer: ClusterObserver;
const cluster = "demo";
const spec = ClusterSpec.parse({ name: cluster });
const current = { liveAgents: new Set<string>(), sidecarTasks: new Set<string>() };

function simCalls(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of sim.server.counters.snapshot()) out[c.operation] = (out[c.operation] ?? 0) + c.count;
  return out;
}

async function counted<T>(fn: () => Promise<T>): Promise<{ value: T; calls: Record<string, number> }> {
  const before = simCalls();
  const value = await fn();
  const calls: Record<string, number> = {};
  for (const [op, n] of Object.entries(simCalls())) if (n > (before[op] ?? 0)) calls[op] = n - (before[op] ?? 0);
  return { value, calls };
}

const tag = (resourceArn: string, tags: Record<string, string>) =>
  clients.ecs.send(
    new TagResourceCommand({ resourceArn, tags: Object.entries(tags).map(([key, value]) => ({ key, value })) }),
  );

/** An `ECS Task State Change` detail: the task as DescribeTasks returns it without tags, as EventBridge sends it. */
async function eventDetail(taskArn: string) {
  const out = await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
  const task = out.tasks?.[0];
  if (!task) throw new Error(`no task ${taskArn}`);
  expect(task.tags).toBeUndefined();
  return { ...task, version: (task.version ?? 0) + 1 };
}

beforeAll(async () => {
  sim = await startSim({ nodeSurfaces: false, transitionDelayMs: 0 });
  clients = createAwsClients({ region: sim.region, endpointUrl: sim.endpoint, maxAttempts: 1 });
  const clusterArn = sim.store.requireCluster(cluster).clusterArn;
  await tag(clusterArn, { env: "demo", "team/owner": "platform" });
  await tag(`arn:aws:ecs:${sim.region}:000000000000:service/${cluster}/web`, { tier: "frontend" });
  const webTasks = (await clients.ecs.send(new ListTasksCommand({ cluster, serviceName: "web" }))).taskArns ?? [];
  for (const arn of webTasks) await tag(arn, { "cost-center": "42" });
  observer = createClusterObserver(spec, { region: sim.region, clients: { ecs: clients.ecs, ec2: clients.ec2 } });
});

afterAll(async () => {
  clients?.destroy();
  await sim?.stop();
});

describe("tags through the observer", () => {
  it("labels targets with cluster, service, task and EC2 tags, with one call per Describe batch as before", async () => {
    const { value: view, calls } = await counted(() => observer.observe());
    const tasks = view.tasks.length;
    expect(calls.DescribeTasks).toBe(Math.ceil(tasks / 100));
    expect(calls.DescribeClusters).toBe(1);
    expect(calls.DescribeServices).toBe(1);
    expect(calls.DescribeInstances).toBe(1);
    expect(calls.ListTagsForResource).toBeUndefined();

    const web = plan(spec, view, current).targets.filter((t) => t.serviceName === "web");
    expect(web.length).toBeGreaterThan(0);
    for (const target of web) {
      expect(target.meta).toMatchObject({
        __meta_ecs_tag_cluster_env: "demo",
        __meta_ecs_tag_cluster_team_owner: "platform",
        __meta_ecs_tag_service_tier: "frontend",
        __meta_ecs_tag_task_cost_center: "42",
        __meta_ecs_tag_ec2_ecsmon_sim_cluster: cluster,
        __meta_ecs_service_status: "ACTIVE",
        __meta_ecs_service_arn: `arn:aws:ecs:${sim.region}:000000000000:service/${cluster}/web`,
      });
      expect(target.meta.__meta_ecs_tag_ec2_Name).toMatch(/^ecs-demo-\d+$/);
    }
    const { calls: steady } = await counted(() => observer.observe());
    expect(Object.keys(steady).sort()).toEqual(["ListTasks"]);
  });

  it("keeps a task's tags when an event (which carries none) updates it", async () => {
    const before = observer.lastGood()?.tasks.find((t) => t.serviceName === "web");
    expect(before?.tags).toEqual({ "cost-center": "42" });
    expect(observer.applyTaskEvent(await eventDetail(before?.taskArn ?? ""))).toBe("applied");
    const view = await observer.observe({ resync: false });
    expect(view.tasks.find((t) => t.taskArn === before?.taskArn)?.tags).toEqual({ "cost-center": "42" });
  });

  it("describes a task first learned from an event once, at the next resync, for its tags", async () => {
    const run = await clients.ecs.send(
      new RunTaskCommand({ cluster, taskDefinition: "batch", tags: [{ key: "job", value: "nightly" }] }),
    );
    const arn = run.tasks?.[0]?.taskArn ?? "";
    expect(observer.applyTaskEvent(await eventDetail(arn))).toBe("applied");
    const between = await observer.observe({ resync: false });
    expect(between.tasks.find((t) => t.taskArn === arn)?.tags).toBeUndefined();
    const { value: view, calls } = await counted(() => observer.observe());
    expect(calls.DescribeTasks).toBe(1);
    expect(view.tasks.find((t) => t.taskArn === arn)?.tags).toEqual({ job: "nightly" });
    const { calls: steady } = await counted(() => observer.observe());
    expect(Object.keys(steady).sort()).toEqual(["ListTasks"]);
  });
});
