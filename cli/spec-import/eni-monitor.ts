import { type OptionSpec, parseOptions, splitCommandLine } from "./command-line.js";
import { emptyPlan, type ImportInput, ImportParseError, type ImportPlan } from "./import-plan.js";
import { isPlaceholder, readJson } from "./read-input.js";

export const COMPANION_ALARM = "ecsmon-alarm.json";
/** ecsmon's capacity metrics (controller/capacity/capacity-publisher.ts). */
const METRIC_FOR = [
  { pattern: /eni/i, metric: "RemainingENIs", unit: "Count" },
  { pattern: /cpu/i, metric: "RemainingCPU", unit: "None" },
  { pattern: /mem/i, metric: "RemainingMemory", unit: "Megabytes" },
] as const;
/** CloudWatch's ComparisonOperator values (PutMetricAlarm API reference), except the anomaly-band ones. */
const COMPARISONS = [
  "GreaterThanOrEqualToThreshold",
  "GreaterThanThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold",
] as const;
const STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"] as const;

/** The put-metric-alarm options the seed's example uses, plus the ones an alarm of this kind commonly sets. */
const OPTIONS: OptionSpec[] = [
  { long: "alarm-name" },
  { long: "alarm-description" },
  { long: "metric-name" },
  { long: "namespace" },
  { long: "dimensions", list: true },
  { long: "statistic" },
  { long: "extended-statistic" },
  { long: "period" },
  { long: "evaluation-periods" },
  { long: "datapoints-to-alarm" },
  { long: "threshold" },
  { long: "comparison-operator" },
  { long: "treat-missing-data" },
  { long: "unit" },
  { long: "alarm-actions", list: true },
  { long: "ok-actions", list: true },
  { long: "insufficient-data-actions", list: true },
  { long: "actions-enabled", flag: true },
  { long: "no-actions-enabled", flag: true },
  { long: "region" },
  { long: "profile" },
];

/** A PutMetricAlarm request as the API (and `--cli-input-json`, and describe-alarms) spells it. */
interface AlarmInput {
  AlarmName?: string;
  AlarmDescription?: string;
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  Period?: number;
  EvaluationPeriods?: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator?: string;
  TreatMissingData?: string;
  Unit?: string;
  Dimensions?: { Name: string; Value: string }[];
  AlarmActions?: string[];
  OKActions?: string[];
  InsufficientDataActions?: string[];
}

export interface EniMonitorOptions {
  cluster?: string | undefined;
  /** `--task-size name=cpu/memory[/awsvpc]`: alarm on SchedulableTasks of this size instead of RemainingENIs. */
  taskSize?: string | undefined;
}

/**
 * Seed 004 (Monitor-ECS-Cluster-ENIs): its alarm, as the README's `aws cloudwatch put-metric-alarm …` command or
 * as the alarm's JSON (`--cli-input-json`, or one entry of describe-alarms). Produces a `capacity` section and,
 * as a companion file, the equivalent PutMetricAlarm request on ecsmon's metric — RemainingENIs, or
 * SchedulableTasks of a task size (`--task-size`) — with the threshold, period, statistic and actions carried.
 */
export function importEniMonitor(input: ImportInput, options: EniMonitorOptions = {}): ImportPlan {
  const plan = emptyPlan("eni-monitor");
  const trimmed = input.text.trimStart();
  const alarm = trimmed.startsWith("{") ? alarmFromJson(input) : alarmFromCommand(input, plan);
  const where = (field: string) => `seed 004 alarm ${field} (${input.name})`;

  plan.clusterValues.push({
    path: ["capacity", "enabled"],
    value: true,
    from: "replaces the ENI-monitoring Lambda and its CloudWatch Events rule",
  });
  plan.clusterValues.push({
    path: ["capacity", "namespace"],
    value: "ECS/Capacity",
    from: `the namespace of the companion alarm (${COMPANION_ALARM})`,
  });
  const size = options.taskSize ? parseTaskSize(options.taskSize) : undefined;
  if (size)
    plan.clusterValues.push({
      path: ["capacity", "taskSizes"],
      value: [size],
      from: `--task-size ${options.taskSize}`,
    });
  const mapped = METRIC_FOR.find((m) => m.pattern.test(alarm.MetricName ?? "")) ?? METRIC_FOR[0];
  if (!METRIC_FOR.some((m) => m.pattern.test(alarm.MetricName ?? "")))
    plan.unconverted.push({
      value: `--metric-name ${alarm.MetricName ?? "(none)"}`,
      reason: "not an ENI, CPU or memory figure; RemainingENIs assumed",
    });

  const threshold = alarm.Threshold;
  if (threshold === undefined || !Number.isFinite(threshold))
    throw new ImportParseError(input.name, 1, "the alarm has no numeric threshold (--threshold / Threshold)");
  const comparison = alarm.ComparisonOperator ?? "LessThanOrEqualToThreshold";
  if (!(COMPARISONS as readonly string[]).includes(comparison))
    throw new ImportParseError(
      input.name,
      1,
      `unknown comparison operator ${JSON.stringify(comparison)} (expected one of ${COMPARISONS.join(", ")})`,
    );
  const statistic = alarm.Statistic ?? "Minimum";
  if (!(STATISTICS as readonly string[]).includes(statistic))
    throw new ImportParseError(
      input.name,
      1,
      `unknown statistic ${JSON.stringify(statistic)} (expected one of ${STATISTICS.join(", ")})`,
    );

  const cluster = options.cluster ?? "default";
  const bySize = size && mapped.metric === "RemainingENIs";
  const request = {
    AlarmName: alarm.AlarmName ?? "ecsmon-capacity",
    AlarmDescription: alarm.AlarmDescription,
    Namespace: "ECS/Capacity",
    MetricName: bySize ? "SchedulableTasks" : mapped.metric,
    Dimensions: [{ Name: "ClusterName", Value: cluster }, ...(bySize ? [{ Name: "TaskSize", Value: size.name }] : [])],
    Statistic: statistic,
    Period: alarm.Period ?? 300,
    EvaluationPeriods: alarm.EvaluationPeriods ?? 1,
    ...(alarm.DatapointsToAlarm ? { DatapointsToAlarm: alarm.DatapointsToAlarm } : {}),
    Threshold: threshold,
    ComparisonOperator: comparison,
    ...(alarm.TreatMissingData ? { TreatMissingData: alarm.TreatMissingData } : {}),
    Unit: bySize ? "Count" : mapped.unit,
    ...(alarm.AlarmActions?.length ? { AlarmActions: alarm.AlarmActions } : {}),
    ...(alarm.OKActions?.length ? { OKActions: alarm.OKActions } : {}),
    ...(alarm.InsufficientDataActions?.length ? { InsufficientDataActions: alarm.InsufficientDataActions } : {}),
  };
  plan.companions.push({
    fileName: COMPANION_ALARM,
    description: `CloudWatch alarm on ECS/Capacity ${request.MetricName}: aws cloudwatch put-metric-alarm --cli-input-json file://${COMPANION_ALARM}`,
    text: `${JSON.stringify(request, null, 2)}\n`,
  });
  if (alarm.Period !== undefined && alarm.Period < 60)
    plan.clusterValues.push({
      path: ["capacity", "period"],
      value: `${alarm.Period}s`,
      from: where(`--period ${alarm.Period}`),
    });

  if (alarm.Namespace && alarm.Namespace !== "ECS/Capacity")
    plan.unconverted.push({
      value: `--namespace ${alarm.Namespace}`,
      reason: "ecsmon publishes capacity to capacity.namespace (ECS/Capacity); the companion alarm uses it",
    });
  for (const dimension of alarm.Dimensions ?? [])
    plan.unconverted.push({
      value: `dimension ${dimension.Name}=${dimension.Value}`,
      reason: `ecsmon's capacity metrics are dimensioned by ClusterName${bySize ? " and TaskSize" : ""}; the companion alarm uses ClusterName=${cluster}`,
    });
  if (alarm.Unit && alarm.Unit !== request.Unit)
    plan.unconverted.push({
      value: `--unit ${alarm.Unit}`,
      reason: `ecsmon publishes ${request.MetricName} in ${request.Unit} (CloudWatch units are case-sensitive)`,
    });
  if (/GreaterThan/.test(comparison) && mapped.metric === "RemainingENIs")
    plan.unconverted.push({
      value: `--comparison-operator ${comparison}`,
      reason: `carried over as written, but on a remaining-capacity metric it fires while ${threshold} or more slots are free; LessThanOrEqualToThreshold is the usual intent`,
    });
  for (const action of [
    ...(alarm.AlarmActions ?? []),
    ...(alarm.OKActions ?? []),
    ...(alarm.InsufficientDataActions ?? []),
  ])
    if (isPlaceholder(action))
      plan.unconverted.push({
        value: action,
        reason: `still the README's placeholder: fill it in in ${COMPANION_ALARM}`,
      });
  if (bySize)
    plan.notes.push(
      `The alarm counts ${size.name} tasks that still fit (ENIs, CPU and memory), not bare ENIs: one awsvpc task needs one ENI, so the threshold carries over.`,
    );
  plan.notes.push(
    "ENI slots follow AWS's published limits and ENI trunking (docs/capacity.md); the Lambda assumed a fixed ENI count per instance.",
  );
  return plan;
}

function alarmFromJson(input: ImportInput): AlarmInput {
  const json = readJson(input) as { MetricAlarms?: unknown[] } & AlarmInput;
  const alarm = (Array.isArray(json.MetricAlarms) ? json.MetricAlarms[0] : json) as AlarmInput | undefined;
  if (!alarm || typeof alarm !== "object")
    throw new ImportParseError(input.name, 1, "expected a PutMetricAlarm JSON object or describe-alarms output");
  if (alarm.Threshold !== undefined && typeof alarm.Threshold !== "number")
    throw new ImportParseError(
      input.name,
      lineWith(input, "Threshold"),
      `Threshold must be a number, got ${JSON.stringify(alarm.Threshold)}`,
    );
  return alarm;
}

function alarmFromCommand(input: ImportInput, plan: ImportPlan): AlarmInput {
  const words = splitCommandLine(input, (line) =>
    plan.unconverted.push({
      value: `${input.name}:${line}`,
      reason: "a quote is not closed; it was taken to end at the end of the line",
    }),
  );
  const options = parseOptions(input, words, /^put-metric-alarm$/, OPTIONS);
  const last = (name: string) => options.get(name)?.values.at(-1);
  const number = (name: string) => {
    const value = last(name);
    if (value === undefined) return undefined;
    if (!/^-?\d+(\.\d+)?$/.test(value))
      throw new ImportParseError(
        input.name,
        options.get(name)?.line ?? 1,
        `--${name} expects a number, got ${JSON.stringify(value)}`,
      );
    return Number(value);
  };
  const dimensionWords = options.get("dimensions")?.values ?? [];
  const dimensions = dimensionWords.flatMap((word) => {
    const match = /^Name=([^,]+),Value=(.*)$/.exec(word);
    return match ? [{ Name: match[1] as string, Value: match[2] as string }] : [];
  });
  const malformed = dimensionWords.filter((word) => !/^Name=[^,]+,Value=/.test(word));
  if (malformed.length > 0)
    plan.unconverted.push({
      value: `--dimensions ${malformed.join(" ")}`,
      reason: "not the AWS CLI's Name=…,Value=… shorthand (the CLI would refuse it); dimensions are replaced anyway",
    });
  for (const flag of ["region", "profile"]) {
    const value = last(flag);
    if (value)
      plan.unconverted.push({ value: `--${flag} ${value}`, reason: "an AWS CLI setting, not part of the alarm" });
  }
  return {
    AlarmName: last("alarm-name"),
    AlarmDescription: last("alarm-description"),
    MetricName: last("metric-name"),
    Namespace: last("namespace"),
    Statistic: last("statistic"),
    Period: number("period"),
    EvaluationPeriods: number("evaluation-periods"),
    DatapointsToAlarm: number("datapoints-to-alarm"),
    Threshold: number("threshold"),
    ComparisonOperator: last("comparison-operator"),
    TreatMissingData: last("treat-missing-data"),
    Unit: last("unit"),
    Dimensions: dimensions,
    AlarmActions: options.get("alarm-actions")?.values,
    OKActions: options.get("ok-actions")?.values,
    InsufficientDataActions: options.get("insufficient-data-actions")?.values,
  };
}

/** `name=cpu/memory[/awsvpc]`, e.g. `small=256/512/awsvpc`. */
export function parseTaskSize(text: string): { name: string; cpu: number; memory: number; awsvpc: boolean } {
  const match = /^([^=]+)=(\d+)\/(\d+)(\/awsvpc)?$/.exec(text);
  if (!match)
    throw new ImportParseError(
      "--task-size",
      1,
      `expected name=cpu/memory[/awsvpc], e.g. small=256/512/awsvpc, got ${JSON.stringify(text)}`,
    );
  return { name: match[1] as string, cpu: Number(match[2]), memory: Number(match[3]), awsvpc: match[4] !== undefined };
}

function lineWith(input: ImportInput, key: string): number {
  const at = input.text.indexOf(`"${key}"`);
  return at < 0 ? 1 : input.text.slice(0, at).split("\n").length;
}
