import { decodeToken, encodeToken } from "../input.js";
import { AwsError } from "../service.js";
import { bucketDatums, statistic } from "./cloudwatch-aggregate.js";
import { invalidValue, missing, parseTimestamp } from "./cloudwatch-errors.js";
import { ExpressionError, evaluateExpression, type Series } from "./cloudwatch-expression.js";
import { type MetricStore, type StoredDatum, sortDims } from "./metric-store.js";

const ID_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;
const PERCENTILE = /^p(\d{1,2}(\.\d{1,10})?|100)$/;
const BASIC_STATS = new Set(["Average", "Sum", "Minimum", "Maximum", "SampleCount"]);
const MAX_QUERIES = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;

interface ParsedQuery {
  id: string;
  label: string | undefined;
  returnData: boolean;
  stat?: {
    namespace: string;
    metricName: string;
    dimensions: { Name: string; Value: string }[];
    period: number;
    stat: string;
    unit?: string | undefined;
  };
  expression?: string | undefined;
  period?: number | undefined;
}

function validPeriod(p: number): boolean {
  return Number.isInteger(p) && (p === 1 || p === 5 || p === 10 || p === 20 || p === 30 || (p >= 60 && p % 60 === 0));
}

function parseQuery(raw: unknown, i: number): ParsedQuery {
  const p = `MetricDataQueries.member.${i + 1}`;
  const o = (raw ?? {}) as Record<string, unknown>;
  if (typeof o.Id !== "string" || o.Id === "") throw missing(`${p}.Id`);
  if (!ID_PATTERN.test(o.Id) || o.Id.length > 255) {
    throw new AwsError(
      "ValidationException",
      `The value ${o.Id} for parameter ${p}.Id is invalid: it must start with a lowercase letter and contain only letters, numbers and underscores.`,
    );
  }
  const returnData =
    o.ReturnData === undefined || o.ReturnData === null ? true : o.ReturnData === true || o.ReturnData === "true";
  const label = typeof o.Label === "string" ? o.Label : undefined;
  const hasStat = o.MetricStat !== undefined && o.MetricStat !== null;
  const hasExpr = typeof o.Expression === "string" && o.Expression !== "";
  if (hasStat === hasExpr) {
    throw new AwsError(
      "ValidationException",
      `Exactly one element of the ${p}.MetricStat and ${p}.Expression must be specified.`,
    );
  }
  if (hasExpr) {
    const period = o.Period === undefined || o.Period === null ? undefined : Number(o.Period);
    return { id: o.Id, label, returnData, expression: o.Expression as string, period };
  }
  const ms = o.MetricStat as Record<string, unknown>;
  const metric = (ms.Metric ?? {}) as Record<string, unknown>;
  if (typeof metric.Namespace !== "string") throw missing(`${p}.MetricStat.Metric.Namespace`);
  if (typeof metric.MetricName !== "string") throw missing(`${p}.MetricStat.Metric.MetricName`);
  if (ms.Period === undefined || ms.Period === null) throw missing(`${p}.MetricStat.Period`);
  const period = Number(ms.Period);
  if (!validPeriod(period)) {
    throw invalidValue(`The parameter ${p}.MetricStat.Period must be 1, 5, 10, 20, 30, 60, or any multiple of 60.`);
  }
  if (typeof ms.Stat !== "string" || ms.Stat === "") throw missing(`${p}.MetricStat.Stat`);
  if (!BASIC_STATS.has(ms.Stat) && !PERCENTILE.test(ms.Stat)) {
    throw invalidValue(`The value ${ms.Stat} for parameter ${p}.MetricStat.Stat is invalid.`);
  }
  const dims = Array.isArray(metric.Dimensions)
    ? (metric.Dimensions as Record<string, unknown>[]).map((d) => ({ Name: String(d.Name), Value: String(d.Value) }))
    : [];
  return {
    id: o.Id,
    label,
    returnData,
    stat: {
      namespace: metric.Namespace,
      metricName: metric.MetricName,
      dimensions: sortDims(dims),
      period,
      stat: ms.Stat,
      unit: typeof ms.Unit === "string" ? ms.Unit : undefined,
    },
  };
}

/** Aggregates one metric's datums into period buckets within [start, end). */
function aggregate(datums: StoredDatum[], q: NonNullable<ParsedQuery["stat"]>, start: number, end: number): Series {
  const out: Series = new Map();
  for (const [ts, list] of bucketDatums(datums, q.period, q.unit, start, end)) {
    const v = statistic(list, q.stat);
    if (v !== undefined) out.set(ts, v);
  }
  return out;
}

interface Result {
  Id: string;
  Label: string;
  Timestamps: Date[];
  Values: number[];
  StatusCode: "Complete" | "PartialData";
  Messages: { Code: string; Value: string }[];
}

/** GetMetricData over a MetricStore; `now` is the simulator's clock in ms. */
export function getMetricData(store: MetricStore, input: Record<string, unknown>, _now: number) {
  const queriesRaw = input.MetricDataQueries;
  if (queriesRaw === undefined || queriesRaw === null) throw missing("MetricDataQueries");
  if (!Array.isArray(queriesRaw) || queriesRaw.length === 0) throw missing("MetricDataQueries");
  if (queriesRaw.length > MAX_QUERIES) {
    throw invalidValue(`The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`);
  }
  if (input.StartTime === undefined || input.StartTime === null) throw missing("StartTime");
  if (input.EndTime === undefined || input.EndTime === null) throw missing("EndTime");
  const start = parseTimestamp(input.StartTime, "StartTime").getTime();
  const end = parseTimestamp(input.EndTime, "EndTime").getTime();
  if (start >= end) throw invalidValue("The parameter StartTime must be less than the parameter EndTime.");
  const scanBy = input.ScanBy === undefined || input.ScanBy === null ? "TimestampDescending" : String(input.ScanBy);
  if (scanBy !== "TimestampDescending" && scanBy !== "TimestampAscending") {
    throw invalidValue(`The value ${scanBy} for parameter ScanBy is invalid.`);
  }
  const maxDatapoints =
    input.MaxDatapoints === undefined || input.MaxDatapoints === null
      ? DEFAULT_MAX_DATAPOINTS
      : Number(input.MaxDatapoints);
  if (!Number.isInteger(maxDatapoints) || maxDatapoints < 1)
    throw invalidValue(`The value ${String(input.MaxDatapoints)} for parameter MaxDatapoints is invalid.`);

  const queries = queriesRaw.map(parseQuery);
  const ids = new Set<string>();
  for (const q of queries) {
    if (ids.has(q.id))
      throw new AwsError("ValidationException", `The values for parameter id in MetricDataQueries are not unique.`);
    ids.add(q.id);
  }
  if (!queries.some((q) => q.returnData))
    throw new AwsError("ValidationException", "At least one query must have ReturnData set to true.");

  const byId = new Map<string, Series>();
  const metrics: { label: string; series: Series }[] = [];
  const all: { q: ParsedQuery; series: Series; label: string }[] = [];
  for (const q of queries) {
    if (!q.stat) continue;
    const series = aggregate(store.metricDatums(q.stat), q.stat, start, end);
    const label = q.label ?? q.stat.metricName;
    byId.set(q.id, series);
    metrics.push({ label, series });
    all.push({ q, series, label });
  }
  for (const q of queries) {
    if (!q.expression) continue;
    let out: Series[];
    try {
      out = evaluateExpression(q.expression, { byId, metrics });
    } catch (err) {
      if (err instanceof ExpressionError)
        throw new AwsError("ValidationException", `Error in expression ${q.id}: ${err.message}`);
      throw err;
    }
    const first = out[0] ?? new Map();
    byId.set(q.id, first);
    out.forEach((series, i) => {
      all.push({ q, series, label: q.label ?? (out.length > 1 ? `${q.id} ${i}` : q.id) });
    });
  }

  let offset = 0;
  if (typeof input.NextToken === "string") {
    const decoded = decodeToken(input.NextToken, "cw-gmd");
    if (decoded === undefined) throw new AwsError("InvalidNextToken", "The service returned an invalid next token.");
    offset = decoded;
  }
  const results: Result[] = [];
  let skipped = 0;
  let budget = maxDatapoints;
  let nextToken: string | undefined;
  for (const { q, series, label } of all) {
    if (!q.returnData) continue;
    const points = [...series].sort((a, b) => (scanBy === "TimestampAscending" ? a[0] - b[0] : b[0] - a[0]));
    const skip = Math.min(points.length, Math.max(0, offset - skipped));
    skipped += skip;
    const remaining = points.slice(skip);
    if (skip > 0 && remaining.length === 0) continue;
    const take = remaining.slice(0, budget);
    budget -= take.length;
    const partial = take.length < remaining.length;
    results.push({
      Id: q.id,
      Label: label,
      Timestamps: take.map(([ts]) => new Date(ts)),
      Values: take.map(([, v]) => v),
      StatusCode: partial ? "PartialData" : "Complete",
      Messages: [],
    });
    if (partial) {
      nextToken = encodeToken(skipped + take.length, "cw-gmd");
      break;
    }
    skipped += take.length;
  }
  return { MetricDataResults: results, NextToken: nextToken, Messages: [] };
}
