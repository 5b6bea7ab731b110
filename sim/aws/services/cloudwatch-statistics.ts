import { XmlMap } from "../codecs/xml.js";
import { bucketDatums, isStatistic, statistic, validPeriod } from "./cloudwatch-aggregate.js";
import { combination, invalidValue, missing, parseTimeRange } from "./cloudwatch-errors.js";
import { type MetricStore, sortDims } from "./metric-store.js";

const MAX_DATAPOINTS = 1440;

/** GetMetricStatistics: one metric, period buckets, basic and percentile statistics, the 1,440-datapoint limit. */
export function getMetricStatistics(store: MetricStore, input: Record<string, unknown>) {
  if (typeof input.Namespace !== "string" || input.Namespace === "") throw missing("Namespace");
  if (typeof input.MetricName !== "string" || input.MetricName === "") throw missing("MetricName");
  const { start, end } = parseTimeRange(input);
  if (input.Period === undefined || input.Period === null) throw missing("Period");
  const period = Number(input.Period);
  if (!validPeriod(period)) {
    throw invalidValue("The parameter Period must be 1, 5, 10, 20, 30, 60, or any multiple of 60.");
  }
  const statistics = Array.isArray(input.Statistics) ? input.Statistics.map(String) : [];
  const extended = Array.isArray(input.ExtendedStatistics) ? input.ExtendedStatistics.map(String) : [];
  if (statistics.length === 0 && extended.length === 0) throw missing("Statistics");
  if (statistics.length > 5) throw invalidValue("The collection Statistics must not have a size greater than 5.");
  if (extended.length > 10)
    throw invalidValue("The collection ExtendedStatistics must not have a size greater than 10.");
  for (const s of statistics)
    if (!isStatistic(s, "basic")) throw invalidValue(`The value ${s} for parameter Statistics is invalid.`);
  for (const s of extended)
    if (!isStatistic(s, "percentile"))
      throw invalidValue(`The value ${s} for parameter ExtendedStatistics is invalid.`);
  const requested = Math.ceil((end - start) / (period * 1000));
  if (requested > MAX_DATAPOINTS) {
    throw combination(
      `You have requested up to ${requested} datapoints, which exceeds the limit of ${MAX_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
    );
  }
  const dims = Array.isArray(input.Dimensions)
    ? (input.Dimensions as Record<string, unknown>[]).map((d) => ({ Name: String(d?.Name), Value: String(d?.Value) }))
    : [];
  const unit = typeof input.Unit === "string" ? input.Unit : undefined;
  const datums = store.metricDatums({
    namespace: input.Namespace,
    metricName: input.MetricName,
    dimensions: sortDims(dims),
  });
  const Datapoints = [...bucketDatums(datums, period, unit, start, end)].map(([ts, list]) => {
    const point: Record<string, unknown> = { Timestamp: new Date(ts), Unit: unit ?? list[0]?.unit ?? "None" };
    for (const s of statistics) point[s] = statistic(list, s);
    if (extended.length > 0) {
      const ext: Record<string, number> = {};
      for (const s of extended) {
        const v = statistic(list, s);
        if (v !== undefined) ext[s] = v;
      }
      point.ExtendedStatistics = new XmlMap(ext);
    }
    return point;
  });
  return { Label: input.MetricName, Datapoints };
}
