/**
 * Which ports and paths a simulated container serves metrics on, read from its docker labels the way ecsmon's
 * discovery reads them: `PROMETHEUS_SCRAPES="8080/internal/metrics,9106"` (comma-separated `port[/path]`, path
 * defaulting to /metrics), or seed 002's single `port/path` label.
 */

export interface ScrapeEndpointSpec {
  port: number;
  /** Always starts with "/". */
  path: string;
}

/** Docker label names the simulator recognises. */
export interface ScrapeLabelNames {
  /** @defaultValue "PROMETHEUS_SCRAPES" */
  scrapes: string;
  /** `key=value` list; its `__metrics_path__` overrides every endpoint's path. @defaultValue "PROMETHEUS_LABELS" */
  labels: string;
  /** Seed-002-style single `port/path` labels, read when `scrapes` is absent. @defaultValue ["container-exposes-metrics"] */
  portPath: string[];
}

export const DEFAULT_SCRAPE_LABELS: ScrapeLabelNames = {
  scrapes: "PROMETHEUS_SCRAPES",
  labels: "PROMETHEUS_LABELS",
  portPath: ["container-exposes-metrics"],
};

/** Parses one `port[/path]` entry; undefined when it is not one (bad input is skipped, never thrown). */
export function parsePortPath(entry: string): ScrapeEndpointSpec | undefined {
  const match = /^\s*(\d{1,5})(\/[^\s,]*)?\s*$/.exec(entry);
  if (!match) return undefined;
  const port = Number(match[1]);
  if (port < 1 || port > 65_535) return undefined;
  return { port, path: match[2] ?? "/metrics" };
}

/** Parses a comma-separated `port[/path]` list, dropping malformed entries and duplicates. */
export function parseScrapesLabel(value: string): ScrapeEndpointSpec[] {
  const out: ScrapeEndpointSpec[] = [];
  for (const entry of value.split(",")) {
    if (entry.trim() === "") continue;
    const spec = parsePortPath(entry);
    if (spec && !out.some((o) => o.port === spec.port && o.path === spec.path)) out.push(spec);
  }
  return out;
}

/** The metrics endpoints a container's labels ask for. */
export function scrapeEndpointsOf(
  labels: Record<string, string>,
  names: ScrapeLabelNames = DEFAULT_SCRAPE_LABELS,
): ScrapeEndpointSpec[] {
  const scrapes = labels[names.scrapes];
  if (scrapes !== undefined) return parseScrapesLabel(scrapes);
  for (const name of names.portPath) {
    const value = labels[name];
    if (value === undefined) continue;
    const spec = parsePortPath(value);
    if (spec) return [spec];
  }
  return [];
}

/** The `__metrics_path__` a container's labels label sets (e.g. "__metrics_path__=/prom,team=a"), if any. */
export function metricsPathOverride(
  labels: Record<string, string>,
  names: ScrapeLabelNames = DEFAULT_SCRAPE_LABELS,
): string | undefined {
  for (const pair of (labels[names.labels] ?? "").split(",")) {
    const eq = pair.indexOf("=");
    if (eq < 0 || pair.slice(0, eq).trim() !== "__metrics_path__") continue;
    const path = pair.slice(eq + 1).trim();
    if (path.startsWith("/")) return path;
  }
  return undefined;
}
