import { AwsError } from "../service.js";
import { bucketDatums, isStatistic, statistic, validPeriod } from "./cloudwatch-aggregate.js";
import { invalidValue, missing, parseTimeRange } from "./cloudwatch-errors.js";
import type { MetricStore } from "./metric-store.js";

const ID_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;
const MAX_QUERIES = 500;

interface MetricQuery {
  id: string;
  label: string | undefined;
  returnData: boolean;
  namespace: string;
  metricName: string;
  dimensions: { Name: string; Value: string }[];
  period: number;
  stat: string;
  unit?: string | undefined;
}

/**
 * One `MetricStat` query. Metric math (`Expression`) is refused: the simulator serves what a local user
 * reads back (a stored metric's statistics), not CloudWatch's expression language (docs/adr/0072).
 */
function parseQuery(raw: unknown, i: number): MetricQuery {
  const p = `MetricDataQueries.member.${i + 1}`;
  const o = (raw ?? {}) as Record<string, unknown>;
  if (typeof o.Id !== "string" || o.Id === "") throw missing(`${p}.Id`);
  if (!ID_PATTERN.test(o.Id) || o.Id.length > 255) {
    throw new AwsError(
      "ValidationException",
      `The value ${o.Id} for parameter ${p}.Id is invalid: it must start with a lowercase letter and contain only letters, numbers and underscores.`,
    );
  }
  if (o.Expression !== undefined && o.Expression !== null) {
    throw invalidValue(`${p}.Expression: metric math is not simulated; query a MetricStat.`);
  }
  if (o.MetricStat === undefined || o.MetricStat === null) throw missing(`${p}.MetricStat`);
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
  if (!isStatistic(ms.Stat)) throw invalidValue(`The value ${ms.Stat} for parameter ${p}.MetricStat.Stat is invalid.`);
  const dims = Array.isArray(metric.Dimensions)
    ? (metric.Dimensions as Record<string, unknown>[]).map((d) => ({ Name: String(d?.Name), Value: String(d?.Value) }))
    : [];
  return {
    id: o.Id,
    label: typeof o.Label === "string" ? o.Label : undefined,
    returnData: o.ReturnData === undefined || o.ReturnData === null || o.ReturnData === true || o.ReturnData === "true",
    namespace: metric.Namespace,
    metricName: metric.MetricName,
    dimensions: dims,
    period,
    stat: ms.Stat,
    unit: typeof ms.Unit === "string" ? ms.Unit : undefined,
  };
}

/** GetMetricData over a MetricStore: `MetricStat` queries only, every datapoint in one page. */
export function getMetricData(store: MetricStore, input: Record<string, unknown>) {
  const queriesRaw = input.MetricDataQueries;
  if (!Array.isArray(queriesRaw) || queriesRaw.length === 0) throw missing("MetricDataQueries");
  if (queriesRaw.length > MAX_QUERIES) {
    throw invalidValue(`The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`);
  }
  const { start, end } = parseTimeRange(input);
  const scanBy = input.ScanBy === undefined || input.ScanBy === null ? "TimestampDescending" : String(input.ScanBy);
  if (scanBy !== "TimestampDescending" && scanBy !== "TimestampAscending") {
    throw invalidValue(`The value ${scanBy} for parameter ScanBy is invalid.`);
  }
  const queries = queriesRaw.map(parseQuery);
  if (new Set(queries.map((q) => q.id)).size !== queries.length)
    throw new AwsError("ValidationException", "The values for parameter id in MetricDataQueries are not unique.");
  if (!queries.some((q) => q.returnData))
    throw new AwsError("ValidationException", "At least one query must have ReturnData set to true.");

  const MetricDataResults = queries
    .filter((q) => q.returnData)
    .map((q) => {
      const points: [number, number][] = [];
      for (const [ts, list] of bucketDatums(store.metricDatums(q), q.period, q.unit, start, end)) {
        const v = statistic(list, q.stat);
        if (v !== undefined) points.push([ts, v]);
      }
      points.sort((a, b) => (scanBy === "TimestampAscending" ? a[0] - b[0] : b[0] - a[0]));
      return {
        Id: q.id,
        Label: q.label ?? q.metricName,
        Timestamps: points.map(([ts]) => new Date(ts)),
        Values: points.map(([, v]) => v),
        StatusCode: "Complete",
        Messages: [],
      };
    });
  return { MetricDataResults, Messages: [] };
}
