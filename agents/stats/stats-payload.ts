import { z } from "zod";

/**
 * Parsing of Docker Engine `GET /containers/{id}/stats?stream=false` payloads (also what task metadata v4
 * `/task/stats` returns per container) into a normalized {@link StatsSnapshot}. Both cgroup v1 and cgroup v2
 * shapes are accepted: v2 omits `percpu_usage`, `max_usage`, `failcnt` and most of `blkio_stats`, and its
 * `memory_stats.stats` keys differ (`inactive_file`, `anon`, `file`; no `total_*` keys, no `cache`, `rss`…).
 * Unknown fields are ignored; a payload missing what every metric needs is rejected with a reason.
 */

const counter = z.number().finite().nonnegative();

const CpuStats = z.looseObject({
  cpu_usage: z.looseObject({
    total_usage: counter,
    percpu_usage: z.array(counter).nullish(),
  }),
  system_cpu_usage: counter.nullish(),
  online_cpus: z.number().int().nonnegative().nullish(),
});

const BlkioEntry = z.looseObject({ op: z.string(), value: counter });

const RawStats = z.looseObject({
  read: z.string().nullish(),
  preread: z.string().nullish(),
  cpu_stats: CpuStats,
  /** Missing, empty (`{}`) or all-zero on the first read (one-shot) and from some metadata endpoints. */
  precpu_stats: z.unknown().optional(),
  memory_stats: z
    .looseObject({
      usage: counter.nullish(),
      limit: counter.nullish(),
      stats: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
  networks: z.record(z.string(), z.looseObject({ rx_bytes: counter, tx_bytes: counter })).nullish(),
  blkio_stats: z.looseObject({ io_service_bytes_recursive: z.array(BlkioEntry).nullish() }).nullish(),
});

/** CPU counters of one read, nanoseconds. */
export interface CpuCounters {
  /** Container's cumulative CPU time. */
  totalUsage: number;
  /** Host's cumulative CPU time over all CPUs; undefined when absent. */
  systemUsage: number | undefined;
  /** `online_cpus`, else the length of `percpu_usage`; undefined when neither is present. */
  onlineCpus: number | undefined;
}

export interface MemoryFigures {
  /** Bytes (`memory_stats.usage`: `memory.usage_in_bytes` on cgroup v1, `memory.current` on v2). */
  usage: number;
  /** Bytes; the cgroup limit Docker reports (the host's memory when unlimited). */
  limit: number | undefined;
  /**
   * Which page-cache detail the payload carries: "v1" when `stats.total_inactive_file` is present, "v2" when only
   * `stats.inactive_file` is, "none" when `stats` is missing or has neither (some engines' compatible APIs).
   */
  detail: "v1" | "v2" | "none";
  /** `stats.total_inactive_file` (cgroup v1, hierarchical); undefined when absent. */
  totalInactiveFile: number | undefined;
  /** `stats.inactive_file` (cgroup v2; v1 payloads carry it too, for the cgroup alone); undefined when absent. */
  inactiveFile: number | undefined;
}

/** A normalized stats read. Counters are cumulative since the container started. */
export interface StatsSnapshot {
  /** Epoch ms of the read (`read`), or the collector's clock when `read` is absent or the zero time. */
  readAtMs: number;
  cpu: CpuCounters;
  /** The previous CPU read Docker embedded; undefined when missing or zeroed (first read, one-shot). */
  precpu: CpuCounters | undefined;
  memory: MemoryFigures | undefined;
  /** Sum over every interface; undefined when the payload has no `networks` (e.g. host network mode). */
  network: { rxBytes: number; txBytes: number } | undefined;
  /** Sum of `io_service_bytes_recursive` by op; undefined when the list is absent. */
  blockIo: { readBytes: number; writeBytes: number } | undefined;
}

export type ParseResult = { ok: true; snapshot: StatsSnapshot } | { ok: false; error: string };

/** Docker writes `0001-01-01T00:00:00Z` for "never"; anything before 2000 is treated as absent. */
const EARLIEST_VALID_MS = Date.UTC(2000, 0, 1);

function parseTime(text: string | null | undefined): number | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) && ms >= EARLIEST_VALID_MS ? ms : undefined;
}

function cpuCounters(raw: z.infer<typeof CpuStats>): CpuCounters {
  const online = raw.online_cpus && raw.online_cpus > 0 ? raw.online_cpus : raw.cpu_usage.percpu_usage?.length;
  return {
    totalUsage: raw.cpu_usage.total_usage,
    systemUsage: raw.system_cpu_usage ?? undefined,
    onlineCpus: online && online > 0 ? online : undefined,
  };
}

function memoryFigures(raw: z.infer<typeof RawStats>["memory_stats"]): MemoryFigures | undefined {
  if (!raw || raw.usage === undefined || raw.usage === null) return undefined;
  const stats = raw.stats ?? {};
  const num = (key: string): number | undefined => {
    const value = stats[key];
    return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  const totalInactiveFile = num("total_inactive_file");
  const inactiveFile = num("inactive_file");
  return {
    usage: raw.usage,
    limit: raw.limit ?? undefined,
    detail: totalInactiveFile !== undefined ? "v1" : inactiveFile !== undefined ? "v2" : "none",
    totalInactiveFile,
    inactiveFile,
  };
}

function formatIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid stats payload";
  const path = issue.path.length > 0 ? issue.path.join(".") : "(payload)";
  return `${path}: ${issue.message}`;
}

/**
 * Validates one stats payload. Never throws: a malformed payload (not an object, missing `cpu_stats`,
 * a negative or non-numeric counter) returns `{ ok: false, error }` naming the field.
 * @param collectedAtMs the collector's clock, used when the payload carries no usable `read` time
 */
export function parseStatsPayload(raw: unknown, collectedAtMs: number): ParseResult {
  const parsed = RawStats.safeParse(raw);
  if (!parsed.success) return { ok: false, error: formatIssue(parsed.error) };
  const data = parsed.data;
  let precpu: CpuCounters | undefined;
  const pre = CpuStats.safeParse(data.precpu_stats);
  if (pre.success) {
    const counters = cpuCounters(pre.data);
    if (counters.systemUsage && counters.systemUsage > 0) precpu = counters;
  }
  let network: StatsSnapshot["network"];
  if (data.networks) {
    let rxBytes = 0;
    let txBytes = 0;
    for (const iface of Object.values(data.networks)) {
      rxBytes += iface.rx_bytes;
      txBytes += iface.tx_bytes;
    }
    network = { rxBytes, txBytes };
  }
  let blockIo: StatsSnapshot["blockIo"];
  const entries = data.blkio_stats?.io_service_bytes_recursive;
  if (entries) {
    let readBytes = 0;
    let writeBytes = 0;
    for (const entry of entries) {
      const op = entry.op.toLowerCase();
      if (op === "read") readBytes += entry.value;
      else if (op === "write") writeBytes += entry.value;
    }
    blockIo = { readBytes, writeBytes };
  }
  return {
    ok: true,
    snapshot: {
      readAtMs: parseTime(data.read) ?? collectedAtMs,
      cpu: cpuCounters(data.cpu_stats),
      precpu,
      memory: memoryFigures(data.memory_stats),
      network,
      blockIo,
    },
  };
}
