import { describe, expect, it } from "vitest";
import { CAPACITY_CONTRACT, type CapacityConfig, type CapacityReport } from "../../crds-like-schemas/index.js";
import type {
  ObservedCluster,
  ObservedInstance,
  ObservedInstanceType,
  ObservedTask,
  ObservedTaskDefinition,
} from "../model.js";
import { computeClusterCapacity, countAwsvpcTasks, tasksThatFit } from "./compute-capacity.js";

const TYPES: ObservedInstanceType[] = [
  { instanceType: "t3.medium", maxEnis: 3, trunkBranchEnis: 0, vcpus: 2, memoryMiB: 4096 },
  { instanceType: "c5.xlarge", maxEnis: 4, trunkBranchEnis: 20, vcpus: 4, memoryMiB: 8192 },
  { instanceType: "m5.2xlarge", maxEnis: 4, trunkBranchEnis: 40, vcpus: 8, memoryMiB: 32768 },
];

const defs: ObservedTaskDefinition[] = [
  { taskDefinitionArn: "td/vpc:1", family: "vpc", revision: 1, networkMode: "awsvpc", containerDefinitions: [] },
  { taskDefinitionArn: "td/bridge:1", family: "bridge", revision: 1, networkMode: "bridge", containerDefinitions: [] },
];

function instance(n: number, type: string, overrides: Partial<ObservedInstance> = {}): ObservedInstance {
  return {
    containerInstanceArn: `arn:aws:ecs:us-east-1:000000000000:container-instance/prod/node${n}`,
    nodeId: `node${n}`,
    ec2InstanceId: `i-${n}`,
    status: "ACTIVE",
    agentConnected: true,
    instanceType: type,
    registeredCpu: 0,
    registeredMemory: 0,
    remainingCpu: 0,
    remainingMemory: 0,
    trunking: false,
    runningTasksCount: 0,
    ...overrides,
  };
}

function task(n: number, node: number | undefined, def: string, overrides: Partial<ObservedTask> = {}): ObservedTask {
  return {
    taskArn: `arn:task/${n}`,
    taskId: `${n}`,
    taskDefinitionArn: def,
    lastStatus: "RUNNING",
    containerInstanceArn:
      node === undefined ? undefined : `arn:aws:ecs:us-east-1:000000000000:container-instance/prod/node${node}`,
    containers: [],
    ...overrides,
  };
}

function observed(instances: ObservedInstance[], tasks: ObservedTask[]): ObservedCluster {
  return {
    cluster: "prod",
    clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/prod",
    region: "us-east-1",
    observedAt: "2025-01-01T00:10:00.000Z",
    tasks,
    taskDefinitions: new Map(defs.map((d) => [d.taskDefinitionArn, d])),
    instances,
    instanceTypes: new Map(TYPES.map((t) => [t.instanceType, t])),
    cloudMap: [],
  };
}

const config = (overrides: Partial<CapacityConfig> = {}): CapacityConfig => ({
  enabled: true,
  namespace: "ECS/Capacity",
  period: "60s",
  trunking: false,
  taskSizes: [
    { name: "small", cpu: 256, memory: 512, awsvpc: false },
    { name: "small-vpc", cpu: 256, memory: 512, awsvpc: true },
    { name: "large", cpu: 2048, memory: 4096, awsvpc: false },
  ],
  ...overrides,
});

// t3.medium: 2048 CPU / 3900 MiB left, 1 awsvpc task; c5.xlarge: 3584 / 6000 left, 2 bridge tasks;
// m5.2xlarge: 1024 / 30000 left, 3 awsvpc tasks and 1 stopped one.
const mixed = observed(
  [
    instance(1, "t3.medium", { remainingCpu: 2048, remainingMemory: 3900 }),
    instance(2, "c5.xlarge", { remainingCpu: 3584, remainingMemory: 6000 }),
    instance(3, "m5.2xlarge", { remainingCpu: 1024, remainingMemory: 30000 }),
  ],
  [
    task(1, 1, "td/vpc:1"),
    task(2, 2, "td/bridge:1"),
    task(3, 2, "td/bridge:1"),
    task(4, 3, "td/vpc:1"),
    task(5, 3, "td/vpc:1"),
    task(6, 3, "td/vpc:1", { lastStatus: "PENDING" }),
    task(7, 3, "td/vpc:1", { lastStatus: "STOPPED" }),
    task(8, undefined, "td/vpc:1", { launchType: "FARGATE" }),
  ],
);

/** The mixed cluster's figures with no instance trunked: slots are maxEnis − 1. */
const untrunked = {
  nodes: [
    // t3.medium: 3 − 1 = 2 slots, 1 used
    {
      eniMax: 2,
      eniUsed: 1,
      eniRemaining: 1,
      fits: { small: Math.min(8, 7), "small-vpc": 1, large: Math.min(1, 0) },
    },
    // c5.xlarge: 4 − 1 = 3, bridge tasks use none
    {
      eniMax: 3,
      eniUsed: 0,
      eniRemaining: 3,
      fits: { small: Math.min(14, 11), "small-vpc": 3, large: Math.min(1, 1) },
    },
    // m5.2xlarge: 3 slots, 3 awsvpc tasks (RUNNING, RUNNING, PENDING)
    { eniMax: 3, eniUsed: 3, eniRemaining: 0, fits: { small: Math.min(4, 58), "small-vpc": 0, large: 0 } },
  ],
  totals: { remainingEnis: 1 + 3 + 0, remainingCpu: 2048 + 3584 + 1024, remainingMemory: 3900 + 6000 + 30000 },
  schedulable: { small: 7 + 11 + 4, "small-vpc": 1 + 3 + 0, large: 0 + 1 + 0 },
};

describe("computeClusterCapacity", () => {
  it.each([
    { name: "mixed types, no trunking: slots are maxEnis − 1", cluster: mixed, config: config(), ...untrunked },
    {
      name: "spec trunking on, but no instance has a trunk: the same figures",
      cluster: mixed,
      config: config({ trunking: true }),
      ...untrunked,
    },
    {
      name: "every instance with a trunk: branch ENIs where the guide lists the type (not t3)",
      cluster: { ...mixed, instances: mixed.instances.map((i) => ({ ...i, trunking: true })) },
      config: config(),
      nodes: [
        { eniMax: 2, eniUsed: 1, eniRemaining: 1, fits: { small: 7, "small-vpc": 1, large: 0 } },
        { eniMax: 20, eniUsed: 0, eniRemaining: 20, fits: { small: 11, "small-vpc": 11, large: 1 } },
        { eniMax: 40, eniUsed: 3, eniRemaining: 37, fits: { small: 4, "small-vpc": 4, large: 0 } },
      ],
      totals: { remainingEnis: 1 + 20 + 37, remainingCpu: 6656, remainingMemory: 39900 },
      schedulable: { small: 22, "small-vpc": 1 + 11 + 4, large: 1 },
    },
    {
      name: "trunk observed on one instance only (ecs.awsvpc-trunk-id)",
      cluster: {
        ...mixed,
        instances: mixed.instances.map((i) => (i.nodeId === "node3" ? { ...i, trunking: true } : i)),
      },
      config: config(),
      nodes: [
        { eniMax: 2, eniUsed: 1, eniRemaining: 1, fits: { small: 7, "small-vpc": 1, large: 0 } },
        { eniMax: 3, eniUsed: 0, eniRemaining: 3, fits: { small: 11, "small-vpc": 3, large: 1 } },
        { eniMax: 40, eniUsed: 3, eniRemaining: 37, fits: { small: 4, "small-vpc": 4, large: 0 } },
      ],
      totals: { remainingEnis: 41, remainingCpu: 6656, remainingMemory: 39900 },
      schedulable: { small: 22, "small-vpc": 8, large: 1 },
    },
    {
      name: "draining and disconnected nodes are not summed",
      cluster: {
        ...mixed,
        instances: mixed.instances.map((i) =>
          i.nodeId === "node1"
            ? { ...i, status: "DRAINING" }
            : i.nodeId === "node2"
              ? { ...i, agentConnected: false }
              : i,
        ),
      },
      config: config(),
      nodes: [
        { eniMax: 2, eniUsed: 1, eniRemaining: 1, fits: { small: 0, "small-vpc": 0, large: 0 } },
        { eniMax: 3, eniUsed: 0, eniRemaining: 3, fits: { small: 0, "small-vpc": 0, large: 0 } },
        { eniMax: 3, eniUsed: 3, eniRemaining: 0, fits: { small: 4, "small-vpc": 0, large: 0 } },
      ],
      totals: { remainingEnis: 0, remainingCpu: 1024, remainingMemory: 30000 },
      schedulable: { small: 4, "small-vpc": 0, large: 0 },
    },
  ])("$name", ({ cluster, config: cfg, nodes, totals, schedulable }) => {
    const capacity = computeClusterCapacity(cluster, cfg);
    expect(
      capacity.nodes.map(({ eniMax, eniUsed, eniRemaining, fits }) => ({ eniMax, eniUsed, eniRemaining, fits })),
    ).toEqual(nodes);
    expect({
      remainingEnis: capacity.remainingEnis,
      remainingCpu: capacity.remainingCpu,
      remainingMemory: capacity.remainingMemory,
    }).toEqual(totals);
    expect(capacity.schedulable).toEqual(schedulable);
  });

  const report = (nodeId: string, overrides: Partial<CapacityReport>): CapacityReport => ({
    contract: CAPACITY_CONTRACT,
    cluster: "prod",
    nodeId,
    at: "2025-01-01T00:09:30.000Z",
    instanceTypeSource: "imds",
    ...overrides,
  });

  it("uses the agent's report for an instance type the controller could not describe", () => {
    const cluster = observed(
      [instance(9, "x9.mystery", { remainingCpu: 1024, remainingMemory: 2048 })],
      [task(1, 9, "td/vpc:1")],
    );
    const reports = new Map([
      ["node9", report("node9", { instanceType: "x9.mystery", eni: { max: 6, used: 2, trunking: false } })],
    ]);
    const capacity = computeClusterCapacity(cluster, config(), reports);
    expect(capacity.nodes[0]).toMatchObject({ eniSource: "report", eniMax: 5, eniUsed: 1, eniRemaining: 4 });
    const without = computeClusterCapacity(cluster, config());
    expect(without.nodes[0]).toMatchObject({ eniSource: "unknown", eniMax: 0, eniRemaining: 0 });
    expect(without.schedulable["small-vpc"]).toBe(0);
    expect(without.schedulable.small).toBe(4);
  });

  it("flags a supported type without a trunk when the spec expects trunking", () => {
    const flags = (cfg: CapacityConfig, cluster = mixed) =>
      computeClusterCapacity(cluster, cfg).nodes.map((n) => [n.instanceType, n.trunking, n.trunkMissing]);
    expect(flags(config({ trunking: true }))).toEqual([
      ["t3.medium", false, false],
      ["c5.xlarge", false, true],
      ["m5.2xlarge", false, true],
    ]);
    expect(flags(config())).toEqual([
      ["t3.medium", false, false],
      ["c5.xlarge", false, false],
      ["m5.2xlarge", false, false],
    ]);
  });

  it("takes limits from the published tables for types DescribeInstanceTypes did not describe", () => {
    // Not in observed.instanceTypes: c6g.medium (trunked: the guide's 4), m6i.12xlarge (trunked: 120),
    // c5n.large (a trunk attribute on an unsupported family does not count: EC2's 3 − 1).
    const cluster = observed(
      [
        instance(1, "c6g.medium", { trunking: true, remainingCpu: 1024, remainingMemory: 1900 }),
        instance(2, "m6i.12xlarge", { trunking: true, remainingCpu: 49152, remainingMemory: 190000 }),
        instance(3, "c5n.large", { trunking: true, remainingCpu: 2048, remainingMemory: 5000 }),
      ],
      [task(1, 1, "td/vpc:1")],
    );
    const capacity = computeClusterCapacity(cluster, config());
    expect(
      capacity.nodes.map(({ eniMax, eniUsed, trunking, eniSource }) => [eniMax, eniUsed, trunking, eniSource]),
    ).toEqual([
      [4, 1, true, "table"],
      [120, 0, true, "table"],
      [2, 0, false, "table"],
    ]);
    expect(capacity.schedulable["small-vpc"]).toBe(3 + 120 + 2);
  });

  it("counts a trunked instance of a type the guide does not list without trunking, and says so", () => {
    const unlisted: string[] = [];
    const cluster = {
      ...observed([instance(1, "m7i.large", { trunking: true, remainingCpu: 2048, remainingMemory: 7000 })], []),
      instanceTypes: new Map([
        ["m7i.large", { instanceType: "m7i.large", maxEnis: 3, trunkBranchEnis: 0, vcpus: 2, memoryMiB: 8192 }],
      ]),
    };
    const capacity = computeClusterCapacity(cluster, config(), undefined, {
      onUnlistedTrunkType: (t) => unlisted.push(t),
    });
    expect(capacity.nodes[0]).toMatchObject({ trunking: false, eniMax: 2, eniSource: "observed" });
    expect(unlisted).toEqual(["m7i.large"]);
  });

  it("ignores an agent's trunk figures for an instance without a trunk", () => {
    const cluster = observed([instance(9, "x9.mystery", { remainingCpu: 1024, remainingMemory: 2048 })], []);
    const trunkReport = report("node9", { instanceType: "x9.mystery", eni: { max: 40, used: 0, trunking: true } });
    const capacity = computeClusterCapacity(cluster, config(), new Map([["node9", trunkReport]]));
    expect(capacity.nodes[0]).toMatchObject({ eniSource: "unknown", eniMax: 0, trunking: false });
    const trunked = observed(
      [instance(9, "x9.mystery", { trunking: true, remainingCpu: 1024, remainingMemory: 2048 })],
      [],
    );
    expect(computeClusterCapacity(trunked, config(), new Map([["node9", trunkReport]])).nodes[0]).toMatchObject({
      eniSource: "report",
      eniMax: 40,
      trunking: true,
    });
  });

  it("counts ENIs the agent still sees attached, but ignores stale reports", () => {
    const reports = new Map([["node2", report("node2", { attachedInterfaces: 3 })]]);
    expect(computeClusterCapacity(mixed, config(), reports).nodes[1]).toMatchObject({ eniUsed: 2, eniRemaining: 1 });
    const stale = new Map([["node2", report("node2", { attachedInterfaces: 3, at: "2025-01-01T00:00:00.000Z" })]]);
    expect(computeClusterCapacity(mixed, config(), stale).nodes[1]).toMatchObject({ eniUsed: 0, eniRemaining: 3 });
  });

  it("never reports negative headroom (over-committed node)", () => {
    const cluster = observed(
      [instance(1, "t3.medium", { remainingCpu: -100, remainingMemory: -1 })],
      [1, 2, 3].map((n) => task(n, 1, "td/vpc:1")),
    );
    const capacity = computeClusterCapacity(cluster, config());
    expect(capacity.nodes[0]).toMatchObject({ eniUsed: 3, eniRemaining: 0 });
    expect(capacity).toMatchObject({ remainingEnis: 0, remainingCpu: 0, remainingMemory: 0 });
    expect(capacity.schedulable).toEqual({ small: 0, "small-vpc": 0, large: 0 });
  });

  it("counts awsvpc tasks from the ENI address when the task definition is not observed", () => {
    const cluster = observed(
      [instance(1, "t3.medium")],
      [task(1, 1, "td/unknown:1", { eniPrivateIp: "10.0.0.5" }), task(2, 1, "td/unknown:2")],
    );
    expect(countAwsvpcTasks(cluster).get(cluster.instances[0]!.containerInstanceArn)).toBe(1);
  });
});

describe("tasksThatFit", () => {
  it.each([
    { size: { name: "s", cpu: 256, memory: 512, awsvpc: false }, cpu: 1024, mem: 4096, eni: 0, fit: 4 },
    { size: { name: "s", cpu: 256, memory: 512, awsvpc: false }, cpu: 4096, mem: 1100, eni: 0, fit: 2 },
    { size: { name: "s", cpu: 256, memory: 512, awsvpc: true }, cpu: 4096, mem: 4096, eni: 3, fit: 3 },
    { size: { name: "s", cpu: 256, memory: 512, awsvpc: true }, cpu: 255, mem: 4096, eni: 3, fit: 0 },
    { size: { name: "s", cpu: 256, memory: 512, awsvpc: true }, cpu: 4096, mem: 4096, eni: -2, fit: 0 },
  ])("cpu $cpu, mem $mem, eni $eni → $fit", ({ size, cpu, mem, eni, fit }) => {
    expect(tasksThatFit(size, cpu, mem, eni)).toBe(fit);
  });
});
