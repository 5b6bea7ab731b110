import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type ContainerFigures,
  type CpuMode,
  computeContainerFigures,
  countersReset,
  memoryDenominatorBytes,
  type Reservation,
  ratePerSecond,
  reservedCpuUnits,
  workingSetBytes,
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
    // cpu: (2.5e9-2.4e9)/(9.000e12-8.998e12) × 2 cpus × 100 × 1024/256;
    // memory: (150 MiB usage − 20 MiB total_inactive_file)/256 MiB (not − 50 MiB cache: docker/cli since 19.03)
    expected: { CPUUtilization: (1e8 / 2e9) * 2 * 100 * 4, MemoryUtilization: (130 / 256) * 100 },
  },
  {
    name: "cgroup v1, second read: rates over the 2 s between reads; memoryReservation is the denominator (AWS)",
    fixture: "docker-cgroup-v1",
    index: 1,
    previousIndex: 0,
    reservation: { containerCpuUnits: 256, memoryLimitMiB: 256, memoryReservationMiB: 128 },
    expected: {
      CPUUtilization: (2e8 / 2e9) * 2 * 100 * 4,
      MemoryUtilization: ((160 - 20) / 128) * 100,
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
      MemoryUtilization: ((160 - 20) / 256) * 100,
      NetworkRxBytes: 125_000,
      NetworkTxBytes: 50_000,
      BlockIoReadBytes: 204_800,
      BlockIoWriteBytes: 51_200,
    },
  },
  {
    name: "cgroup v2, task-level CPU when the container reserves none; memoryReservation before task memory; inactive_file",
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
  // Payloads captured from a real Docker Engine 20.10 on cgroup v1 (see docs/stats-formulas.md, "Fixtures").
  {
    name: "real v1, 32 MiB tmpfs + 16 MiB written file: tmpfs counts as used (usage − total_inactive_file)",
    fixture: "docker-20.10-v1-tmpfs",
    index: 0,
    reservation: { memoryLimitMiB: 128, memoryReservationMiB: 96 },
    // 51,204,096 usage − 16,777,216 total_inactive_file = 34,426,880 B (docker stats: 32.83MiB); − cache would be 0.83 MiB
    expected: { MemoryUtilization: ((51_204_096 - 16_777_216) / (96 * MIB)) * 100 },
  },
  {
    name: "real v1, tmpfs container without reservations: equals docker stats' MEM % (limit 128 MiB)",
    fixture: "docker-20.10-v1-tmpfs",
    index: 1,
    previousIndex: 0,
    cpuMode: "percentOfHost",
    reservation: {},
    expected: {
      CPUUtilization: 0,
      MemoryUtilization: ((51_204_096 - 16_777_216) / 134_217_728) * 100,
      NetworkRxBytes: 0,
      NetworkTxBytes: 0,
      BlockIoReadBytes: 0,
      BlockIoWriteBytes: 0,
    },
  },
  {
    name: "real v1, page cache only: almost nothing used (docker stats: 988KiB / 1.01%)",
    fixture: "docker-20.10-v1-page-cache",
    index: 0,
    reservation: {},
    expected: { MemoryUtilization: ((26_177_536 - 25_165_824) / 100_663_296) * 100 },
  },
  {
    name: "real v1, CPU-bound under --cpus 0.5: one-shot reads 2 s apart, 512 units reserved",
    fixture: "docker-20.10-v1-cpu-bound",
    index: 1,
    previousIndex: 0,
    reservation: { containerCpuUnits: 512, memoryLimitMiB: 64 },
    // (12,016,240,917 − 11,557,490,501) / (945.24e9 − 941.20e9) × 2 cpus × 100 × 1024/512
    expected: {
      CPUUtilization: ((12_016_240_917 - 11_557_490_501) / (945_240_000_000 - 941_200_000_000)) * 2 * 100 * 2,
      MemoryUtilization: (323_584 / (64 * MIB)) * 100,
      NetworkRxBytes: 0,
      NetworkTxBytes: 0,
      BlockIoReadBytes: 0,
      BlockIoWriteBytes: 0,
    },
  },
  {
    name: "real v1, stream=false read: CPU from the engine's own precpu_stats (docker stats' formula)",
    fixture: "docker-20.10-v1-cpu-bound",
    index: 2,
    cpuMode: "percentOfHost",
    reservation: {},
    expected: {
      CPUUtilization: ((12_362_243_043 - 12_188_062_585) / (949_260_000_000 - 947_260_000_000)) * 2 * 100,
      MemoryUtilization: (323_584 / 67_108_864) * 100,
    },
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
    { name: "v1", fixture: "docker-cgroup-v1", detail: "v1", workingSet: 130 * MIB },
    { name: "v1 (real engine)", fixture: "docker-20.10-v1-tmpfs", detail: "v1", workingSet: 34_426_880 },
    { name: "v2", fixture: "docker-cgroup-v2", detail: "v2", workingSet: 200 * MIB },
  ])("detects the cgroup $name memory shape", ({ fixture, detail, workingSet }) => {
    const s = snapshot(fixture, 0);
    expect(s.memory?.detail).toBe(detail);
    expect(s.memory && workingSetBytes(s.memory)).toBe(workingSet);
  });

  it("marks a payload without memory_stats.stats as having no detail (page cache then counts as used)", () => {
    const payload = structuredClone(reads("docker-20.10-v1-tmpfs")[0]) as { memory_stats: { stats?: unknown } };
    delete payload.memory_stats.stats;
    const result = parseStatsPayload(payload, 0);
    expect(result.ok && result.snapshot.memory).toMatchObject({ detail: "none", usage: 51_204_096 });
    expect(result.ok && result.snapshot.memory && workingSetBytes(result.snapshot.memory)).toBe(51_204_096);
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

describe("workingSetBytes (docker/cli calculateMemUsageUnixNoCache)", () => {
  it.each([
    {
      name: "v1: usage − total_inactive_file",
      memory: { usage: 100, totalInactiveFile: 30, inactiveFile: 10 },
      used: 70,
    },
    { name: "v2: usage − inactive_file", memory: { usage: 100, inactiveFile: 10 }, used: 90 },
    {
      name: "v1 subtrahend not below usage: v2 key",
      memory: { usage: 100, totalInactiveFile: 100, inactiveFile: 5 },
      used: 95,
    },
    { name: "subtrahend not below usage: usage", memory: { usage: 100, inactiveFile: 100 }, used: 100 },
    { name: "no detail: usage", memory: { usage: 100 }, used: 100 },
  ])("$name", ({ memory, used }) => {
    const figures = { limit: undefined, detail: "v1" as const, totalInactiveFile: undefined, inactiveFile: undefined };
    expect(workingSetBytes({ ...figures, ...memory })).toBe(used);
  });
});

describe("memoryDenominatorBytes (ECS: memoryReservation if set, else memory)", () => {
  const snap = snapshot("docker-20.10-v1-tmpfs", 0);
  it.each([
    { reservation: { memoryLimitMiB: 128, memoryReservationMiB: 96, taskMemoryMiB: 512 }, mib: 96 },
    { reservation: { memoryLimitMiB: 128, taskMemoryMiB: 512 }, mib: 128 },
    { reservation: { memoryLimitMiB: 0, memoryReservationMiB: 0, taskMemoryMiB: 512 }, mib: 512 },
    { reservation: {}, mib: 128 },
  ])("$reservation → $mib MiB", ({ reservation, mib }) => {
    expect(memoryDenominatorBytes(snap, reservation)).toBe(mib * MIB);
  });
});

describe("countersReset", () => {
  it("is true for the restart fixture and false for consecutive reads", () => {
    expect(countersReset(snapshot("docker-restart", 1), snapshot("docker-restart", 0))).toBe(true);
    expect(countersReset(snapshot("docker-20.10-v1-cpu-bound", 1), snapshot("docker-20.10-v1-cpu-bound", 0))).toBe(
      false,
    );
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
