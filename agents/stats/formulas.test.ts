import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type ContainerFigures,
  type CpuMode,
  computeContainerFigures,
  type Reservation,
  ratePerSecond,
  reservedCpuUnits,
} from "./formulas.js";
import { parseStatsPayload, type StatsSnapshot } from "./stats-payload.js";

const MIB = 1024 * 1024;

function reads(name: string): unknown[] {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8")) as unknown[];
}

function snapshot(name: string, index: number): StatsSnapshot {
  const result = parseStatsPayload(reads(name)[index], 0);
  if (!result.ok) throw new Error(`fixture ${name}[${index}]: ${result.error}`);
  return result.snapshot;
}

interface Case {
  name: string;
  fixture: string;
  index: number;
  previousIndex?: number;
  reservation: Reservation;
  cpuMode?: CpuMode;
  /** Expected figures, written as the arithmetic on the fixture's numbers. */
  expected: ContainerFigures;
}

const cases: Case[] = [
  {
    name: "cgroup v1, first read: CPU from embedded precpu_stats, no rates yet",
    fixture: "docker-cgroup-v1",
    index: 0,
    reservation: { containerCpuUnits: 256, memoryLimitMiB: 256 },
    // cpu: (2.5e9-2.4e9)/(9.000e12-8.998e12) × 2 cpus × 100 × 1024/256; memory: (150 MiB - 50 MiB cache)/256 MiB
    expected: { CPUUtilization: (1e8 / 2e9) * 2 * 100 * 4, MemoryUtilization: (100 / 256) * 100 },
  },
  {
    name: "cgroup v1, second read: rates over the 2 s between reads",
    fixture: "docker-cgroup-v1",
    index: 1,
    previousIndex: 0,
    reservation: { containerCpuUnits: 256, memoryLimitMiB: 256, memoryReservationMiB: 128 },
    expected: {
      CPUUtilization: (2e8 / 2e9) * 2 * 100 * 4,
      MemoryUtilization: (110 / 256) * 100,
      NetworkRxBytes: (1_250_000 - 1_000_000) / 2,
      NetworkTxBytes: (600_000 - 500_000) / 2,
      BlockIoReadBytes: (4_505_600 - 4_096_000) / 2,
      BlockIoWriteBytes: (1_126_400 - 1_024_000) / 2,
    },
  },
  {
    name: "cgroup v1, percentOfHost = seed 000's figure",
    fixture: "docker-cgroup-v1",
    index: 1,
    previousIndex: 0,
    cpuMode: "percentOfHost",
    reservation: { containerCpuUnits: 256, memoryLimitMiB: 256 },
    expected: {
      CPUUtilization: (2e8 / 2e9) * 2 * 100,
      MemoryUtilization: (110 / 256) * 100,
      NetworkRxBytes: 125_000,
      NetworkTxBytes: 50_000,
      BlockIoReadBytes: 204_800,
      BlockIoWriteBytes: 51_200,
    },
  },
  {
    name: "cgroup v2, task-level CPU when the container reserves none; memory reservation; inactive_file",
    fixture: "docker-cgroup-v2",
    index: 0,
    reservation: { containerCpuUnits: 0, taskCpuUnits: 512, memoryReservationMiB: 400, taskMemoryMiB: 1024 },
    // cpu: 2e8/4e9 × 4 × 100 × 1024/512; memory: (300 MiB - 100 MiB inactive_file)/400 MiB
    expected: { CPUUtilization: (2e8 / 4e9) * 4 * 100 * 2, MemoryUtilization: (200 / 400) * 100 },
  },
  {
    name: "cgroup v2, second read: two interfaces summed, 5 s interval",
    fixture: "docker-cgroup-v2",
    index: 1,
    previousIndex: 0,
    reservation: { taskCpuUnits: 512, memoryReservationMiB: 400 },
    expected: {
      CPUUtilization: (4e8 / 4e9) * 4 * 100 * 2,
      MemoryUtilization: (240 / 400) * 100,
      NetworkRxBytes: (36_500_000 - 31_000_000) / 5,
      NetworkTxBytes: (14_500_000 - 12_000_000) / 5,
      BlockIoReadBytes: (25_600_000 - 20_480_000) / 5,
      BlockIoWriteBytes: 0,
    },
  },
  {
    name: "cgroup v2, no reservation at all: one vCPU and the cgroup limit",
    fixture: "docker-cgroup-v2",
    index: 1,
    reservation: {},
    expected: {
      CPUUtilization: (4e8 / 4e9) * 4 * 100,
      MemoryUtilization: ((335_544_320 - 83_886_080) / 8_052_908_032) * 100,
    },
  },
  {
    name: "one-shot read without precpu_stats and without a previous read: no CPU figure (no spike)",
    fixture: "docker-one-shot",
    index: 0,
    reservation: { containerCpuUnits: 2048, taskMemoryMiB: 120 },
    expected: { MemoryUtilization: (60 / 120) * 100 },
  },
  {
    name: "one-shot read: CPU against the previous read the collector kept",
    fixture: "docker-one-shot",
    index: 1,
    previousIndex: 0,
    reservation: { containerCpuUnits: 2048, taskMemoryMiB: 120 },
    // 5e8 / 8e9 × 8 cpus × 100 × 1024/2048
    expected: { CPUUtilization: (5e8 / 8e9) * 8 * 100 * 0.5, MemoryUtilization: (70 / 120) * 100 },
  },
  {
    name: "container restarted: every counter went down, only the gauge-like memory figure remains",
    fixture: "docker-restart",
    index: 1,
    previousIndex: 0,
    reservation: { containerCpuUnits: 1024 },
    expected: { MemoryUtilization: (20_971_520 / 4_026_531_840) * 100 },
  },
];

describe("computeContainerFigures on recorded payloads", () => {
  it.each(cases)("$name", (c) => {
    const figures = computeContainerFigures({
      current: snapshot(c.fixture, c.index),
      previous: c.previousIndex === undefined ? undefined : snapshot(c.fixture, c.previousIndex),
      reservation: c.reservation,
      cpuMode: c.cpuMode ?? "reserved",
    });
    expect(Object.keys(figures).sort()).toEqual(Object.keys(c.expected).sort());
    for (const [metric, value] of Object.entries(c.expected)) {
      expect(figures[metric as keyof ContainerFigures], metric).toBeCloseTo(value, 9);
    }
  });
});

describe("parseStatsPayload", () => {
  it.each([
    { name: "v1", fixture: "docker-cgroup-v1", cgroup: "v1", reclaimable: 50 * MIB },
    { name: "v2", fixture: "docker-cgroup-v2", cgroup: "v2", reclaimable: 100 * MIB },
  ])("detects the cgroup $name memory shape", ({ fixture, cgroup, reclaimable }) => {
    const s = snapshot(fixture, 0);
    expect(s.memory?.cgroup).toBe(cgroup);
    expect(s.memory?.reclaimable).toBe(reclaimable);
  });

  it("uses percpu_usage length when online_cpus is absent, and the read time in ms", () => {
    const payload = structuredClone(reads("docker-cgroup-v1")[0]) as { cpu_stats: { online_cpus?: number } };
    delete payload.cpu_stats.online_cpus;
    const result = parseStatsPayload(payload, 0);
    expect(result.ok && result.snapshot.cpu.onlineCpus).toBe(2);
    expect(result.ok && result.snapshot.readAtMs).toBe(Date.parse("2024-03-11T10:15:01.123Z"));
  });

  it("falls back to the collector's clock for the zero time", () => {
    const payload = { ...(reads("docker-one-shot")[0] as object), read: "0001-01-01T00:00:00Z" };
    const result = parseStatsPayload(payload, 42_000);
    expect(result.ok && result.snapshot.readAtMs).toBe(42_000);
  });

  it.each([
    { name: "not an object", payload: "garbage", error: /payload/ },
    { name: "null", payload: null, error: /payload/ },
    { name: "missing cpu_stats", payload: { read: "2025-01-01T00:00:00Z", memory_stats: {} }, error: /^cpu_stats/ },
    {
      name: "negative counter",
      payload: { cpu_stats: { cpu_usage: { total_usage: -5 }, system_cpu_usage: 1 } },
      error: /^cpu_stats\.cpu_usage\.total_usage/,
    },
    {
      name: "string counter",
      payload: { cpu_stats: { cpu_usage: { total_usage: "12" } } },
      error: /^cpu_stats\.cpu_usage\.total_usage/,
    },
    {
      name: "network counter of the wrong type",
      payload: { cpu_stats: { cpu_usage: { total_usage: 1 } }, networks: { eth0: { rx_bytes: "x", tx_bytes: 1 } } },
      error: /^networks\.eth0\.rx_bytes/,
    },
  ])("rejects $name with the field named", ({ payload, error }) => {
    const result = parseStatsPayload(payload, 0);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });
});

describe("reservedCpuUnits", () => {
  it.each([
    { reservation: { containerCpuUnits: 256, taskCpuUnits: 1024 }, units: 256 },
    { reservation: { containerCpuUnits: 0, taskCpuUnits: 1024 }, units: 1024 },
    { reservation: { taskCpuUnits: 2048 }, units: 2048 },
    { reservation: {}, units: 1024 },
  ])("$reservation → $units", ({ reservation, units }) => {
    expect(reservedCpuUnits(reservation)).toBe(units);
  });
});

describe("ratePerSecond", () => {
  it.each([
    { current: 300, previous: 100, seconds: 2, rate: 100 },
    { current: 100, previous: 100, seconds: 1, rate: 0 },
    { current: 50, previous: 100, seconds: 1, rate: undefined },
    { current: 300, previous: 100, seconds: 0, rate: undefined },
    { current: 300, previous: 100, seconds: -1, rate: undefined },
  ])("($current - $previous) / $seconds s → $rate", ({ current, previous, seconds, rate }) => {
    expect(ratePerSecond(current, previous, seconds)).toBe(rate);
  });
});
