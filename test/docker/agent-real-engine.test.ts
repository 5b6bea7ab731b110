import { describe, expect, it } from "vitest";
import { type CgroupFigures, workingSet } from "../helpers/cgroup-files.js";
import { until } from "../helpers/until.js";
import {
  cgroupOf,
  engine,
  ids,
  MIB,
  metricsUrl,
  proxy,
  published,
  useRealEngineAgent,
  WORKLOADS,
  type Workload,
  waitForFirstSamples,
} from "./agent-real-engine.test-helpers.js";

/**
 * Issue 15, part 2: `ecsmon agent` (the built CLI, daemon mode) against a real Docker Engine started for this file
 * (agent-real-engine.test-helpers.ts). The agent finds the labelled containers, scrapes them, and publishes their
 * stats to the simulator's CloudWatch. Its figures are held against three independent references on the same
 * samples: the engine's own payload (through a recording pass-through socket), the container's cgroup files read
 * around each payload, and `docker stats`. Lifecycle (restart, removal, engine restart): agent-real-engine-lifecycle.test.ts.
 */

useRealEngineAgent();

/**
 * CPU, in points of one host CPU: ecsmon's and `docker stats`' medians (different ~1 s samples of a busy loop on a
 * shared host) within 7; ecsmon over the sampled window against the cgroup counter over the same wall time within 1.5
 * (the cgroup reads and the host counter are a few ms and one 10 ms jiffy apart).
 */
const CPU_TOLERANCE_POINTS = 7;
const CPU_WINDOW_TOLERANCE_POINTS = 1.5;
/**
 * ecsmon's and `docker stats`' memory medians are different samples of a live container whose httpd forks a child
 * (~200 KiB) for every scrape: within 1 % or 512 KiB. On the same samples, ecsmon must equal the cgroup files exactly.
 */
const MEMORY_TOLERANCE = 0.01;
const MEMORY_TOLERANCE_BYTES = 512 * 1024;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** `docker stats` sizes: units.BytesSize, binary prefixes, 4 significant digits. */
function parseDockerSize(text: string): number {
  const match = /^([\d.]+)\s*(B|KiB|MiB|GiB)$/.exec(text.trim());
  if (!match) throw new Error(`unexpected docker stats size ${JSON.stringify(text)}`);
  const scale = { B: 1, KiB: 1024, MiB: MIB, GiB: 1024 * MIB }[match[2] as "B"];
  return Number(match[1]) * scale;
}

interface CliSample {
  name: string;
  cpuPercent: number;
  memBytes: number;
}

async function dockerStatsCli(): Promise<CliSample[]> {
  const { stdout } = await engine.docker(["stats", "--no-stream", "--format", "{{json .}}"]);
  return stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const row = JSON.parse(line) as { Name: string; CPUPerc: string; MemUsage: string };
      return {
        name: row.Name,
        cpuPercent: Number.parseFloat(row.CPUPerc),
        memBytes: parseDockerSize(row.MemUsage.split("/")[0] ?? ""),
      };
    });
}

describe("ecsmon agent on a real Docker Engine", () => {
  it("finds the labelled containers, scrapes them and publishes their stats", async () => {
    await waitForFirstSamples();
    const text = await until(
      "every workload's series on the agent's /metrics",
      async () => {
        const body = await (await fetch(metricsUrl)).text();
        return WORKLOADS.every((w) => body.includes(`workload_info{`) && body.includes(`workload="${w.name}"`)) && body;
      },
      30_000,
      200,
    );
    for (const w of WORKLOADS) expect(text).toMatch(new RegExp(`workload_info\\{[^}]*task_id="${w.taskId}"[^}]*\\} 1`));
    // Found by label: every stats read went to the engine under the container's real id.
    for (const w of WORKLOADS) {
      expect(proxy.records.some((r) => r.containerId === ids.get(w.name))).toBe(true);
    }
  }, 90_000);

  it("agrees with the engine's payload, the cgroup files and docker stats on CPU and memory", async () => {
    const windowStart = Date.now();
    const cli: CliSample[] = [];
    let sampling = true;
    const cliLoop = (async () => {
      while (sampling) cli.push(...(await dockerStatsCli()));
    })();
    const busy = WORKLOADS[0] as Workload;
    const cpuBefore = (await cgroupOf(ids.get("busy") as string)) as CgroupFigures;
    const t0 = process.hrtime.bigint();
    await until(
      "15 CPU samples of each workload and 8 docker stats rounds",
      () =>
        WORKLOADS.every((w) => published("CPUUtilization", w, windowStart).length >= 15) &&
        cli.filter((c) => c.name === "busy").length >= 8,
      90_000,
      250,
    );
    const cpuAfter = (await cgroupOf(ids.get("busy") as string)) as CgroupFigures;
    const wallNs = Number(process.hrtime.bigint() - t0);
    sampling = false;
    await cliLoop;

    const lines: string[] = [];
    // CPU on the same samples: docker/cli's formula (calculateCPUPercentUnix) over each pair of consecutive payloads
    // the agent received, × 1024/512 for the reservation, must be one of ecsmon's published values.
    type Cpu = { cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus: number } };
    const busyReads = proxy.records.filter((r) => r.containerId === ids.get("busy") && r.atMs >= windowStart);
    const cpuOf = (r: (typeof busyReads)[number]) => (r.payload as Cpu).cpu_stats;
    const allCpu = published("CPUUtilization", busy).map((p) => p.value);
    let cpuMatched = 0;
    let matchedCpuNs = 0;
    let matchedSystemNs = 0;
    for (let i = 1; i < busyReads.length; i++) {
      const prev = cpuOf(busyReads[i - 1] as (typeof busyReads)[number]);
      const cur = cpuOf(busyReads[i] as (typeof busyReads)[number]);
      const cpuNs = cur.cpu_usage.total_usage - prev.cpu_usage.total_usage;
      const systemNs = cur.system_cpu_usage - prev.system_cpu_usage;
      const expected = ((cpuNs / systemNs) * cur.online_cpus * 100 * 1024) / busy.cpuUnits;
      if (allCpu.some((v) => Math.abs(v - expected) <= 1e-9 * Math.max(1, expected))) {
        cpuMatched++;
        matchedCpuNs += cpuNs;
        matchedSystemNs += systemNs;
      }
      // The payload's counter is the cgroup's own: between the cgroup reads taken around it.
      const { before, after } = busyReads[i] as (typeof busyReads)[number];
      if (before && after) {
        expect(cur.cpu_usage.total_usage).toBeGreaterThanOrEqual(before.cpuNs);
        expect(cur.cpu_usage.total_usage).toBeLessThanOrEqual(after.cpuNs);
      }
    }
    lines.push(
      `CPU busy: ${cpuMatched}/${busyReads.length - 1} consecutive engine payloads reproduced exactly by ecsmon's published values`,
    );
    expect(cpuMatched).toBeGreaterThanOrEqual(Math.floor((busyReads.length - 1) * 0.8));

    // CPU against the cgroup files over the sampled window: ecsmon's samples, weighted by their intervals, against
    // cpuacct.usage (v1) / cpu.stat usage_usec (v2) over the wall time between the first and last payload.
    const first = busyReads[0] as (typeof busyReads)[number];
    const last = busyReads.at(-1) as (typeof busyReads)[number];
    const online = cpuOf(last).online_cpus;
    const ecsmonWindow = (matchedCpuNs / matchedSystemNs) * online * 100;
    const cgroupWindow =
      (((last.after as CgroupFigures).cpuNs - (first.after as CgroupFigures).cpuNs) /
        ((last.atMs - first.atMs) * 1e6)) *
      100;
    // Medians of % of one host CPU: ecsmon publishes % of the reservation (512 units), × 512/1024.
    const ecsmonCpu = published("CPUUtilization", busy, windowStart).map((p) => (p.value * busy.cpuUnits) / 1024);
    const dockerCpu = cli.filter((c) => c.name === "busy").map((c) => c.cpuPercent);
    lines.push(
      `CPU busy (--cpus 0.5), % of one host CPU: ecsmon median ${median(ecsmonCpu).toFixed(2)} (n=${ecsmonCpu.length}), ` +
        `docker stats median ${median(dockerCpu).toFixed(2)} (n=${dockerCpu.length}); over the window ecsmon ${ecsmonWindow.toFixed(2)}, ` +
        `cgroup ${cpuAfter.version} ${cgroupWindow.toFixed(2)} (unconstrained window average ${(((cpuAfter.cpuNs - cpuBefore.cpuNs) / wallNs) * 100).toFixed(2)})`,
    );
    console.log(`[real engine] ${lines.join("\n[real engine] ")}`);
    expect(Math.abs(ecsmonWindow - cgroupWindow)).toBeLessThanOrEqual(CPU_WINDOW_TOLERANCE_POINTS);
    expect(Math.abs(median(ecsmonCpu) - median(dockerCpu))).toBeLessThanOrEqual(CPU_TOLERANCE_POINTS);
    expect(ecsmonWindow).toBeGreaterThan(1);

    // Memory: on every sample whose cgroup files did not move while the engine read them, ecsmon's figure × its
    // denominator is exactly usage − total_inactive_file (v1) / usage − inactive_file (v2) from the files.
    for (const w of WORKLOADS.slice(1)) {
      const denominator = (w.memoryReservationMiB ?? w.memoryLimitMiB) * MIB;
      const values = published("MemoryUtilization", w).map((p) => p.value);
      const reads = proxy.records.filter((r) => r.containerId === ids.get(w.name) && r.atMs >= windowStart);
      let stable = 0;
      let equal = 0;
      let lastStable: CgroupFigures | undefined;
      for (const r of reads) {
        const { before, after } = r;
        if (!before || !after || before.usage !== after.usage || before.inactiveFile !== after.inactiveFile) continue;
        stable++;
        lastStable = before;
        const expected = (workingSet(before) / denominator) * 100;
        if (values.some((v) => Math.abs(v - expected) <= 1e-12 * expected)) equal++;
      }
      expect(stable, `${w.name}: stable samples`).toBeGreaterThanOrEqual(5);
      expect(equal, `${w.name}: samples equal to the cgroup figure`).toBe(stable);
      const ecsmonBytes = median(
        published("MemoryUtilization", w, windowStart).map((p) => (p.value * denominator) / 100),
      );
      const dockerBytes = median(cli.filter((c) => c.name === w.name).map((c) => c.memBytes));
      const cg = lastStable as CgroupFigures;
      lines.push(
        `memory ${w.name}: ecsmon median ${(ecsmonBytes / MIB).toFixed(3)} MiB, docker stats median ${(dockerBytes / MIB).toFixed(3)} MiB, ` +
          `cgroup ${cg.version} usage − inactive_file ${(workingSet(cg) / MIB).toFixed(3)} MiB ` +
          `(usage ${cg.usage}, inactive_file ${cg.inactiveFile}, cache ${cg.cache}, shmem ${cg.shmem}); ${equal}/${stable} stable samples equal`,
      );
      console.log(`[real engine] ${lines.at(-1)}`);
      // Different samples of a live container (docker stats reads on its own schedule; httpd forks per scrape).
      expect(Math.abs(ecsmonBytes - dockerBytes)).toBeLessThanOrEqual(
        Math.max(MEMORY_TOLERANCE * dockerBytes, MEMORY_TOLERANCE_BYTES),
      );
    }
    const tmpfs = (await cgroupOf(ids.get("tmpfs") as string)) as CgroupFigures;
    // The old v1 formula (usage − cache) would hide the 32 MiB of tmpfs.
    expect(tmpfs.shmem).toBeGreaterThanOrEqual(32 * MIB);
    expect(workingSet(tmpfs) - (tmpfs.usage - tmpfs.cache)).toBeGreaterThanOrEqual(32 * MIB);
  }, 150_000);
});
