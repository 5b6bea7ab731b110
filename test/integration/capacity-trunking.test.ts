import { DescribeContainerInstancesCommand } from "@aws-sdk/client-ecs";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createCapacityHandler } from "../../agents/capacity/capacity-handler.js";
import { computeClusterCapacity, countAwsvpcTasks } from "../../controller/capacity/compute-capacity.js";
import { type CapacityReport, ClusterSpec, type TaskSize } from "../../crds-like-schemas/index.js";
import { PUBLISHED_ENI_LIMITS, publishedTaskSlots } from "../helpers/published-eni-limits.js";
import { registerSizedTask, useSimObserver } from "../helpers/sim-observer.js";
import { handlerJob } from "../helpers/sync-job.js";
import { until } from "../helpers/until.js";

/**
 * Issue 16 (capacity truth), with the account's awsvpcTrunking on and `capacity.trunking: true` in the spec:
 * - c6g.medium and m6i.8xlarge get a trunk; the ECS guide gives them 4 and 90 tasks (a per-size pattern said 10
 *   and 60);
 * - a c5.xlarge launched before the opt-in has no `ecs.awsvpc-trunk-id`, so it keeps maxEnis − 1 = 3;
 * - c5n.large (a family the guide names as unsupported) and t3.medium (not listed) get no trunk: 3 − 1 = 2 each.
 * The expected figures come from the published tables (test/helpers/published-eni-limits.ts) and
 * DescribeContainerInstances; the agents' reports and the controller's SchedulableTasks must equal them, and exactly
 * that many RunTasks must then succeed.
 */

const SIZE: TaskSize = { name: "vpc-tiny", cpu: 128, memory: 256, awsvpc: true };
const TRUNK_ATTRIBUTE = "ecs.awsvpc-trunk-id";

const spec = ClusterSpec.parse({ name: "trunk", capacity: { enabled: true, trunking: true, taskSizes: [SIZE] } });

const fx = useSimObserver(spec, {
  scenario: {
    name: "capacity-trunking",
    cluster: "trunk",
    seed: 5,
    trunking: true,
    instances: [
      { type: "c6g.medium" },
      { type: "m6i.8xlarge" },
      { type: "c5.xlarge", trunking: false },
      { type: "c5n.large" },
      { type: "t3.medium" },
    ],
    taskDefinitions: [
      { family: "vpc", networkMode: "awsvpc", cpu: 128, memory: 256, containers: [{ name: "app" }] },
      { family: "bridge", networkMode: "bridge", containers: [{ name: "app", cpu: 256, memory: 512 }] },
    ],
    tasks: [
      { taskDefinition: "vpc", count: 6 },
      { taskDefinition: "bridge", count: 3 },
    ],
  },
  transitionDelayMs: 0,
});

/** Per container instance, from DescribeContainerInstances: type, trunk attribute and remaining resources. */
async function describeInstances() {
  const out = await fx.ecs.send(
    new DescribeContainerInstancesCommand({
      cluster: "trunk",
      containerInstances: fx.sim.store.instances().map((i) => i.containerInstanceArn),
    }),
  );
  return (out.containerInstances ?? []).map((ci) => {
    const attribute = (name: string) => ci.attributes?.find((a) => a.name === name);
    const remaining = (name: string) => ci.remainingResources?.find((r) => r.name === name)?.integerValue ?? 0;
    return {
      arn: ci.containerInstanceArn!,
      type: attribute("ecs.instance-type")?.value ?? "",
      hasTrunk: (attribute(TRUNK_ATTRIBUTE)?.value ?? "") !== "",
      cpu: remaining("CPU"),
      memory: remaining("MEMORY"),
    };
  });
}

/** The agent's capacity report for one simulated node, given what the controller observed of it. */
async function agentReport(nodeId: string, imdsUrl: string, trunking: boolean, awsvpcTasks: number) {
  const received: CapacityReport[] = [];
  const handler = createCapacityHandler({
    imdsEndpoint: imdsUrl,
    ec2: fx.ec2,
    report: async (r) => void received.push(r),
    logger: pino({ level: "silent" }),
  });
  try {
    await handler.apply(handlerJob("trunk", nodeId, { capacity: { trunking, awsvpcTasks } }));
    await until(`a capacity report from ${nodeId}`, () => received.length > 0);
  } finally {
    await handler.stop();
  }
  return received[0];
}

describe("capacity with ENI trunking: trunked and non-trunked instances against the published tables", () => {
  it("only supported types launched after the opt-in carry the trunk attribute (DescribeContainerInstances)", async () => {
    const trunked = (await describeInstances()).filter((i) => i.hasTrunk).map((i) => i.type);
    expect(trunked.sort()).toEqual(["c6g.medium", "m6i.8xlarge"]);
  });

  it("agents and controller give each node its published slots; SchedulableTasks agrees with the table and RunTask", async () => {
    const observed = await fx.observeNow();
    const awsvpc = countAwsvpcTasks(observed);
    const described = await describeInstances();

    const reports = new Map<string, CapacityReport>();
    for (const node of await fx.sim.nodes()) {
      const instance = described.find((d) => d.arn === node.containerInstanceArn)!;
      const observedInstance = observed.instances.find((i) => i.containerInstanceArn === node.containerInstanceArn)!;
      expect(observedInstance.trunking, node.instanceType).toBe(instance.hasTrunk);
      const used = awsvpc.get(node.containerInstanceArn) ?? 0;
      const report = await agentReport(node.id, node.surfaces!.imdsUrl, observedInstance.trunking, used);
      const row = PUBLISHED_ENI_LIMITS[node.instanceType]!;
      const trunked = instance.hasTrunk && row.trunkTasks > 0;
      expect(report, node.instanceType).toMatchObject({
        nodeId: node.id,
        instanceType: node.instanceType,
        instanceTypeSource: "imds",
        eni: trunked
          ? { max: row.trunkTasks, used, trunking: true }
          : { max: row.maxEnis, used: 1 + used, trunking: false },
      });
      reports.set(node.id, report!);
    }

    const capacity = computeClusterCapacity(observed, spec.capacity, reports);
    let expectedSchedulable = 0;
    for (const instance of described) {
      const slots = publishedTaskSlots(instance.type, instance.hasTrunk);
      const used = awsvpc.get(instance.arn) ?? 0;
      const node = capacity.nodes.find((n) => n.containerInstanceArn === instance.arn);
      expect(node, instance.type).toMatchObject({
        instanceType: instance.type,
        trunking: instance.hasTrunk,
        // capacity.trunking is on: the supported type without a trunk is flagged.
        trunkMissing: instance.type === "c5.xlarge",
        eniMax: slots,
        eniUsed: used,
        eniRemaining: slots - used,
      });
      expectedSchedulable += Math.min(
        Math.floor(instance.cpu / SIZE.cpu),
        Math.floor(instance.memory / SIZE.memory),
        slots - used,
      );
    }
    const k = capacity.schedulable[SIZE.name]!;
    expect(k).toBe(expectedSchedulable);
    // The trunked m6i.8xlarge alone takes 90 more, far beyond what the untrunked nodes offer.
    expect(k).toBeGreaterThan(90);

    const run = await registerSizedTask(fx.ecs, "trunk", "tiny-vpc", SIZE);
    for (let i = 0; i < k; i++) expect((await run()).tasks, `RunTask ${i + 1} of ${k}`).toHaveLength(1);
    const last = await run();
    expect(last.tasks ?? []).toHaveLength(0);
    expect((last.failures ?? []).map((f) => f.reason).every((r) => /^RESOURCE:(CPU|MEMORY|ENI)$/.test(r ?? ""))).toBe(
      true,
    );
    expect(computeClusterCapacity(await fx.observeNow(), spec.capacity).schedulable[SIZE.name]).toBe(0);
  });
});
