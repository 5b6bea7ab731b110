import { DescribeContainerInstancesCommand, DescribeTasksCommand, ListTasksCommand } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { computeClusterCapacity } from "../../controller/capacity/compute-capacity.js";
import { ClusterSpec, type TaskSize } from "../../crds-like-schemas/index.js";
import { publishedTaskSlots } from "../helpers/published-eni-limits.js";
import { registerSizedTask, useSimObserver } from "../helpers/sim-observer.js";

/**
 * Issue 7 acceptance: capacity figures against the simulator with mixed instance types and mixed awsvpc + bridge
 * tasks. Expected figures are computed here from the scenario's numbers and the EC2 guide's published ENI limits
 * (test/helpers/published-eni-limits.ts); then, for each task size, exactly SchedulableTasks RunTasks succeed and
 * the next one fails with a RESOURCE:* reason.
 */

const VPC = { family: "vpc", cpu: 256, memory: 512 };
const BRIDGE = { family: "bridge", cpu: 512, memory: 1024 };

const scenario = {
  name: "capacity-mixed",
  cluster: "cap",
  seed: 11,
  instances: [{ type: "t3.medium" }, { type: "c5.xlarge" }, { type: "m5.2xlarge" }],
  taskDefinitions: [
    {
      family: VPC.family,
      networkMode: "awsvpc" as const,
      cpu: VPC.cpu,
      memory: VPC.memory,
      containers: [{ name: "app" }],
    },
    {
      family: BRIDGE.family,
      networkMode: "bridge" as const,
      containers: [{ name: "app", cpu: BRIDGE.cpu, memory: BRIDGE.memory }],
    },
  ],
  tasks: [
    { taskDefinition: "vpc", count: 4 },
    { taskDefinition: "bridge", count: 5 },
  ],
};

const SIZES: TaskSize[] = [
  { name: "vpc-small", cpu: 256, memory: 512, awsvpc: true },
  { name: "bridge-medium", cpu: 1024, memory: 2048, awsvpc: false },
  { name: "huge", cpu: 8192, memory: 30_000, awsvpc: false },
];

const spec = ClusterSpec.parse({ name: "cap", capacity: { enabled: true, taskSizes: SIZES } });

const fx = useSimObserver(spec, { scenario, nodeSurfaces: false, transitionDelayMs: 0 });

/** Per instance: registered resources (DescribeContainerInstances) and the tasks the simulator placed on it. */
async function expectedFromScenario() {
  const taskArns = (await fx.ecs.send(new ListTasksCommand({ cluster: "cap" }))).taskArns ?? [];
  const tasks = taskArns.length
    ? ((await fx.ecs.send(new DescribeTasksCommand({ cluster: "cap", tasks: taskArns }))).tasks ?? [])
    : [];
  const all = await fx.ecs.send(
    new DescribeContainerInstancesCommand({
      cluster: "cap",
      containerInstances: fx.sim.store.instances().map((i) => i.containerInstanceArn),
    }),
  );
  return (all.containerInstances ?? []).map((ci) => {
    const registered = (name: string) => ci.registeredResources?.find((r) => r.name === name)?.integerValue ?? 0;
    const mine = tasks.filter((t) => t.containerInstanceArn === ci.containerInstanceArn && t.lastStatus !== "STOPPED");
    const family = (t: (typeof mine)[number]) =>
      t.taskDefinitionArn?.includes(":task-definition/vpc:")
        ? VPC
        : t.taskDefinitionArn?.includes(":task-definition/bridge:")
          ? BRIDGE
          : undefined;
    const known = mine.map(family);
    const type = fx.sim.store.instance(ci.containerInstanceArn!)!.instanceType;
    const awsvpc = known.filter((f) => f === VPC).length;
    return {
      arn: ci.containerInstanceArn!,
      type,
      registeredCpu: registered("CPU"),
      registeredMemory: registered("MEMORY"),
      cpu: registered("CPU") - known.reduce((n, f) => n + (f?.cpu ?? 0), 0),
      memory: registered("MEMORY") - known.reduce((n, f) => n + (f?.memory ?? 0), 0),
      eniRemaining: Math.max(0, publishedTaskSlots(type, false) - awsvpc),
      unknownTasks: known.filter((f) => f === undefined).length,
    };
  });
}

const fitsOn = (size: TaskSize, n: { cpu: number; memory: number; eniRemaining: number }) =>
  Math.max(
    0,
    Math.min(
      Math.floor(n.cpu / size.cpu),
      Math.floor(n.memory / size.memory),
      size.awsvpc ? n.eniRemaining : Number.POSITIVE_INFINITY,
    ),
  );

describe("capacity against the simulator", () => {
  it("computes per-node and per-cluster figures equal to the scenario arithmetic", async () => {
    const observed = await fx.observeNow();
    const capacity = computeClusterCapacity(observed, spec.capacity);
    const expected = await expectedFromScenario();
    expect(expected.every((e) => e.unknownTasks === 0)).toBe(true);
    expect(capacity.nodes).toHaveLength(3);
    for (const e of expected) {
      const node = capacity.nodes.find((n) => n.containerInstanceArn === e.arn);
      expect(node, e.arn).toMatchObject({
        instanceType: e.type,
        registeredCpu: e.registeredCpu,
        registeredMemory: e.registeredMemory,
        remainingCpu: e.cpu,
        remainingMemory: e.memory,
        eniMax: publishedTaskSlots(e.type, false),
        eniRemaining: e.eniRemaining,
      });
    }
    expect(capacity.remainingCpu).toBe(expected.reduce((n, e) => n + e.cpu, 0));
    expect(capacity.remainingMemory).toBe(expected.reduce((n, e) => n + e.memory, 0));
    expect(capacity.remainingEnis).toBe(expected.reduce((n, e) => n + e.eniRemaining, 0));
    for (const size of SIZES) {
      expect(capacity.schedulable[size.name], size.name).toBe(expected.reduce((n, e) => n + fitsOn(size, e), 0));
    }
  });

  it.each(SIZES.map((s) => [s.name, s] as const))("agrees with RunTask for size %s", async (_name, size) => {
    const family = `size-${size.name}`;
    const run = await registerSizedTask(fx.ecs, "cap", family, size);
    const before = computeClusterCapacity(await fx.observeNow(), spec.capacity);
    const k = before.schedulable[size.name] ?? -1;
    expect(k).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < k; i++) {
      const out = await run();
      expect(out.tasks, `RunTask ${i + 1} of ${k}`).toHaveLength(1);
    }
    const last = await run();
    expect(last.tasks ?? []).toHaveLength(0);
    const reasons = (last.failures ?? []).map((f) => f.reason);
    expect(reasons.length).toBeGreaterThan(0);
    // The reason each node gives is the binding constraint the capacity figures predict for it.
    const after = computeClusterCapacity(await fx.observeNow(), spec.capacity);
    expect(after.schedulable[size.name]).toBe(0);
    for (const failure of last.failures ?? []) {
      const node = after.nodes.find((n) => n.containerInstanceArn === failure.arn);
      expect(node, failure.arn).toBeDefined();
      const predicted =
        node!.remainingCpu < size.cpu
          ? "RESOURCE:CPU"
          : node!.remainingMemory < size.memory
            ? "RESOURCE:MEMORY"
            : "RESOURCE:ENI";
      expect(failure.reason).toBe(predicted);
    }
  });
});
