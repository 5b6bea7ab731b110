import type { StoredDatum } from "./metric-store.js";

const BASIC_STATISTICS = new Set(["SampleCount", "Average", "Sum", "Minimum", "Maximum"]);
const PERCENTILE = /^p(\d{1,2}(\.\d{1,10})?|100)$/;

/** A period CloudWatch accepts: 1, 5, 10, 20 or 30 seconds (high resolution), or a multiple of 60. */
export function validPeriod(p: number): boolean {
  return Number.isInteger(p) && (p === 1 || p === 5 || p === 10 || p === 20 || p === 30 || (p >= 60 && p % 60 === 0));
}

/** Whether `stat` is a basic statistic (`Sum`, …), a percentile (`p99`, `p99.9`), or either (`any`). */
export function isStatistic(stat: string, kind: "any" | "basic" | "percentile" = "any"): boolean {
  if (kind !== "percentile" && BASIC_STATISTICS.has(stat)) return true;
  return kind !== "basic" && PERCENTILE.test(stat);
}

/**
 * Groups datums into period buckets (aligned to the epoch) within [start, end), optionally of one unit.
 * Standard-resolution datums are stored at one-minute granularity, so they snap to the minute first.
 */
export function bucketDatums(
  datums: StoredDatum[],
  periodSeconds: number,
  unit: string | undefined,
  start: number,
  end: number,
): Map<number, StoredDatum[]> {
  const periodMs = periodSeconds * 1000;
  const buckets = new Map<number, StoredDatum[]>();
  for (const d of datums) {
    if (unit !== undefined && d.unit !== unit) continue;
    let ts = d.timestamp.getTime();
    if (d.storageResolution === 60) ts = Math.floor(ts / 60_000) * 60_000;
    if (ts < start || ts >= end) continue;
    const bucket = Math.floor(ts / periodMs) * periodMs;
    const list = buckets.get(bucket);
    if (list) list.push(d);
    else buckets.set(bucket, [d]);
  }
  return buckets;
}

/**
 * One statistic over a bucket: Average, Sum, Minimum, Maximum, SampleCount, or pNN (exact, from raw
 * values; datums sent as StatisticValues carry none). Undefined when the bucket cannot answer it.
 */
export function statistic(list: StoredDatum[], stat: string): number | undefined {
  let n = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const d of list) {
    n += d.sampleCount;
    sum += d.sum;
    if (d.minimum < min) min = d.minimum;
    if (d.maximum > max) max = d.maximum;
  }
  switch (stat) {
    case "SampleCount":
      return n;
    case "Sum":
      return sum;
    case "Minimum":
      return min;
    case "Maximum":
      return max;
    case "Average":
      return n > 0 ? sum / n : undefined;
    default: {
      const q = Number(stat.slice(1)) / 100;
      const pairs: [number, number][] = [];
      let total = 0;
      for (const d of list) {
        for (let i = 0; i < d.values.length; i++) {
          pairs.push([d.values[i] as number, d.counts[i] as number]);
          total += d.counts[i] as number;
        }
      }
      if (total === 0) return undefined;
      pairs.sort((a, b) => a[0] - b[0]);
      const rank = Math.max(1, Math.ceil(q * total));
      let acc = 0;
      for (const [v, c] of pairs) {
        acc += c;
        if (acc >= rank) return v;
      }
      return pairs.at(-1)?.[0];
    }
  }
}
