import { existsSync } from "node:fs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import { computeClusterCapacity } from "../controller/capacity/compute-capacity.js";
import type {
  ObservedCluster,
  ObservedInstance,
  ObservedInstanceType,
  ObservedTask,
  ObservedTaskDefinition,
} from "../controller/model.js";
import { createClusterObserver } from "../controller/observe/create-observer.js";
import { type CapacityConfig, ClusterSpec } from "../crds-like-schemas/index.js";
import { benchQuick } from "../lib/config.js";
import { fromRoot } from "../lib/paths.js";
import type { BenchResult } from "./types.js";

/**
 * Issue 7 bench: capacity computation for sim/scenarios/large.yaml (500 container instances, 10,000 tasks) as
 * the controller observes it from the simulator, and for a synthetic observation of the same size with mixed
 * types and a third of the tasks awsvpc. Reports the median and p99 of repeated runs.
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

/**
 * Median and p99 per run over `iterations` runs, timed in batches of 10 by CPU time (user + system) so that
 * other processes on a busy machine do not inflate the figure; wall time is reported beside it.
 */
function time(
  observed: ObservedCluster,
  iterations: number,
): { median: number; p99: number; wallMedian: number; schedulable: number } {
  for (let i = 0; i < 20; i++) computeClusterCapacity(observed, CONFIG);
  const batch = 10;
  const cpu: number[] = [];
  const wall: number[] = [];
  let schedulable = 0;
  for (let i = 0; i < Math.max(1, Math.round(iterations / batch)); i++) {
    const startedCpu = process.cpuUsage();
    const started = performance.now();
    for (let j = 0; j < batch; j++) schedulable = computeClusterCapacity(observed, CONFIG).schedulable.small ?? 0;
    wall.push((performance.now() - started) / batch);
    const used = process.cpuUsage(startedCpu);
    cpu.push((used.user + used.system) / 1000 / batch);
  }
  cpu.sort((a, b) => a - b);
  wall.sort((a, b) => a - b);
  const at = (list: number[], q: number) => list[Math.min(list.length - 1, Math.floor(list.length * q))] ?? Number.NaN;
  return { median: at(cpu, 0.5), p99: at(cpu, 0.99), wallMedian: at(wall, 0.5), schedulable };
}

/**
 * The real large.yaml: the simulator loads it (no node surfaces) and the controller's ClusterObserver reads it
 * over the AWS APIs, exactly as in production. Undefined when the scenario or the simulator is not available.
 */
async function observeLargeYaml(): Promise<ObservedCluster | undefined> {
  const scenario = fromRoot("sim/scenarios/large.yaml");
  if (!existsSync(scenario)) return undefined;
  const { startSim } = await import("../sim/index.js");
  const sim = await startSim({ scenario, nodeSurfaces: false, transitionDelayMs: 0 });
  const client = {
    region: sim.region,
    endpoint: sim.endpoint,
    credentials: { accessKeyId: "b", secretAccessKey: "b" },
  };
  const ecs = new ECSClient(client);
  const ec2 = new EC2Client(client);
  try {
    const spec = ClusterSpec.parse({
      name: sim.scenario.cluster,
      capacity: { enabled: true, taskSizes: CONFIG.taskSizes },
    });
    const observer = createClusterObserver(spec, {
      region: sim.region,
      clients: { ecs, ec2 },
      observer: { concurrency: 8 },
    });
    return await observer.observe();
  } finally {
    ecs.destroy();
    ec2.destroy();
    await sim.stop();
  }
}

export async function run(): Promise<BenchResult[]> {
  const iterations = benchQuick() ? 50 : 300;
  const results: BenchResult[] = [];
  let large: ObservedCluster | undefined;
  try {
    large = await observeLargeYaml();
  } catch (error) {
    process.stderr.write(
      `bench: capacity: large.yaml observation failed (${(error as Error).message}); synthetic only\n`,
    );
  }
  if (large) {
    const t = time(large, iterations);
    results.push(
      {
        area: "capacity",
        name: "capacity computation (large.yaml)",
        value: Number(t.median.toFixed(3)),
        unit: "ms",
        note: `CPU time; ${large.instances.length} instances, ${large.tasks.length} tasks observed from the simulator, ${iterations} runs, wall median ${t.wallMedian.toFixed(2)} ms`,
      },
      {
        area: "capacity",
        name: "capacity computation p99 of 10-run batches (large.yaml)",
        value: Number(t.p99.toFixed(3)),
        unit: "ms",
      },
    );
  }
  const t = time(largeObservation(), iterations);
  results.push(
    {
      area: "capacity",
      name: "capacity computation (synthetic, large.yaml size)",
      value: Number(t.median.toFixed(3)),
      unit: "ms",
      note: `CPU time; 500 instances, 10,000 tasks, 4 task sizes, ${iterations} runs, wall median ${t.wallMedian.toFixed(2)} ms`,
    },
    {
      area: "capacity",
      name: "capacity computation p99 of 10-run batches (synthetic)",
      value: Number(t.p99.toFixed(3)),
      unit: "ms",
    },
  );
  return results;
}
