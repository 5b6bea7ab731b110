import { sineIntegral } from "../node/docker-stats.js";
import { Seeded } from "../node/seeded.js";

/**
 * The metrics body a simulated workload serves, in Prometheus text exposition 0.0.4 or OpenMetrics 1.0. Values are
 * closed-form functions of the profile and the time: counters, histogram buckets and summary counts only grow,
 * gauges wander. The body has exactly {@link seriesCountFor}(profile.series) series.
 */

export type ExpositionFormat = "text" | "openmetrics";

export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
export const OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

export interface WorkloadMetricsProfile {
  /** Seeds rates and shapes; the same seed serves the same values at the same time. */
  seed: string;
  /** Requested series count; the fixed families take {@link BASELINE_SERIES} of them. */
  series: number;
  /** Counters start from zero here. */
  startedAtMs: number;
  /** Identity labels of the `sim_workload_info` series. */
  info: Record<string, string>;
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const QUANTILES = [0.5, 0.9, 0.99];
const REQUEST_SERIES = [
  { code: "200", method: "GET", share: 0.7 },
  { code: "200", method: "POST", share: 0.25 },
  { code: "500", method: "GET", share: 0.05 },
];

/** Series in the fixed families: info, requests, in-flight, start time, histogram, summary. */
export const BASELINE_SERIES = 1 + REQUEST_SERIES.length + 1 + 1 + (BUCKETS.length + 1 + 2) + (QUANTILES.length + 2);

/** The number of series a body serves for a requested count: never fewer than {@link BASELINE_SERIES}. */
export function seriesCountFor(requested: number): number {
  return Math.max(BASELINE_SERIES, Math.floor(requested));
}

/** Picks the format from an Accept header: OpenMetrics when it asks for `application/openmetrics-text`. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  return accept?.toLowerCase().includes("application/openmetrics-text") ? "openmetrics" : "text";
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function num(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/** OpenMetrics wants `le`/`quantile` as canonical floats ("1.0"); the text format takes them as written. */
function boundary(value: number, format: ExpositionFormat): string {
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  return format === "openmetrics" && Number.isInteger(value) ? value.toFixed(1) : String(value);
}

interface Rates {
  rps: number;
  periodS: number;
  phase: number;
  latencyMean: number;
  sizeMean: number;
}

function ratesOf(seed: string): Rates {
  const r = new Seeded(`workload:${seed}`);
  return {
    rps: r.between(1, 50),
    periodS: r.between(60, 600),
    phase: r.between(0, 2 * Math.PI),
    latencyMean: r.between(0.02, 0.4),
    sizeMean: r.between(200, 20_000),
  };
}

/** Cheap per-series constants for the synthetic families (no hashing per series). */
function frac(i: number, salt: number): number {
  const x = Math.sin((i + 1) * 12.9898 + salt * 78.233) * 43_758.5453;
  return x - Math.floor(x);
}

/** Renders the workload's metrics at `atMs`. */
export function renderExposition(profile: WorkloadMetricsProfile, atMs: number, format: ExpositionFormat): string {
  const om = format === "openmetrics";
  const t = Math.max(0, (atMs - profile.startedAtMs) / 1000);
  const rates = ratesOf(profile.seed);
  const saltBase = new Seeded(`salt:${profile.seed}`).next() * 1000;
  const requests = rates.rps * sineIntegral(1, 0.6, rates.periodS, rates.phase, t);
  const lines: string[] = [];
  const family = (name: string, type: string, help: string) => {
    const familyName = om && type === "counter" ? name.replace(/_total$/, "") : name;
    lines.push(`# HELP ${familyName} ${help}`, `# TYPE ${familyName} ${type}`);
  };

  family("sim_workload_info", "gauge", "Identity of the simulated workload.");
  const infoLabels = Object.entries(profile.info)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",");
  lines.push(`sim_workload_info{${infoLabels}} 1`);

  family("sim_http_requests_total", "counter", "HTTP requests handled, by status code and method.");
  for (const s of REQUEST_SERIES) {
    lines.push(`sim_http_requests_total{code="${s.code}",method="${s.method}"} ${Math.floor(requests * s.share)}`);
  }

  family("sim_http_in_flight_requests", "gauge", "HTTP requests being served.");
  const load = 1 + 0.6 * Math.sin((2 * Math.PI * t) / rates.periodS + rates.phase);
  lines.push(`sim_http_in_flight_requests ${Math.round(rates.rps * rates.latencyMean * load)}`);

  family("sim_start_time_seconds", "gauge", "Start time of the simulated workload since the epoch, in seconds.");
  lines.push(`sim_start_time_seconds ${num(profile.startedAtMs / 1000)}`);

  family("sim_http_request_duration_seconds", "histogram", "HTTP request latency.");
  const count = Math.floor(requests);
  for (const le of BUCKETS) {
    const cdf = 1 - Math.exp(-le / rates.latencyMean);
    lines.push(`sim_http_request_duration_seconds_bucket{le="${boundary(le, format)}"} ${Math.floor(count * cdf)}`);
  }
  lines.push(`sim_http_request_duration_seconds_bucket{le="+Inf"} ${count}`);
  lines.push(`sim_http_request_duration_seconds_sum ${num(count * rates.latencyMean)}`);
  lines.push(`sim_http_request_duration_seconds_count ${count}`);

  family("sim_http_response_size_bytes", "summary", "HTTP response sizes.");
  for (const q of QUANTILES) {
    const wobble = 1 + 0.2 * Math.sin(t / 30 + q * 7);
    const value = rates.sizeMean * -Math.log(1 - q) * wobble;
    lines.push(`sim_http_response_size_bytes{quantile="${boundary(q, format)}"} ${num(Math.round(value * 100) / 100)}`);
  }
  lines.push(`sim_http_response_size_bytes_sum ${num(Math.floor(count * rates.sizeMean))}`);
  lines.push(`sim_http_response_size_bytes_count ${count}`);

  const extra = seriesCountFor(profile.series) - BASELINE_SERIES;
  const counters = Math.ceil(extra / 2);
  const gauges = extra - counters;
  if (counters > 0) {
    family("sim_synthetic_events_total", "counter", "Synthetic counters that pad the series count.");
    for (let i = 0; i < counters; i++) {
      const rate = 0.01 + 10 * frac(i, saltBase);
      lines.push(`sim_synthetic_events_total{series="${i}"} ${Math.floor(rate * t)}`);
    }
  }
  if (gauges > 0) {
    family("sim_synthetic_level", "gauge", "Synthetic gauges that pad the series count.");
    for (let i = 0; i < gauges; i++) {
      const level = 100 * frac(i, saltBase + 1) + 10 * Math.sin(t / (30 + 300 * frac(i, saltBase + 2)) + i);
      lines.push(`sim_synthetic_level{series="${i}"} ${num(Math.round(level * 1000) / 1000)}`);
    }
  }
  if (om) lines.push("# EOF");
  return `${lines.join("\n")}\n`;
}
