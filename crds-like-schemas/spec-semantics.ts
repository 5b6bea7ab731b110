import { formatDuration, tryParseDuration } from "../lib/duration.js";
import type { MonitoringSpec } from "./monitoring-spec.js";

/** A cross-field problem, located by zod-style path. */
export interface SemanticIssue {
  path: (string | number)[];
  message: string;
}

/** Stats sampling period bounds: 1 s (CloudWatch high resolution) to 60 s (standard resolution). */
export const STATS_PERIOD_MIN_MS = 1_000;
export const STATS_PERIOD_MAX_MS = 60_000;
const MIN_PERIOD_MS = 1_000;
const MIN_RESYNC_MS = 10_000;

function ms(duration: string): number {
  return tryParseDuration(duration) ?? Number.NaN;
}

function atLeast(issues: SemanticIssue[], path: (string | number)[], value: string, minimumMs: number): void {
  if (!(ms(value) >= minimumMs)) {
    issues.push({ path, message: `must be at least ${formatDuration(minimumMs)}, got ${JSON.stringify(value)}` });
  }
}

/** Each value of `values` that repeats an earlier one: its index, and the index where it was first listed. */
function repeats(values: readonly string[]): Map<number, number> {
  const seen = new Map<string, number>();
  const found = new Map<number, number>();
  values.forEach((value, index) => {
    const first = seen.get(value);
    if (first === undefined) seen.set(value, index);
    else found.set(index, first);
  });
  return found;
}

function noDuplicates(issues: SemanticIssue[], path: (string | number)[], values: readonly string[]): void {
  for (const [index, first] of repeats(values)) {
    issues.push({
      path: [...path, index],
      message: `duplicate ${JSON.stringify(values[index])}: already listed at [${first}]`,
    });
  }
}

/**
 * Rules JSON Schema cannot express, checked on a spec that already passed the zod schema:
 * unique clusters (name + region), scrape interval ≥ 1s and timeout ≤ interval, stats period 1s..60s,
 * other periods (capacity, service metrics, Cloud Map) ≥ 1s, events resync ≥ 10s, and no duplicates in task sizes,
 * metrics, dimensions and namespaces.
 */
export function checkSpecSemantics(spec: MonitoringSpec): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const repeatedClusters = repeats(spec.spec.clusters.map((c) => `${c.region ?? ""}\u0000${c.name}`));
  spec.spec.clusters.forEach((cluster, index) => {
    const base = ["spec", "clusters", index];
    const first = repeatedClusters.get(index);
    if (first !== undefined)
      issues.push({
        path: [...base, "name"],
        message: `duplicate cluster ${JSON.stringify(cluster.name)}${cluster.region ? ` in ${cluster.region}` : ""}: already listed at spec.clusters[${first}]`,
      });

    atLeast(issues, [...base, "scrape", "interval"], cluster.scrape.interval, MIN_PERIOD_MS);
    const timeoutMs = ms(cluster.scrape.timeout);
    const intervalMs = ms(cluster.scrape.interval);
    if (!(timeoutMs > 0)) {
      issues.push({
        path: [...base, "scrape", "timeout"],
        message: `must be greater than 0, got ${JSON.stringify(cluster.scrape.timeout)}`,
      });
    } else if (timeoutMs > intervalMs) {
      issues.push({
        path: [...base, "scrape", "timeout"],
        message: `must not exceed the scrape interval (${cluster.scrape.interval}), got ${JSON.stringify(cluster.scrape.timeout)}`,
      });
    }

    const periodMs = ms(cluster.stats.period);
    if (!(periodMs >= STATS_PERIOD_MIN_MS && periodMs <= STATS_PERIOD_MAX_MS)) {
      issues.push({
        path: [...base, "stats", "period"],
        message: `must be between 1s and 60s, got ${JSON.stringify(cluster.stats.period)}`,
      });
    }
    noDuplicates(issues, [...base, "stats", "metrics"], cluster.stats.metrics);
    noDuplicates(issues, [...base, "stats", "dimensions"], cluster.stats.dimensions);

    atLeast(issues, [...base, "capacity", "period"], cluster.capacity.period, MIN_PERIOD_MS);
    const sizeNames = cluster.capacity.taskSizes.map((size) => size.name);
    for (const [sizeIndex, firstSize] of repeats(sizeNames)) {
      issues.push({
        path: [...base, "capacity", "taskSizes", sizeIndex, "name"],
        message: `duplicate task size ${JSON.stringify(sizeNames[sizeIndex])}: already listed at [${firstSize}]`,
      });
    }

    atLeast(issues, [...base, "serviceMetrics", "period"], cluster.serviceMetrics.period, MIN_PERIOD_MS);
    noDuplicates(issues, [...base, "cloudMap", "namespaces"], cluster.cloudMap.namespaces);
    atLeast(issues, [...base, "cloudMap", "period"], cluster.cloudMap.period, MIN_PERIOD_MS);
    if (cluster.events)
      atLeast(issues, [...base, "events", "resyncPeriod"], cluster.events.resyncPeriod, MIN_RESYNC_MS);
  });
  return issues;
}
