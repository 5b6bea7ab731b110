import { decodeToken, encodeToken, InputReader } from "../input.js";
import { AwsError, type SimRequestContext, type SimService } from "../service.js";
import { CLOUDWATCH_QUERY_ERRORS, combination, invalidValue, missing, parseTimestamp } from "./cloudwatch-errors.js";
import { getMetricData } from "./cloudwatch-get-metric-data.js";
import { getMetricStatistics } from "./cloudwatch-statistics.js";
import { MetricStore, type StoredDatum, sortDims } from "./metric-store.js";

/** PutMetricData limits from the CloudWatch API reference. */
export const CLOUDWATCH_LIMITS = {
  maxDatumsPerCall: 1000,
  maxPayloadBytes: 1_048_576,
  maxDimensions: 30,
  maxValuesPerDatum: 150,
  minMagnitude: 8.51592e-109,
  maxMagnitude: 1.174271e108,
  maxPastMs: 14 * 24 * 3600_000,
  maxFutureMs: 2 * 3600_000,
} as const;

export const CLOUDWATCH_UNITS = new Set([
  "Seconds",
  "Microseconds",
  "Milliseconds",
  "Bytes",
  "Kilobytes",
  "Megabytes",
  "Gigabytes",
  "Terabytes",
  "Bits",
  "Kilobits",
  "Megabits",
  "Gigabits",
  "Terabits",
  "Percent",
  "Count",
  "Bytes/Second",
  "Kilobytes/Second",
  "Megabytes/Second",
  "Gigabytes/Second",
  "Terabytes/Second",
  "Bits/Second",
  "Kilobits/Second",
  "Megabits/Second",
  "Gigabits/Second",
  "Terabits/Second",
  "Count/Second",
  "None",
]);

function toNumber(raw: unknown, param: string): number {
  const v = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
  if (!Number.isFinite(v)) throw invalidValue(`The value ${String(raw)} for parameter ${param} is invalid.`);
  return v;
}

function checkMagnitude(v: number, param: string): void {
  const a = Math.abs(v);
  if (a !== 0 && (a < CLOUDWATCH_LIMITS.minMagnitude || a > CLOUDWATCH_LIMITS.maxMagnitude)) {
    throw invalidValue(`The value ${v} for parameter ${param} is invalid.`);
  }
}

function parseDimensions(raw: unknown, param: string): { Name: string; Value: string }[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    if (typeof raw === "object" && Object.keys(raw).length === 0) return [];
    throw invalidValue(`The value for parameter ${param} is invalid.`);
  }
  if (raw.length > CLOUDWATCH_LIMITS.maxDimensions) {
    throw invalidValue(`The collection ${param} must not have a size greater than ${CLOUDWATCH_LIMITS.maxDimensions}.`);
  }
  const seen = new Set<string>();
  const dims = raw.map((d: unknown, i) => {
    const o = (d ?? {}) as Record<string, unknown>;
    const p = `${param}.member.${i + 1}`;
    if (typeof o.Name !== "string" || o.Name === "") throw missing(`${p}.Name`);
    if (typeof o.Value !== "string") throw missing(`${p}.Value`);
    if (o.Name.length > 255) throw invalidValue(`The value for parameter ${p}.Name is too long (maximum 255).`);
    if (o.Value.length < 1 || o.Value.length > 1024)
      throw invalidValue(`The value for parameter ${p}.Value must be 1 to 1024 characters.`);
    if (seen.has(o.Name))
      throw invalidValue(
        `No metric may have duplicate dimensions. Dimension ${o.Name} appears more than once in ${param}.`,
      );
    seen.add(o.Name);
    return { Name: o.Name, Value: o.Value };
  });
  return sortDims(dims);
}

function validateNamespace(ns: string | undefined): string {
  if (ns === undefined || ns === "") throw missing("Namespace");
  if (ns.length > 255 || ns.startsWith("AWS/") || ns.startsWith(":") || !/^[^\u0000-\u001f]+$/.test(ns)) {
    throw invalidValue(`The value ${ns} for parameter Namespace is invalid.`);
  }
  return ns;
}

/** Validates one PutMetricData datum (as AWS does: the whole call fails on the first bad datum). */
function parseDatum(raw: unknown, index: number, namespace: string, now: number): StoredDatum {
  const p = `MetricData.member.${index + 1}`;
  const o = (raw ?? {}) as Record<string, unknown>;
  if (typeof o.MetricName !== "string" || o.MetricName === "") throw missing(`${p}.MetricName`);
  if (o.MetricName.length > 255)
    throw invalidValue(`The value for parameter ${p}.MetricName is too long (maximum 255).`);
  const dimensions = parseDimensions(o.Dimensions, `${p}.Dimensions`);
  const timestamp =
    o.Timestamp === undefined || o.Timestamp === null ? new Date(now) : parseTimestamp(o.Timestamp, `${p}.Timestamp`);
  if (timestamp.getTime() < now - CLOUDWATCH_LIMITS.maxPastMs) {
    throw invalidValue(`The parameter ${p}.Timestamp must specify a time no more than two weeks in the past.`);
  }
  if (timestamp.getTime() > now + CLOUDWATCH_LIMITS.maxFutureMs) {
    throw invalidValue(`The parameter ${p}.Timestamp must specify a time no more than two hours in the future.`);
  }
  const unit = o.Unit === undefined || o.Unit === null ? "None" : String(o.Unit);
  if (!CLOUDWATCH_UNITS.has(unit)) throw invalidValue(`The value ${unit} for parameter ${p}.Unit is invalid.`);
  const resRaw =
    o.StorageResolution === undefined || o.StorageResolution === null
      ? 60
      : toNumber(o.StorageResolution, `${p}.StorageResolution`);
  if (resRaw !== 1 && resRaw !== 60) {
    throw invalidValue(
      `The value ${resRaw} for parameter ${p}.StorageResolution is invalid. Valid values are 1 and 60.`,
    );
  }

  const hasValue = o.Value !== undefined && o.Value !== null;
  const hasStats = o.StatisticValues !== undefined && o.StatisticValues !== null;
  const valuesRaw = Array.isArray(o.Values) ? o.Values : [];
  const countsRaw = Array.isArray(o.Counts) ? o.Counts : [];
  const hasValues = valuesRaw.length > 0;
  const specified = [hasValue && "Value", hasStats && "StatisticValues", hasValues && "Values"].filter(Boolean);
  if (specified.length > 1) {
    throw combination(
      `The parameters ${p}.${specified[0]} and ${p}.${specified[1]} are mutually exclusive and you have specified both.`,
    );
  }
  if (specified.length === 0) throw missing(`${p}.Value`);
  if (countsRaw.length > 0 && !hasValues) throw combination(`The parameter ${p}.Counts requires ${p}.Values.`);

  const base = {
    namespace,
    metricName: o.MetricName,
    dimensions,
    timestamp,
    receivedAt: new Date(now),
    unit,
    storageResolution: resRaw as 1 | 60,
  };
  if (hasValue) {
    const v = toNumber(o.Value, `${p}.Value`);
    checkMagnitude(v, `${p}.Value`);
    return { ...base, values: [v], counts: [1], sampleCount: 1, sum: v, minimum: v, maximum: v };
  }
  if (hasStats) {
    const s = o.StatisticValues as Record<string, unknown>;
    const sp = `${p}.StatisticValues`;
    for (const f of ["SampleCount", "Sum", "Minimum", "Maximum"])
      if (s[f] === undefined || s[f] === null) throw missing(`${sp}.${f}`);
    const sampleCount = toNumber(s.SampleCount, `${sp}.SampleCount`);
    const sum = toNumber(s.Sum, `${sp}.Sum`);
    const minimum = toNumber(s.Minimum, `${sp}.Minimum`);
    const maximum = toNumber(s.Maximum, `${sp}.Maximum`);
    for (const [f, v] of [
      ["Sum", sum],
      ["Minimum", minimum],
      ["Maximum", maximum],
    ] as const)
      checkMagnitude(v, `${sp}.${f}`);
    if (sampleCount <= 0) throw invalidValue(`The value ${sampleCount} for parameter ${sp}.SampleCount is invalid.`);
    if (minimum > maximum)
      throw invalidValue(`The parameter ${sp}.Minimum must be less than or equal to ${sp}.Maximum.`);
    return { ...base, values: [], counts: [], sampleCount, sum, minimum, maximum };
  }
  if (valuesRaw.length > CLOUDWATCH_LIMITS.maxValuesPerDatum) {
    throw invalidValue(
      `The collection ${p}.Values must not have a size greater than ${CLOUDWATCH_LIMITS.maxValuesPerDatum}.`,
    );
  }
  if (countsRaw.length > 0 && countsRaw.length !== valuesRaw.length) {
    throw combination(`The parameters ${p}.Values and ${p}.Counts must be of the same size.`);
  }
  const values = valuesRaw.map((v, i) => {
    const n = toNumber(v, `${p}.Values.member.${i + 1}`);
    checkMagnitude(n, `${p}.Values.member.${i + 1}`);
    return n;
  });
  const counts = values.map((_, i) => {
    if (countsRaw.length === 0) return 1;
    const c = toNumber(countsRaw[i], `${p}.Counts.member.${i + 1}`);
    if (c < 0) throw invalidValue(`The value ${c} for parameter ${p}.Counts.member.${i + 1} is invalid.`);
    return c;
  });
  let sampleCount = 0;
  let sum = 0;
  let minimum = Number.POSITIVE_INFINITY;
  let maximum = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const c = counts[i] as number;
    sampleCount += c;
    sum += v * c;
    if (v < minimum) minimum = v;
    if (v > maximum) maximum = v;
  }
  return { ...base, values, counts, sampleCount, sum, minimum, maximum };
}

/** Options for the simulated CloudWatch. */
export interface CloudWatchServiceOptions {
  store?: MetricStore;
  /** Clock, for tests. @defaultValue Date.now */
  now?: () => number;
}

/**
 * Builds the simulated CloudWatch, reachable over JSON 1.0 (GraniteServiceVersion20100801, awsQueryCompatible)
 * and the AWS query protocol (2010-08-01): PutMetricData, which ecsmon's agents and controller call, and the
 * reads a local user makes to see what arrived (ListMetrics, GetMetricData without metric math,
 * GetMetricStatistics).
 */
export function createCloudWatchService(options: CloudWatchServiceOptions = {}): SimService & { store: MetricStore } {
  const store = options.store ?? new MetricStore();
  const now = options.now ?? Date.now;

  const putMetricData = (input: Record<string, unknown>, ctx: SimRequestContext) => {
    if ((ctx.bodyBytes ?? 0) > CLOUDWATCH_LIMITS.maxPayloadBytes) {
      throw new AwsError(
        "RequestEntityTooLarge",
        `Request size ${ctx.bodyBytes} exceeded ${CLOUDWATCH_LIMITS.maxPayloadBytes} bytes`,
        413,
      );
    }
    const namespace = validateNamespace(typeof input.Namespace === "string" ? input.Namespace : undefined);
    const data = input.MetricData;
    if (data === undefined || data === null) throw missing("MetricData");
    if (!Array.isArray(data)) throw invalidValue("The value for parameter MetricData is invalid.");
    if (data.length === 0) throw missing("MetricData");
    if (data.length > CLOUDWATCH_LIMITS.maxDatumsPerCall) {
      throw invalidValue(
        `The collection MetricData must not have a size greater than ${CLOUDWATCH_LIMITS.maxDatumsPerCall}.`,
      );
    }
    const t = now();
    const parsed = data.map((d, i) => parseDatum(d, i, namespace, t));
    for (const d of parsed) store.add(d);
    return {};
  };

  const listMetrics = (input: Record<string, unknown>) => {
    const r = new InputReader(input, "InvalidParameterValueException");
    const namespace = r.str("Namespace", { min: 1, max: 255 });
    const metricName = r.str("MetricName", { min: 1, max: 255 });
    const filters = (r.list<Record<string, unknown>>("Dimensions", { max: 10 }) ?? []).map((f, i) => {
      if (typeof f.Name !== "string") throw missing(`Dimensions.member.${i + 1}.Name`);
      return { Name: f.Name, Value: typeof f.Value === "string" ? f.Value : undefined };
    });
    const recentlyActive = r.str("RecentlyActive");
    if (recentlyActive !== undefined && recentlyActive !== "PT3H") {
      throw invalidValue(`The value ${recentlyActive} for parameter RecentlyActive is invalid.`);
    }
    const token = r.str("NextToken");
    let offset = 0;
    if (token !== undefined) {
      const decoded = decodeToken(token, "cw-list");
      if (decoded === undefined) throw new AwsError("InvalidNextToken", "The service returned an invalid next token.");
      offset = decoded;
    }
    const since = now() - 3 * 3600_000;
    const matches = store
      .metrics()
      .filter(
        (m) =>
          (namespace === undefined || m.namespace === namespace) &&
          (metricName === undefined || m.metricName === metricName) &&
          (recentlyActive === undefined || m.lastReceived >= since) &&
          filters.every((f) =>
            m.dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value)),
          ),
      );
    const pageSize = 500;
    const page = matches.slice(offset, offset + pageSize);
    return {
      Metrics: page.map((m) => ({ Namespace: m.namespace, MetricName: m.metricName, Dimensions: m.dimensions })),
      NextToken: offset + pageSize < matches.length ? encodeToken(offset + pageSize, "cw-list") : undefined,
    };
  };

  return {
    signingName: "monitoring",
    targetPrefix: "GraniteServiceVersion20100801",
    queryVersion: "2010-08-01",
    xmlNamespace: "http://monitoring.amazonaws.com/doc/2010-08-01/",
    jsonErrorNamespace: "com.amazonaws.cloudwatch",
    queryCompatErrors: CLOUDWATCH_QUERY_ERRORS,
    store,
    operations: {
      PutMetricData: putMetricData,
      GetMetricData: (input) => getMetricData(store, input),
      GetMetricStatistics: (input) => getMetricStatistics(store, input),
      ListMetrics: listMetrics,
    },
  };
}
