import { computeClusterCapacity } from "../controller/capacity/compute-capacity.js";
import type {
  ObservedCluster,
  ObservedInstance,
  ObservedInstanceType,
  ObservedTask,
  ObservedTaskDefinition,
} from "../controller/model.js";
import type { CapacityConfig } from "../crds-like-schemas/index.js";
import { benchQuick } from "../lib/config.js";
import type { BenchResult } from "./types.js";

/**
 * Issue 7 bench: capacity computation for a large.yaml-sized observation (500 container instances of mixed
 * types, 10,000 tasks, a third of them awsvpc), built synthetically so that the figure does not depend on a
 * scenario file. Reports the median and p99 of repeated runs.
 */

const TYPES: ObservedInstanceType[] = [
  { instanceType: "t3.medium", maxEnis: 3, trunkBranchEnis: 0, vcpus: 2, memoryMiB: 4096 },
  { instanceType: "c5.xlarge", maxEnis: 4, trunkBranchEnis: 20, vcpus: 4, memoryMiB: 8192 },
  { instanceType: "m5.2xlarge", maxEnis: 4, trunkBranchEnis: 40, vcpus: 8, memoryMiB: 32768 },
];

export function largeObservation(instances = 500, tasks = 10_000): ObservedCluster {
  const defs: ObservedTaskDefinition[] = Array.from({ length: 30 }, (_, i) => ({
    taskDefinitionArn: `arn:aws:ecs:us-east-1:000000000000:task-definition/fam${i}:1`,
    family: `fam${i}`,
    revision: 1,
    networkMode: i % 3 === 0 ? "awsvpc" : "bridge",
    containerDefinitions: [],
  }));
  const nodes: ObservedInstance[] = Array.from({ length: instances }, (_, i) => {
    const type = TYPES[i % TYPES.length]!;
    return {
      containerInstanceArn: `arn:aws:ecs:us-east-1:000000000000:container-instance/large/${i.toString(16).padStart(32, "0")}`,
      nodeId: i.toString(16).padStart(32, "0"),
      ec2InstanceId: `i-${i.toString(16).padStart(17, "0")}`,
      status: i % 50 === 0 ? "DRAINING" : "ACTIVE",
      agentConnected: true,
      instanceType: type.instanceType,
      registeredCpu: type.vcpus * 1024,
      registeredMemory: type.memoryMiB - 256,
      remainingCpu: (i * 37) % (type.vcpus * 1024),
      remainingMemory: (i * 101) % (type.memoryMiB - 256),
      trunking: i % 7 === 0,
      runningTasksCount: 20,
    };
  });
  const observedTasks: ObservedTask[] = Array.from({ length: tasks }, (_, i) => {
    const def = defs[i % defs.length]!;
    const node = nodes[i % nodes.length]!;
    return {
      taskArn: `arn:aws:ecs:us-east-1:000000000000:task/large/${i.toString(16).padStart(32, "0")}`,
      taskId: i.toString(16).padStart(32, "0"),
      taskDefinitionArn: def.taskDefinitionArn,
      lastStatus: i % 97 === 0 ? "STOPPED" : "RUNNING",
      containerInstanceArn: node.containerInstanceArn,
      containers: [],
    };
  });
  return {
    cluster: "large",
    clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/large",
    region: "us-east-1",
    observedAt: new Date().toISOString(),
    tasks: observedTasks,
    taskDefinitions: new Map(defs.map((d) => [d.taskDefinitionArn, d])),
    instances: nodes,
    instanceTypes: new Map(TYPES.map((t) => [t.instanceType, t])),
    cloudMap: [],
  };
}

const CONFIG: CapacityConfig = {
  enabled: true,
  namespace: "ECS/Capacity",
  period: "60s",
  trunking: false,
  taskSizes: [
    { name: "small", cpu: 256, memory: 512, awsvpc: false },
    { name: "small-vpc", cpu: 256, memory: 512, awsvpc: true },
    { name: "medium", cpu: 1024, memory: 2048, awsvpc: false },
    { name: "large-vpc", cpu: 2048, memory: 4096, awsvpc: true },
  ],
};

export async function run(): Promise<BenchResult[]> {
  const observed = largeObservation();
  const iterations = benchQuick() ? 50 : 300;
  for (let i = 0; i < 20; i++) computeClusterCapacity(observed, CONFIG);
  const times: number[] = [];
  let schedulable = 0;
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    const capacity = computeClusterCapacity(observed, CONFIG);
    times.push(performance.now() - started);
    schedulable = capacity.schedulable.small ?? 0;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
  const p99 = times[Math.min(times.length - 1, Math.floor(times.length * 0.99))] ?? Number.NaN;
  const note = `500 instances, 10,000 tasks, 4 task sizes, ${iterations} runs (schedulable small = ${schedulable})`;
  return [
    {
      area: "capacity",
      name: "capacity computation (large.yaml size)",
      value: Number(median.toFixed(3)),
      unit: "ms",
      note,
    },
    { area: "capacity", name: "capacity computation p99 (large.yaml size)", value: Number(p99.toFixed(3)), unit: "ms" },
  ];
}
