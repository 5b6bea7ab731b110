import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { Gauge, Registry } from "prom-client";
import { gauge as registeredGauge } from "../../lib/prom-metrics.js";
import type { ClusterCapacity } from "./compute-capacity.js";

/** CloudWatch allows 1,000 datums per PutMetricData. */
const MAX_DATUMS = 1_000;

/**
 * The capacity datums of one cluster: RemainingENIs, RemainingCPU (ECS CPU units) and RemainingMemory (MiB)
 * dimensioned by ClusterName, and SchedulableTasks dimensioned by ClusterName and TaskSize, one per spec size.
 */
export function capacityDatums(
  clusterName: string,
  capacity: ClusterCapacity,
  timestamp = new Date(capacity.observedAt),
): MetricDatum[] {
  const cluster = [{ Name: "ClusterName", Value: clusterName }];
  const at = Number.isFinite(timestamp.getTime()) ? timestamp : new Date();
  const datums: MetricDatum[] = [
    { MetricName: "RemainingENIs", Dimensions: cluster, Value: capacity.remainingEnis, Unit: "Count", Timestamp: at },
    { MetricName: "RemainingCPU", Dimensions: cluster, Value: capacity.remainingCpu, Unit: "None", Timestamp: at },
    {
      MetricName: "RemainingMemory",
      Dimensions: cluster,
      Value: capacity.remainingMemory,
      Unit: "Megabytes",
      Timestamp: at,
    },
  ];
  for (const [size, count] of Object.entries(capacity.schedulable)) {
    datums.push({
      MetricName: "SchedulableTasks",
      Dimensions: [...cluster, { Name: "TaskSize", Value: size }],
      Value: count,
      Unit: "Count",
      Timestamp: at,
    });
  }
  return datums;
}

/**
 * Publishes one cluster's capacity with ONE PutMetricData call (more only beyond 997 task sizes). Errors
 * propagate: the caller (controller runtime) counts them and retries on its next capacity period.
 * @returns the number of calls made
 */
export async function publishCapacity(
  cloudwatch: CloudWatchClient,
  namespace: string,
  clusterName: string,
  capacity: ClusterCapacity,
): Promise<number> {
  const datums = capacityDatums(clusterName, capacity);
  let calls = 0;
  for (let i = 0; i < datums.length; i += MAX_DATUMS) {
    await cloudwatch.send(
      new PutMetricDataCommand({ Namespace: namespace, MetricData: datums.slice(i, i + MAX_DATUMS) }),
    );
    calls++;
  }
  return calls;
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Gauge<L> {
  return registeredGauge(registry, { name, help, labelNames });
}

/** Prometheus mirror of the capacity figures on the controller's /metrics. */
export interface CapacityGauges {
  /** Sets every figure of `cluster`; task sizes and nodes no longer present lose their series. */
  update(cluster: string, capacity: ClusterCapacity): void;
  /** Removes every series of `cluster` (the controller lost its lease or the cluster left the spec). */
  remove(cluster: string): void;
}

export function createCapacityGauges(registry: Registry): CapacityGauges {
  const enis = gauge(registry, "ecsmon_capacity_remaining_enis", "awsvpc ENI slots left on schedulable nodes.", [
    "cluster",
  ]);
  const cpu = gauge(registry, "ecsmon_capacity_remaining_cpu_units", "ECS CPU units left on schedulable nodes.", [
    "cluster",
  ]);
  const memory = gauge(registry, "ecsmon_capacity_remaining_memory_mib", "Memory (MiB) left on schedulable nodes.", [
    "cluster",
  ]);
  const schedulable = gauge(
    registry,
    "ecsmon_capacity_schedulable_tasks",
    "Tasks of each spec task size that still fit in the cluster.",
    ["cluster", "task_size"],
  );
  const nodeLabels: ("cluster" | "node" | "instance_type")[] = ["cluster", "node", "instance_type"];
  /** Per-node gauges and the figure each shows. */
  const nodeGauges: [Gauge<"cluster" | "node" | "instance_type">, (n: ClusterCapacity["nodes"][number]) => number][] = [
    [
      gauge(registry, "ecsmon_capacity_node_remaining_enis", "awsvpc ENI slots left per node.", nodeLabels),
      (n) => n.eniRemaining,
    ],
    [
      gauge(registry, "ecsmon_capacity_node_remaining_cpu_units", "ECS CPU units left per node.", nodeLabels),
      (n) => n.remainingCpu,
    ],
    [
      gauge(registry, "ecsmon_capacity_node_remaining_memory_mib", "Memory (MiB) left per node.", nodeLabels),
      (n) => n.remainingMemory,
    ],
  ];
  const sizes = new Map<string, Set<string>>();
  const nodes = new Map<string, Map<string, string>>();

  const remove = (cluster: string) => {
    enis.remove({ cluster });
    cpu.remove({ cluster });
    memory.remove({ cluster });
    for (const size of sizes.get(cluster) ?? []) schedulable.remove({ cluster, task_size: size });
    for (const [node, type] of nodes.get(cluster) ?? [])
      for (const [g] of nodeGauges) g.remove({ cluster, node, instance_type: type });
    sizes.delete(cluster);
    nodes.delete(cluster);
  };

  return {
    update(cluster, capacity) {
      enis.set({ cluster }, capacity.remainingEnis);
      cpu.set({ cluster }, capacity.remainingCpu);
      memory.set({ cluster }, capacity.remainingMemory);
      const nextSizes = new Set(Object.keys(capacity.schedulable));
      for (const size of sizes.get(cluster) ?? [])
        if (!nextSizes.has(size)) schedulable.remove({ cluster, task_size: size });
      for (const [size, count] of Object.entries(capacity.schedulable))
        schedulable.set({ cluster, task_size: size }, count);
      sizes.set(cluster, nextSizes);
      const nextNodes = new Map(capacity.nodes.map((n) => [n.nodeId, n.instanceType ?? "unknown"]));
      for (const [node, type] of nodes.get(cluster) ?? []) {
        if (nextNodes.get(node) !== type)
          for (const [g] of nodeGauges) g.remove({ cluster, node, instance_type: type });
      }
      for (const n of capacity.nodes) {
        const labels = { cluster, node: n.nodeId, instance_type: n.instanceType ?? "unknown" };
        for (const [g, figure] of nodeGauges) g.set(labels, figure(n));
      }
      nodes.set(cluster, nextNodes);
    },
    remove,
  };
}
