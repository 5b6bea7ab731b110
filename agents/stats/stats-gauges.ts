import type { Registry } from "prom-client";
import type { StatsMetric } from "../../crds-like-schemas/index.js";
import { gauge } from "../../lib/prom-metrics.js";
import type { ContainerFigures } from "./formulas.js";

/** Prometheus gauge names, one per CloudWatch metric, on the agent's /metrics. */
export const GAUGE_NAMES: Record<StatsMetric, string> = {
  CPUUtilization: "ecsmon_container_cpu_utilization_percent",
  MemoryUtilization: "ecsmon_container_memory_utilization_percent",
  NetworkRxBytes: "ecsmon_container_network_rx_bytes_per_second",
  NetworkTxBytes: "ecsmon_container_network_tx_bytes_per_second",
  BlockIoReadBytes: "ecsmon_container_block_io_read_bytes_per_second",
  BlockIoWriteBytes: "ecsmon_container_block_io_write_bytes_per_second",
};

const HELP: Record<StatsMetric, string> = {
  CPUUtilization:
    "CPU used, percent of the CPU reserved for the container (or task), or of one host CPU in percentOfHost mode.",
  MemoryUtilization: "Working-set memory, percent of the container's hard limit, else reservation, else task memory.",
  NetworkRxBytes: "Bytes received per second over the last period.",
  NetworkTxBytes: "Bytes sent per second over the last period.",
  BlockIoReadBytes: "Block device bytes read per second over the last period.",
  BlockIoWriteBytes: "Block device bytes written per second over the last period.",
};

export type ContainerLabels = { cluster: string; service: string; task_id: string; container: string };
const LABELS: (keyof ContainerLabels)[] = ["cluster", "service", "task_id", "container"];

/** The per-container gauges; label sets of containers that went away are removed, not left stale. */
export function createStatsGauges(registry: Registry) {
  const gauges = Object.fromEntries(
    (Object.keys(GAUGE_NAMES) as StatsMetric[]).map((metric) => [
      metric,
      gauge(registry, { name: GAUGE_NAMES[metric], help: HELP[metric], labelNames: LABELS }),
    ]),
  ) as Record<StatsMetric, ReturnType<typeof gauge<keyof ContainerLabels>>>;
  /** Label sets currently exported, by container key, with the metrics set for each. */
  const live = new Map<string, { labels: ContainerLabels; metrics: Set<StatsMetric> }>();

  return {
    set(key: string, labels: ContainerLabels, figures: ContainerFigures): void {
      let entry = live.get(key);
      if (!entry) {
        entry = { labels, metrics: new Set() };
        live.set(key, entry);
      }
      for (const [metric, value] of Object.entries(figures) as [StatsMetric, number][]) {
        gauges[metric].set(labels, value);
        entry.metrics.add(metric);
      }
    },
    /** Removes every label set whose key is not in `keep`. */
    retain(keep: ReadonlySet<string>): void {
      for (const [key, entry] of live) {
        if (keep.has(key)) continue;
        for (const metric of entry.metrics) gauges[metric].remove(entry.labels);
        live.delete(key);
      }
    },
  };
}

export type StatsGauges = ReturnType<typeof createStatsGauges>;
