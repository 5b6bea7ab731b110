import type { CloudWatchClient, PutMetricDataCommandInput } from "@aws-sdk/client-cloudwatch";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createCapacityGauges, publishCapacity } from "./capacity-publisher.js";
import type { ClusterCapacity, NodeCapacity } from "./compute-capacity.js";

const node = (nodeId: string, instanceType: string, eniRemaining: number): NodeCapacity => ({
  nodeId,
  containerInstanceArn: `arn:ci/${nodeId}`,
  instanceType,
  schedulable: true,
  registeredCpu: 4096,
  registeredMemory: 7680,
  remainingCpu: 0,
  remainingMemory: 0,
  eniMax: eniRemaining,
  eniUsed: 0,
  eniRemaining,
  trunking: false,
  trunkMissing: false,
  eniSource: "table",
  fits: {},
});

const capacity: ClusterCapacity = {
  cluster: "prod",
  observedAt: "2025-01-01T00:00:00.000Z",
  nodes: [node("n1", "t3.medium", 1), node("n2", "c5.xlarge", 3)],
  remainingEnis: 4,
  remainingCpu: 5632,
  remainingMemory: 9900,
  schedulable: { small: 18, "small-vpc": 4 },
};

describe("publishCapacity", () => {
  it("sends every figure in ONE PutMetricData with ClusterName (+ TaskSize) dimensions", async () => {
    const calls: PutMetricDataCommandInput[] = [];
    const cloudwatch = {
      send: async (c: { input: PutMetricDataCommandInput }) => calls.push(c.input),
    } as unknown as CloudWatchClient;
    expect(await publishCapacity(cloudwatch, "ECS/Capacity", "prod", capacity)).toBe(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.Namespace).toBe("ECS/Capacity");
    const summary = calls[0]?.MetricData?.map((d) => [
      d.MetricName,
      d.Dimensions?.map((x) => `${x.Name}=${x.Value}`).join(","),
      d.Value,
      d.Unit,
    ]);
    expect(summary).toEqual([
      ["RemainingENIs", "ClusterName=prod", 4, "Count"],
      ["RemainingCPU", "ClusterName=prod", 5632, "None"],
      ["RemainingMemory", "ClusterName=prod", 9900, "Megabytes"],
      ["SchedulableTasks", "ClusterName=prod,TaskSize=small", 18, "Count"],
      ["SchedulableTasks", "ClusterName=prod,TaskSize=small-vpc", 4, "Count"],
    ]);
    expect(calls[0]?.MetricData?.[0]?.Timestamp?.toISOString()).toBe(capacity.observedAt);
  });
});

describe("createCapacityGauges", () => {
  it("exposes the figures and drops series of sizes, nodes and clusters that went away", async () => {
    const registry = new Registry();
    const gauges = createCapacityGauges(registry);
    gauges.update("prod", capacity);
    gauges.update("dev", { ...capacity, cluster: "dev", schedulable: { tiny: 1 }, nodes: [] });
    let text = await registry.metrics();
    expect(text).toContain('ecsmon_capacity_remaining_enis{cluster="prod"} 4');
    expect(text).toContain('ecsmon_capacity_remaining_cpu_units{cluster="prod"} 5632');
    expect(text).toContain('ecsmon_capacity_remaining_memory_mib{cluster="prod"} 9900');
    expect(text).toContain('ecsmon_capacity_schedulable_tasks{cluster="prod",task_size="small-vpc"} 4');
    expect(text).toContain('ecsmon_capacity_node_remaining_enis{cluster="prod",node="n2",instance_type="c5.xlarge"} 3');
    const n2 = capacity.nodes.find((n) => n.nodeId === "n2")!;
    expect(text).toContain(
      `ecsmon_capacity_node_remaining_cpu_units{cluster="prod",node="n2",instance_type="c5.xlarge"} ${n2.remainingCpu}`,
    );
    expect(text).toContain(
      `ecsmon_capacity_node_remaining_memory_mib{cluster="prod",node="n2",instance_type="c5.xlarge"} ${n2.remainingMemory}`,
    );

    gauges.update("prod", { ...capacity, schedulable: { small: 17 }, nodes: [node("n1", "t3.medium", 0)] });
    text = await registry.metrics();
    expect(text).toContain('ecsmon_capacity_schedulable_tasks{cluster="prod",task_size="small"} 17');
    expect(text).not.toContain('task_size="small-vpc"');
    expect(text).not.toContain('node="n2"');

    gauges.remove("prod");
    text = await registry.metrics();
    expect(text).not.toContain('cluster="prod"');
    expect(text).toContain('ecsmon_capacity_schedulable_tasks{cluster="dev",task_size="tiny"} 1');
    // A second set of gauges on the same registry reuses the metrics instead of throwing.
    expect(() => createCapacityGauges(registry)).not.toThrow();
  });
});
