import type { StatsMetric } from "../../crds-like-schemas/index.js";
import type { CpuCounters, MemoryFigures, StatsSnapshot } from "./stats-payload.js";

/**
 * The stats formulas (docs/stats-formulas.md). Pure: every function maps snapshots and reservations to
 * figures, returning `undefined` for a figure that cannot be computed honestly (no baseline, a counter that
 * went down, a zero interval) so that a restart or a missing `precpu_stats` never produces a spike.
 */

/** ECS CPU units per vCPU. */
export const CPU_UNITS_PER_VCPU = 1024;
const MIB = 1024 * 1024;

/** What ECS reserved for the container and its task (from the task definition). */
export interface Reservation {
  /** Container `cpu` in ECS units; 0 or undefined = none. */
  containerCpuUnits?: number | undefined;
  /** Task-level `cpu` in ECS units. */
  taskCpuUnits?: number | undefined;
  /** Container hard limit (`memory`), MiB; the denominator when no `memoryReservation` is set. */
  memoryLimitMiB?: number | undefined;
  /** Container soft limit (`memoryReservation`), MiB; the memory denominator whenever it is set. */
  memoryReservationMiB?: number | undefined;
  /** Task-level `memory`, MiB. */
  taskMemoryMiB?: number | undefined;
}

export type CpuMode = "reserved" | "percentOfHost";

export type ContainerFigures = Partial<Record<StatsMetric, number>>;

/** CloudWatch unit of each metric. */
export const METRIC_UNITS: Record<StatsMetric, "Percent" | "Bytes/Second"> = {
  CPUUtilization: "Percent",
  MemoryUtilization: "Percent",
  NetworkRxBytes: "Bytes/Second",
  NetworkTxBytes: "Bytes/Second",
  BlockIoReadBytes: "Bytes/Second",
  BlockIoWriteBytes: "Bytes/Second",
};

const positive = (value: number | undefined): number | undefined =>
  value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;

/** CPU units the percentage is relative to: the container's, else the task's, else one vCPU. */
export function reservedCpuUnits(reservation: Reservation): number {
  return positive(reservation.containerCpuUnits) ?? positive(reservation.taskCpuUnits) ?? CPU_UNITS_PER_VCPU;
}

/**
 * CPU utilization between two CPU reads.
 *
 * `cpuDelta / systemDelta` is the container's share of all host CPU time; × `onlineCpus` turns it into cores
 * in use (what `docker stats` and seed 000 print × 100: "percentOfHost", 100 = one full core). Cores × 1024
 * are ECS CPU units in use, so in "reserved" mode the figure is
 * `cpuDelta / systemDelta × onlineCpus × 100 × 1024 / reservedUnits`: 100 means the container uses exactly its
 * reservation; above 100 it bursts into unreserved host CPU.
 *
 * Returns undefined when the container counter went down (restart), the host counter did not advance, or the
 * CPU count is unknown.
 */
export function cpuUtilization(
  current: CpuCounters,
  baseline: CpuCounters,
  mode: CpuMode,
  reservation: Reservation,
): number | undefined {
  if (current.systemUsage === undefined || baseline.systemUsage === undefined) return undefined;
  const cpuDelta = current.totalUsage - baseline.totalUsage;
  const systemDelta = current.systemUsage - baseline.systemUsage;
  const cpus = current.onlineCpus;
  if (cpuDelta < 0 || systemDelta <= 0 || cpus === undefined) return undefined;
  const percentOfHost = (cpuDelta / systemDelta) * cpus * 100;
  return mode === "percentOfHost"
    ? percentOfHost
    : (percentOfHost * CPU_UNITS_PER_VCPU) / reservedCpuUnits(reservation);
}

/**
 * The CPU baseline for a read: Docker's embedded `precpu_stats` when present, else the previous read the
 * collector kept for this container; undefined on the very first read.
 */
export function cpuBaseline(current: StatsSnapshot, previous: StatsSnapshot | undefined): CpuCounters | undefined {
  return current.precpu ?? previous?.cpu;
}

/**
 * Memory denominator in bytes. AWS defines ECS `MemoryUtilization` against the memory reserved for the task:
 * "If you specify a soft limit (`memoryReservation`), it's used to calculate the amount of reserved memory.
 * Otherwise, the hard limit (`memory`) is used" (ECS developer guide, "Service utilization"). So: the container's
 * `memoryReservation`, else its `memory`, else the task's `memory`, else the cgroup limit Docker reports.
 */
export function memoryDenominatorBytes(snapshot: StatsSnapshot, reservation: Reservation): number | undefined {
  const mib =
    positive(reservation.memoryReservationMiB) ??
    positive(reservation.memoryLimitMiB) ??
    positive(reservation.taskMemoryMiB);
  if (mib !== undefined) return mib * MIB;
  return positive(snapshot.memory?.limit);
}

/**
 * The memory `docker stats` shows as used, as docker/cli's `calculateMemUsageUnixNoCache` computes it
 * (cli/command/container/stats_helpers.go): `usage − total_inactive_file` on cgroup v1, `usage − inactive_file` on
 * v2, and `usage` when the subtrahend is missing or not below usage. Only inactive page cache is left out:
 * tmpfs and shared memory (counted in v1's `cache`) cannot be reclaimed without swap, so they count as used.
 */
export function workingSetBytes(memory: MemoryFigures): number {
  const { usage, totalInactiveFile, inactiveFile } = memory;
  if (totalInactiveFile !== undefined && totalInactiveFile < usage) return usage - totalInactiveFile;
  if (inactiveFile !== undefined && inactiveFile < usage) return usage - inactiveFile;
  return usage;
}

/** {@link workingSetBytes} over {@link memoryDenominatorBytes}, × 100. Above 100 when past a soft reservation. */
export function memoryUtilization(snapshot: StatsSnapshot, reservation: Reservation): number | undefined {
  const memory = snapshot.memory;
  const denominator = memoryDenominatorBytes(snapshot, reservation);
  if (!memory || denominator === undefined) return undefined;
  return (workingSetBytes(memory) / denominator) * 100;
}

/**
 * True when a cumulative counter of the same container id went down since `previous`: the container restarted
 * in place (`docker restart`, an ECS container restart policy, the engine restarting it), so its cgroup and
 * network namespace were recreated. Rates against `previous` would be meaningless; the caller drops it.
 */
export function countersReset(current: StatsSnapshot, previous: StatsSnapshot): boolean {
  const down = (now: number | undefined, before: number | undefined) =>
    now !== undefined && before !== undefined && now < before;
  return (
    down(current.cpu.totalUsage, previous.cpu.totalUsage) ||
    down(current.network?.rxBytes, previous.network?.rxBytes) ||
    down(current.network?.txBytes, previous.network?.txBytes) ||
    down(current.blockIo?.readBytes, previous.blockIo?.readBytes) ||
    down(current.blockIo?.writeBytes, previous.blockIo?.writeBytes)
  );
}

/** `(current − previous) / seconds`; undefined for a counter reset (went down) or a non-positive interval. */
export function ratePerSecond(current: number, previous: number, seconds: number): number | undefined {
  if (!(seconds > 0) || current < previous) return undefined;
  return (current - previous) / seconds;
}

/**
 * Every figure computable from a read and the previous read of the same container (same runtime id).
 * CPU uses {@link cpuBaseline}; the byte rates need `previous` and are per second of `read` time.
 */
export function computeContainerFigures(input: {
  current: StatsSnapshot;
  previous: StatsSnapshot | undefined;
  reservation: Reservation;
  cpuMode: CpuMode;
}): ContainerFigures {
  const { current, previous, reservation, cpuMode } = input;
  const figures: ContainerFigures = {};
  const baseline = cpuBaseline(current, previous);
  if (baseline) {
    const cpu = cpuUtilization(current.cpu, baseline, cpuMode, reservation);
    if (cpu !== undefined) figures.CPUUtilization = cpu;
  }
  const memory = memoryUtilization(current, reservation);
  if (memory !== undefined) figures.MemoryUtilization = memory;
  if (previous) {
    const seconds = (current.readAtMs - previous.readAtMs) / 1000;
    if (current.network && previous.network) {
      const rx = ratePerSecond(current.network.rxBytes, previous.network.rxBytes, seconds);
      const tx = ratePerSecond(current.network.txBytes, previous.network.txBytes, seconds);
      if (rx !== undefined) figures.NetworkRxBytes = rx;
      if (tx !== undefined) figures.NetworkTxBytes = tx;
    }
    if (current.blockIo && previous.blockIo) {
      const read = ratePerSecond(current.blockIo.readBytes, previous.blockIo.readBytes, seconds);
      const write = ratePerSecond(current.blockIo.writeBytes, previous.blockIo.writeBytes, seconds);
      if (read !== undefined) figures.BlockIoReadBytes = read;
      if (write !== undefined) figures.BlockIoWriteBytes = write;
    }
  }
  return figures;
}
