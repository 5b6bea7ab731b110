import { Seeded } from "./seeded.js";

/**
 * Pure Docker Engine stats (`GET /containers/{id}/stats`) for one simulated container. Every value is a closed-form
 * function of the container's {@link StatsProfile} and the sampling time, so a test can recompute exactly what was
 * served. Counters integrate a non-negative load and are therefore monotonic; memory wanders inside its limit.
 */

export type CgroupVersion = "v1" | "v2";

/** Seeded workload shape: rates in cores or bytes per second, periods in seconds, phases in radians. */
export interface LoadProfile {
  /** Mean CPU use as a fraction of {@link StatsProfile.cpuCores}. */
  cpuBase: number;
  cpuAmp: number;
  cpuPeriodS: number;
  cpuPhase: number;
  /** Mean memory use as a fraction of {@link StatsProfile.memoryReferenceBytes}. */
  memBase: number;
  memAmp: number;
  memPeriodS: number;
  memPhase: number;
  /** Share of memory usage that is page cache (file-backed). */
  cacheFraction: number;
  rxBytesPerS: number;
  txBytesPerS: number;
  readBytesPerS: number;
  writeBytesPerS: number;
  pids: number;
  /** Weights splitting CPU time across CPUs (cgroup v1 `percpu_usage`); sums to 1. */
  perCpuWeights: number[];
}

export interface StatsProfile {
  runtimeId: string;
  /** Docker container name without the leading slash. */
  name: string;
  cgroup: CgroupVersion;
  onlineCpus: number;
  /** When the host booted: `system_cpu_usage` counts all CPUs' time since then. */
  hostBootMs: number;
  startedAtMs: number;
  /** Set once the container stopped; Docker then serves empty stats. */
  stoppedAtMs?: number | undefined;
  /** `memory_stats.limit`: the container's hard limit, or the host's memory when unlimited. */
  memoryLimitBytes: number;
  /** What memory use wanders around: the limit when one is set, else a working set well under the host size. */
  memoryReferenceBytes: number;
  /** CPU cores the load is scaled to. */
  cpuCores: number;
  /** Whether the container has its own network namespace (bridge, awsvpc); host/none have no `networks`. */
  network: boolean;
  load: LoadProfile;
}

export interface StatsOptions {
  /** Docker's `one-shot=true`: a single read, so `precpu_stats` is empty. */
  oneShot?: boolean;
  /** Seconds between `precpu_stats` and `cpu_stats` (Docker samples one second apart). @defaultValue 1 */
  precpuIntervalS?: number;
}

/** The seeded load profile of a container runtime id. */
export function loadProfileFor(runtimeId: string, onlineCpus: number): LoadProfile {
  const r = new Seeded(`load:${runtimeId}`);
  const cpuBase = r.between(0.08, 0.6);
  const memBase = r.between(0.2, 0.6);
  const weights = Array.from({ length: Math.max(1, onlineCpus) }, () => r.between(0.5, 1.5));
  const total = weights.reduce((a, b) => a + b, 0);
  return {
    cpuBase,
    cpuAmp: cpuBase * r.between(0.1, 0.8),
    cpuPeriodS: r.between(60, 600),
    cpuPhase: r.between(0, 2 * Math.PI),
    memBase,
    memAmp: r.between(0.02, 0.15),
    memPeriodS: r.between(120, 1200),
    memPhase: r.between(0, 2 * Math.PI),
    cacheFraction: r.between(0.05, 0.3),
    rxBytesPerS: r.between(2_000, 2_000_000),
    txBytesPerS: r.between(1_000, 1_000_000),
    readBytesPerS: r.between(0, 50_000),
    writeBytesPerS: r.between(500, 200_000),
    pids: r.int(1, 40),
    perCpuWeights: weights.map((w) => w / total),
  };
}

/** ∫₀ᵀ (base + amp·sin(2πt/P + φ)) dt — non-decreasing in T whenever amp ≤ base. */
export function sineIntegral(base: number, amp: number, periodS: number, phase: number, tS: number): number {
  if (tS <= 0) return 0;
  const w = (2 * Math.PI) / periodS;
  return base * tS - (amp / w) * (Math.cos(w * tS + phase) - Math.cos(phase));
}

const ZERO_TIME = "0001-01-01T00:00:00Z";

/** RFC 3339 with nanoseconds, as Docker writes it; `Date.parse` returns the original milliseconds. */
export function dockerTime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "000000Z");
}

interface CpuSample {
  cpu_usage: {
    total_usage: number;
    percpu_usage?: number[];
    usage_in_kernelmode: number;
    usage_in_usermode: number;
  };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

function cpuSample(p: StatsProfile, atMs: number): CpuSample {
  const tS = Math.max(0, (atMs - p.startedAtMs) / 1000);
  const l = p.load;
  const coreSeconds = p.cpuCores * sineIntegral(l.cpuBase, l.cpuAmp, l.cpuPeriodS, l.cpuPhase, tS);
  const total = Math.floor(coreSeconds * 1e9);
  const tick = 1e7;
  const periods = Math.floor(tS * 10);
  const throttledPeriods = Math.floor(periods * l.cpuBase * 0.02);
  const sample: CpuSample = {
    cpu_usage: {
      total_usage: total,
      usage_in_kernelmode: Math.floor((total * 0.15) / tick) * tick,
      usage_in_usermode: Math.floor((total * 0.8) / tick) * tick,
    },
    system_cpu_usage: Math.floor(Math.max(0, atMs - p.hostBootMs) / 10) * 1e7 * p.onlineCpus,
    online_cpus: p.onlineCpus,
    throttling_data: { periods, throttled_periods: throttledPeriods, throttled_time: throttledPeriods * 5_000_000 },
  };
  if (p.cgroup === "v1") sample.cpu_usage.percpu_usage = l.perCpuWeights.map((w) => Math.floor(total * w));
  return sample;
}

function emptyCpu(): CpuSample {
  return {
    cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/** Memory usage in bytes at `atMs`; always within (0, memoryLimitBytes]. */
export function memoryUsage(p: StatsProfile, atMs: number): number {
  const tS = Math.max(0, (atMs - p.startedAtMs) / 1000);
  const l = p.load;
  const fraction = l.memBase + l.memAmp * Math.sin((2 * Math.PI * tS) / l.memPeriodS + l.memPhase);
  return Math.min(p.memoryLimitBytes, Math.max(4096, Math.floor(p.memoryReferenceBytes * fraction)));
}

function memoryStats(p: StatsProfile, atMs: number, cpuNs: number): Record<string, unknown> {
  const usage = memoryUsage(p, atMs);
  const cache = Math.floor(usage * p.load.cacheFraction);
  const inactiveFile = Math.floor(cache * 0.6);
  const activeFile = cache - inactiveFile;
  const pgfault = Math.floor(cpuNs / 1e6);
  const pgmajfault = Math.floor(pgfault / 1000);
  const maxUsage = Math.min(
    p.memoryLimitBytes,
    Math.floor(p.memoryReferenceBytes * (p.load.memBase + p.load.memAmp)) + 4096,
  );
  if (p.cgroup === "v1") {
    const rss = usage - cache;
    const base = {
      active_anon: Math.floor(rss * 0.9),
      active_file: activeFile,
      cache,
      dirty: 0,
      hierarchical_memory_limit: p.memoryLimitBytes,
      // Docker's default swap allowance (no --memory-swap) equals the memory limit: memsw = 2 × limit.
      hierarchical_memsw_limit: 2 * p.memoryLimitBytes,
      inactive_anon: rss - Math.floor(rss * 0.9),
      inactive_file: inactiveFile,
      mapped_file: Math.floor(cache * 0.3),
      pgfault,
      pgmajfault,
      pgpgin: Math.floor(pgfault * 1.5),
      pgpgout: Math.floor(pgfault * 1.4),
      rss,
      rss_huge: 0,
      unevictable: 0,
      writeback: 0,
    };
    const totals: Record<string, number> = {};
    for (const [key, value] of Object.entries(base)) {
      if (!key.startsWith("hierarchical")) totals[`total_${key}`] = value;
    }
    return {
      usage,
      max_usage: Math.max(usage, maxUsage),
      stats: { ...base, ...totals },
      // No `failcnt`: Docker omits it when zero (omitempty), as in a real 20.10 payload.
      limit: p.memoryLimitBytes,
    };
  }
  const kernel = Math.floor(usage * 0.03);
  const slab = Math.floor(kernel * 0.7);
  const anon = usage - cache - kernel;
  return {
    usage,
    stats: {
      active_anon: Math.floor(anon * 0.1),
      active_file: activeFile,
      anon,
      anon_thp: 0,
      file: cache,
      file_dirty: 0,
      file_mapped: Math.floor(cache * 0.3),
      file_writeback: 0,
      inactive_anon: anon - Math.floor(anon * 0.1),
      inactive_file: inactiveFile,
      kernel_stack: kernel - slab,
      pgactivate: Math.floor(pgfault / 50),
      pgdeactivate: 0,
      pgfault,
      pglazyfree: 0,
      pglazyfreed: 0,
      pgmajfault,
      pgrefill: 0,
      pgscan: 0,
      pgsteal: 0,
      shmem: 0,
      slab,
      slab_reclaimable: Math.floor(slab * 0.4),
      slab_unreclaimable: slab - Math.floor(slab * 0.4),
      sock: 0,
      thp_collapse_alloc: 0,
      thp_fault_alloc: 0,
      unevictable: 0,
      workingset_activate: 0,
      workingset_nodereclaim: 0,
      workingset_refault: 0,
    },
    limit: p.memoryLimitBytes,
  };
}

/** Cumulative network byte counters of a container at `atMs`. */
export function networkCounters(p: StatsProfile, atMs: number): { rxBytes: number; txBytes: number } {
  const tS = Math.max(0, (atMs - p.startedAtMs) / 1000);
  const l = p.load;
  const shape = (rate: number) => rate * sineIntegral(1, 0.5, l.cpuPeriodS, l.cpuPhase, tS);
  return { rxBytes: Math.floor(shape(l.rxBytesPerS)), txBytes: Math.floor(shape(l.txBytesPerS)) };
}

function networks(p: StatsProfile, atMs: number) {
  const { rxBytes, txBytes } = networkCounters(p, atMs);
  return {
    eth0: {
      rx_bytes: rxBytes,
      rx_packets: Math.floor(rxBytes / 900),
      rx_errors: 0,
      rx_dropped: 0,
      tx_bytes: txBytes,
      tx_packets: Math.floor(txBytes / 700),
      tx_errors: 0,
      tx_dropped: 0,
    },
  };
}

/** Cumulative block I/O bytes at `atMs`. */
export function blockIoBytes(p: StatsProfile, atMs: number): { read: number; write: number } {
  const tS = Math.max(0, (atMs - p.startedAtMs) / 1000);
  return { read: Math.floor(p.load.readBytesPerS * tS), write: Math.floor(p.load.writeBytesPerS * tS) };
}

function blkio(p: StatsProfile, atMs: number) {
  const { read, write } = blockIoBytes(p, atMs);
  const device = { major: 259, minor: 0 };
  if (p.cgroup === "v2") {
    return {
      ...NO_BLKIO,
      io_service_bytes_recursive: [
        { ...device, op: "read", value: read },
        { ...device, op: "write", value: write },
      ],
    };
  }
  const ops = (r: number, w: number) => [
    { ...device, op: "Read", value: r },
    { ...device, op: "Write", value: w },
    { ...device, op: "Sync", value: w },
    { ...device, op: "Async", value: r },
    { ...device, op: "Discard", value: 0 },
    { ...device, op: "Total", value: r + w },
  ];
  return {
    io_service_bytes_recursive: ops(read, write),
    io_serviced_recursive: ops(Math.floor(read / 4096), Math.floor(write / 4096)),
    io_queue_recursive: [],
    io_service_time_recursive: [],
    io_wait_time_recursive: [],
    io_merged_recursive: [],
    io_time_recursive: [],
    sectors_recursive: [],
  };
}

/** blkio_stats as cgroup v2 hosts and stopped containers report them: every list null. */
const NO_BLKIO = {
  io_service_bytes_recursive: null,
  io_serviced_recursive: null,
  io_queue_recursive: null,
  io_service_time_recursive: null,
  io_wait_time_recursive: null,
  io_merged_recursive: null,
  io_time_recursive: null,
  sectors_recursive: null,
} as const;

/** Stats Docker returns for a container that is not running. */
function emptyStats(p: StatsProfile): Record<string, unknown> {
  return {
    read: ZERO_TIME,
    preread: ZERO_TIME,
    pids_stats: {},
    blkio_stats: NO_BLKIO,
    num_procs: 0,
    storage_stats: {},
    cpu_stats: emptyCpu(),
    precpu_stats: emptyCpu(),
    memory_stats: {},
    name: `/${p.name}`,
    id: p.runtimeId,
  };
}

/** Whether the container is running at `atMs`. */
export function isRunningAt(p: StatsProfile, atMs: number): boolean {
  return atMs >= p.startedAtMs && (p.stoppedAtMs === undefined || atMs < p.stoppedAtMs);
}

/** The Docker stats JSON of `p` read at `atMs` (cgroup v1 or v2 shape per `p.cgroup`). */
export function dockerStats(p: StatsProfile, atMs: number, options: StatsOptions = {}): Record<string, unknown> {
  if (!isRunningAt(p, atMs)) return emptyStats(p);
  const cpu = cpuSample(p, atMs);
  const preMs = atMs - (options.precpuIntervalS ?? 1) * 1000;
  const precpu = options.oneShot || preMs < p.startedAtMs ? emptyCpu() : cpuSample(p, preMs);
  const stats: Record<string, unknown> = {
    read: dockerTime(atMs),
    preread: options.oneShot || preMs < p.startedAtMs ? ZERO_TIME : dockerTime(preMs),
    pids_stats: p.cgroup === "v2" ? { current: p.load.pids, limit: 4915 } : { current: p.load.pids },
    blkio_stats: blkio(p, atMs),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpu,
    precpu_stats: precpu,
    memory_stats: memoryStats(p, atMs, cpu.cpu_usage.total_usage),
    name: `/${p.name}`,
    id: p.runtimeId,
  };
  if (p.network) stats.networks = networks(p, atMs);
  return stats;
}
