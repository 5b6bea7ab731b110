/** One accepted PutMetricData datum, as stored by the simulator. */
export interface StoredDatum {
  namespace: string;
  metricName: string;
  /** Sorted by name. */
  dimensions: { Name: string; Value: string }[];
  timestamp: Date;
  /** When the simulator accepted it. */
  receivedAt: Date;
  unit: string;
  storageResolution: 1 | 60;
  /** Raw values with their counts (from `Value` or `Values`/`Counts`); empty for StatisticValues datums. */
  values: number[];
  counts: number[];
  /** Aggregate over the datum, always present. */
  sampleCount: number;
  sum: number;
  minimum: number;
  maximum: number;
}

/** A metric's identity: namespace, name and exact dimension set. */
export interface MetricIdentity {
  namespace: string;
  metricName: string;
  dimensions: { Name: string; Value: string }[];
}

interface MetricSeries extends MetricIdentity {
  key: string;
  datums: StoredDatum[];
  lastReceived: number;
}

/** Query for `MetricStore.datums`. */
export interface DatumFilter {
  namespace?: string | undefined;
  metricName?: string | undefined;
  /** Only datums whose timestamp is at or after this time. */
  since?: Date | undefined;
  /** Only datums having all these dimension values. */
  dimensions?: Record<string, string> | undefined;
}

/** Identity key of a metric: namespace, name and sorted dimensions. */
export function metricKey(namespace: string, metricName: string, dims: { Name: string; Value: string }[]): string {
  let key = `${namespace}\u0000${metricName}`;
  for (const d of dims) key += `\u0000${d.Name}\u0001${d.Value}`;
  return key;
}

/**
 * The CloudWatch datums the simulator accepted, per metric, in arrival order. Bounded: each metric keeps its
 * newest `maxDatumsPerMetric` datums. Used by the simulated CloudWatch API, the control API and tests.
 */
export class MetricStore {
  private readonly series = new Map<string, MetricSeries>();
  private total = 0;

  constructor(readonly maxDatumsPerMetric = 20_000) {}

  add(datum: StoredDatum): void {
    const key = metricKey(datum.namespace, datum.metricName, datum.dimensions);
    let s = this.series.get(key);
    if (!s) {
      s = {
        key,
        namespace: datum.namespace,
        metricName: datum.metricName,
        dimensions: datum.dimensions,
        datums: [],
        lastReceived: 0,
      };
      this.series.set(key, s);
    }
    s.datums.push(datum);
    s.lastReceived = datum.receivedAt.getTime();
    this.total++;
    if (s.datums.length > this.maxDatumsPerMetric) s.datums.splice(0, s.datums.length - this.maxDatumsPerMetric);
  }

  /** Datums matching the filter, oldest timestamp first. */
  datums(filter: DatumFilter = {}): StoredDatum[] {
    const out: StoredDatum[] = [];
    const since = filter.since?.getTime();
    for (const s of this.series.values()) {
      if (filter.namespace !== undefined && s.namespace !== filter.namespace) continue;
      if (filter.metricName !== undefined && s.metricName !== filter.metricName) continue;
      if (filter.dimensions && !hasDimensions(s.dimensions, filter.dimensions)) continue;
      for (const d of s.datums) if (since === undefined || d.timestamp.getTime() >= since) out.push(d);
    }
    return out.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  }

  /** Datums of exactly one metric (no sorting, arrival order). */
  metricDatums(id: MetricIdentity): StoredDatum[] {
    return this.series.get(metricKey(id.namespace, id.metricName, sortDims(id.dimensions)))?.datums ?? [];
  }

  /** Every metric identity with the time its last datum arrived, in insertion order. */
  metrics(): (MetricIdentity & { lastReceived: number })[] {
    return [...this.series.values()].map((s) => ({
      namespace: s.namespace,
      metricName: s.metricName,
      dimensions: s.dimensions,
      lastReceived: s.lastReceived,
    }));
  }

  /** Datums accepted since start or the last clear (including those since evicted). */
  acceptedCount(): number {
    return this.total;
  }

  clear(): void {
    this.series.clear();
    this.total = 0;
  }
}

export function sortDims(dims: { Name: string; Value: string }[]): { Name: string; Value: string }[] {
  return dims.length <= 1 ? dims : [...dims].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

function hasDimensions(dims: { Name: string; Value: string }[], wanted: Record<string, string>): boolean {
  for (const [name, value] of Object.entries(wanted)) {
    if (!dims.some((d) => d.Name === name && d.Value === value)) return false;
  }
  return true;
}
