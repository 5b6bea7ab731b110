import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type CgroupVersion,
  dockerStats,
  dockerTime,
  loadProfileFor,
  memoryUsage,
  type StatsProfile,
  sineIntegral,
} from "./docker-stats.js";

const MIB = 1024 * 1024;
const T0 = Date.parse("2026-01-01T00:00:00Z");

function profile(cgroup: CgroupVersion, runtimeId: string, overrides: Partial<StatsProfile> = {}): StatsProfile {
  return {
    runtimeId,
    name: `ecs-web-1-app-${runtimeId.slice(0, 6)}`,
    cgroup,
    onlineCpus: 4,
    hostBootMs: T0 - 3_600_000,
    startedAtMs: T0,
    memoryLimitBytes: 512 * MIB,
    memoryReferenceBytes: 512 * MIB,
    cpuCores: 1,
    network: true,
    load: loadProfileFor(runtimeId, 4),
    ...overrides,
  };
}

type Stats = {
  read: string;
  cpu_stats: {
    cpu_usage: { total_usage: number; percpu_usage?: number[] };
    system_cpu_usage: number;
    online_cpus: number;
  };
  precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number };
  memory_stats: { usage: number; limit: number; stats: Record<string, number> };
  networks?: { eth0: { rx_bytes: number; tx_bytes: number } };
  blkio_stats: { io_service_bytes_recursive: { op: string; value: number }[] };
};

const read = (p: StatsProfile, at: number, oneShot = false) => dockerStats(p, at, { oneShot }) as unknown as Stats;

describe("dockerStats", () => {
  const cases: { name: string; cgroup: CgroupVersion; id: string; memoryKeys: string[]; readOp: string }[] = [
    {
      name: "cgroup v1",
      cgroup: "v1",
      id: "a".repeat(64),
      memoryKeys: ["cache", "rss", "total_inactive_file"],
      readOp: "Read",
    },
    {
      name: "cgroup v2",
      cgroup: "v2",
      id: "b".repeat(64),
      memoryKeys: ["inactive_file", "anon", "file"],
      readOp: "read",
    },
  ];

  it.each(cases)(
    "$name: shape, monotonic counters and memory within the limit",
    ({ cgroup, id, memoryKeys, readOp }) => {
      const p = profile(cgroup, id);
      let previous: Stats | undefined;
      for (let s = 5; s <= 3_600; s += 37) {
        const stats = read(p, T0 + s * 1000);
        for (const key of memoryKeys) expect(stats.memory_stats.stats[key], key).toBeTypeOf("number");
        expect(stats.memory_stats.usage).toBeGreaterThan(0);
        expect(stats.memory_stats.usage).toBeLessThanOrEqual(stats.memory_stats.limit);
        expect(stats.cpu_stats.online_cpus).toBe(4);
        expect(Boolean(stats.cpu_stats.cpu_usage.percpu_usage)).toBe(cgroup === "v1");
        const io = stats.blkio_stats.io_service_bytes_recursive.find((e) => e.op === readOp);
        expect(io).toBeDefined();
        if (previous) {
          expect(stats.cpu_stats.cpu_usage.total_usage).toBeGreaterThanOrEqual(
            previous.cpu_stats.cpu_usage.total_usage,
          );
          expect(stats.cpu_stats.system_cpu_usage).toBeGreaterThan(previous.cpu_stats.system_cpu_usage);
          expect(stats.networks!.eth0.rx_bytes).toBeGreaterThanOrEqual(previous.networks!.eth0.rx_bytes);
          expect(stats.networks!.eth0.tx_bytes).toBeGreaterThanOrEqual(previous.networks!.eth0.tx_bytes);
        }
        previous = stats;
      }
    },
  );

  it("memory wanders: usage changes over an hour", () => {
    const p = profile("v2", "c".repeat(64));
    const samples = new Set(Array.from({ length: 20 }, (_, i) => memoryUsage(p, T0 + i * 180_000)));
    expect(samples.size).toBeGreaterThan(10);
  });

  it("the docker CPU% formula over precpu recovers the seeded load", () => {
    const p = profile("v1", "d".repeat(64), { cpuCores: 2 });
    const at = T0 + 600_000;
    const stats = read(p, at);
    const cpuDelta = stats.cpu_stats.cpu_usage.total_usage - stats.precpu_stats.cpu_usage.total_usage;
    const systemDelta = stats.cpu_stats.system_cpu_usage - stats.precpu_stats.system_cpu_usage!;
    const percent = (cpuDelta / systemDelta) * stats.cpu_stats.online_cpus * 100;
    const l = p.load;
    const expectedCores =
      p.cpuCores *
      (sineIntegral(l.cpuBase, l.cpuAmp, l.cpuPeriodS, l.cpuPhase, 600) -
        sineIntegral(l.cpuBase, l.cpuAmp, l.cpuPeriodS, l.cpuPhase, 599));
    expect(percent).toBeCloseTo(expectedCores * 100, 0);
    expect(percent).toBeGreaterThan(0);
    expect(percent).toBeLessThanOrEqual(200);
  });

  it("one-shot reads have empty precpu_stats; host-network containers have no networks", () => {
    const p = profile("v2", "e".repeat(64), { network: false });
    const stats = read(p, T0 + 10_000, true);
    expect(stats.precpu_stats.cpu_usage.total_usage).toBe(0);
    expect(stats.precpu_stats.system_cpu_usage).toBeUndefined();
    expect(stats.networks).toBeUndefined();
  });

  it("a container that is not running serves Docker's empty stats", () => {
    const p = profile("v1", "f".repeat(64), { stoppedAtMs: T0 + 5_000 });
    const stats = read(p, T0 + 10_000);
    expect(stats.read).toBe("0001-01-01T00:00:00Z");
    expect(stats.memory_stats).toEqual({});
    expect(read(p, T0 - 1).read).toBe("0001-01-01T00:00:00Z");
  });

  it("is deterministic and `read` round-trips to the sampling time", () => {
    const p = profile("v1", "0".repeat(64));
    const at = T0 + 123_456;
    expect(dockerStats(p, at)).toEqual(dockerStats(profile("v1", "0".repeat(64)), at));
    expect(Date.parse(read(p, at).read)).toBe(at);
    expect(dockerTime(at)).toMatch(/\.\d{9}Z$/);
  });
});

describe("dockerStats against payloads captured from a real Docker Engine 20.10 (cgroup v1)", () => {
  const captured = (name: string): Record<string, unknown> => {
    const data = JSON.parse(
      readFileSync(new URL(`../../agents/stats/fixtures/${name}.json`, import.meta.url), "utf8"),
    ) as unknown;
    return (Array.isArray(data) ? data[0] : data) as Record<string, unknown>;
  };
  const keys = (value: unknown) => Object.keys(value as object).sort();
  const real = captured("docker-20.10-v1-tmpfs");
  const sim = dockerStats(profile("v1", "c".repeat(64)), T0 + 60_000, { oneShot: true });
  const field = (payload: Record<string, unknown>, path: string[]) =>
    path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], payload);

  it.each([
    { path: [] as string[] },
    { path: ["memory_stats"] },
    { path: ["memory_stats", "stats"] },
    { path: ["cpu_stats"] },
    { path: ["cpu_stats", "cpu_usage"] },
    { path: ["precpu_stats"] },
  ])("has the real payload's keys at $path", ({ path }) => {
    expect(keys(field(sim, path))).toEqual(keys(field(real, path)));
  });

  it("serves a stopped container's payload with the real one's keys and zero time", () => {
    const stopped = captured("docker-20.10-not-running");
    const p = profile("v1", "d".repeat(64), { stoppedAtMs: T0 + 1_000 });
    const simStopped = dockerStats(p, T0 + 2_000);
    expect(keys(simStopped)).toEqual(keys(stopped));
    expect(simStopped.read).toBe(stopped.read);
    expect(simStopped.memory_stats).toEqual(stopped.memory_stats);
  });
});
