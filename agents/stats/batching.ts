import type { MetricDatum, StandardUnit } from "@aws-sdk/client-cloudwatch";

/**
 * Pure folding and batching of samples into PutMetricData calls. CloudWatch limits (PutMetricData API
 * reference): at most 1,000 datums per call, 1 MB per request, 150 distinct values per datum (Values/Counts),
 * 30 dimensions per datum.
 */

export const MAX_DATUMS_PER_CALL = 1_000;
export const MAX_VALUES_PER_DATUM = 150;
/** The request limit is 1 MB; the estimate below is conservative, and this leaves room for the envelope. */
export const MAX_CALL_BYTES = 900_000;

export interface Dimension {
  Name: string;
  Value: string;
}

/** One measured value of one metric of one container, waiting to be published. */
export interface StatsSample {
  namespace: string;
  metricName: string;
  /** Shared, immutable array per container (identity is used as a fast path, never mutated). */
  dimensions: readonly Dimension[];
  value: number;
  unit: StandardUnit;
  /** Epoch ms the value describes (the stats read time). */
  timestampMs: number;
  /** 1 (high resolution) or 60 (standard). */
  storageResolution: 1 | 60;
  /** Agent clock when the sample was taken, for the sample-to-publish latency. */
  collectedAtMs: number;
}

/** One PutMetricData call and the samples it carries. */
export interface PutBatch {
  namespace: string;
  datums: MetricDatum[];
  samples: StatsSample[];
  estimatedBytes: number;
}

function dimensionKey(dimensions: readonly Dimension[]): string {
  let key = "";
  for (const d of dimensions) key += `${d.Name}\u0001${d.Value}\u0002`;
  return key;
}

interface Group {
  namespace: string;
  metricName: string;
  dimensions: readonly Dimension[];
  unit: StandardUnit;
  storageResolution: 1 | 60;
  bucketMs: number;
  samples: StatsSample[];
}

/**
 * Groups samples that CloudWatch would aggregate anyway: same namespace, metric, dimensions, unit, resolution
 * and timestamp bucket (the second for high resolution, the minute otherwise). Keeping the bucket keeps the
 * time resolution the storage resolution promises even when a backlog spanning many seconds is flushed at once.
 */
function group(samples: readonly StatsSample[]): Group[] {
  const groups = new Map<string, Group>();
  const dimensionKeys = new Map<readonly Dimension[], string>();
  for (const sample of samples) {
    let dims = dimensionKeys.get(sample.dimensions);
    if (dims === undefined) {
      dims = dimensionKey(sample.dimensions);
      dimensionKeys.set(sample.dimensions, dims);
    }
    const width = sample.storageResolution * 1000;
    const bucketMs = Math.floor(sample.timestampMs / width) * width;
    const key = `${sample.namespace}\u0003${sample.metricName}\u0003${dims}\u0003${sample.unit}\u0003${sample.storageResolution}\u0003${bucketMs}`;
    let entry = groups.get(key);
    if (!entry) {
      entry = {
        namespace: sample.namespace,
        metricName: sample.metricName,
        dimensions: sample.dimensions,
        unit: sample.unit,
        storageResolution: sample.storageResolution,
        bucketMs,
        samples: [],
      };
      groups.set(key, entry);
    }
    entry.samples.push(sample);
  }
  return [...groups.values()];
}

interface FoldedDatum {
  namespace: string;
  datum: MetricDatum;
  samples: StatsSample[];
  bytes: number;
}

/** Rough serialized size (JSON and query encodings are both below this for these shapes). */
function estimateBytes(datum: MetricDatum): number {
  let bytes = 160 + (datum.MetricName?.length ?? 0);
  for (const d of datum.Dimensions ?? []) bytes += 60 + (d.Name?.length ?? 0) + (d.Value?.length ?? 0);
  bytes += (datum.Values?.length ?? 1) * 48;
  return bytes;
}

/** Folds each group into datums: one sample → `Value`; several → `Values`/`Counts`, ≤ 150 distinct values each. */
function fold(g: Group): FoldedDatum[] {
  const base = {
    MetricName: g.metricName,
    Dimensions: g.dimensions.map((d) => ({ Name: d.Name, Value: d.Value })),
    Timestamp: new Date(g.bucketMs),
    Unit: g.unit,
    StorageResolution: g.storageResolution,
  };
  const only = g.samples.length === 1 ? g.samples[0] : undefined;
  if (only) {
    const datum: MetricDatum = { ...base, Value: only.value };
    return [{ namespace: g.namespace, datum, samples: g.samples, bytes: estimateBytes(datum) }];
  }
  const counts = new Map<number, { count: number; samples: StatsSample[] }>();
  for (const sample of g.samples) {
    const entry = counts.get(sample.value);
    if (entry) {
      entry.count += 1;
      entry.samples.push(sample);
    } else counts.set(sample.value, { count: 1, samples: [sample] });
  }
  const distinct = [...counts.entries()];
  const out: FoldedDatum[] = [];
  for (let i = 0; i < distinct.length; i += MAX_VALUES_PER_DATUM) {
    const chunk = distinct.slice(i, i + MAX_VALUES_PER_DATUM);
    const datum: MetricDatum = {
      ...base,
      Values: chunk.map(([value]) => value),
      Counts: chunk.map(([, entry]) => entry.count),
    };
    out.push({
      namespace: g.namespace,
      datum,
      samples: chunk.flatMap(([, entry]) => entry.samples),
      bytes: estimateBytes(datum),
    });
  }
  return out;
}

/**
 * Turns samples into PutMetricData calls: one namespace per call, ≤ {@link MAX_DATUMS_PER_CALL} datums and
 * ≤ `maxBytes` estimated bytes each. Calls come out in the order of each namespace's first sample, and datums
 * in order of their oldest sample, so a caller sending them in order publishes the oldest data first.
 */
export function buildBatches(
  samples: readonly StatsSample[],
  limits: { maxDatums?: number; maxBytes?: number } = {},
): PutBatch[] {
  const maxDatums = limits.maxDatums ?? MAX_DATUMS_PER_CALL;
  const maxBytes = limits.maxBytes ?? MAX_CALL_BYTES;
  const byNamespace = new Map<string, FoldedDatum[]>();
  for (const g of group(samples)) {
    for (const folded of fold(g)) {
      const list = byNamespace.get(folded.namespace);
      if (list) list.push(folded);
      else byNamespace.set(folded.namespace, [folded]);
    }
  }
  const batches: PutBatch[] = [];
  for (const [namespace, folded] of byNamespace) {
    let current: PutBatch | undefined;
    for (const item of folded) {
      if (!current || current.datums.length >= maxDatums || current.estimatedBytes + item.bytes > maxBytes) {
        current = { namespace, datums: [], samples: [], estimatedBytes: 200 + namespace.length };
        batches.push(current);
      }
      current.datums.push(item.datum);
      for (const s of item.samples) current.samples.push(s);
      current.estimatedBytes += item.bytes;
    }
  }
  return batches;
}
