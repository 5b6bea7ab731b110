import {
  aws_autoscaling as autoscaling,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cloudwatchActions,
  Duration,
} from "aws-cdk-lib";
import type { Construct } from "constructs";

/** CloudWatch extras of the construct; each is created only when asked for. */
export interface CloudWatchOptions {
  /** Namespace the controller publishes capacity to (the spec's `capacity.namespace`). @defaultValue "ECS/Capacity" */
  capacityNamespace?: string;
  /** Namespace the agents publish container stats to (the spec's `stats.namespace`). @defaultValue "ECS/ContainerStats" */
  statsNamespace?: string;
  /** Create a CloudWatch dashboard of the capacity and stats metrics. @defaultValue false */
  dashboard?: boolean;
  /** Create the seed-004 alarm. @defaultValue no alarm */
  capacityAlarm?: CapacityAlarmOptions;
}

/**
 * The seed-004 alarm: capacity under a threshold for `evaluationPeriods` minutes. Either `SchedulableTasks` of one
 * spec task size, or `RemainingENIs` of the cluster.
 */
export type CapacityAlarmOptions = (
  | { metric: "SchedulableTasks" /** A task size name from the spec's `capacity.taskSizes`. */; taskSize: string }
  | { metric: "RemainingENIs" }
) & {
  /** The alarm fires when the minimum over a minute is below this. */
  threshold: number;
  /** Consecutive one-minute periods under the threshold. @defaultValue 3 */
  evaluationPeriods?: number;
  /** When set, the alarm's action is a step scaling policy adding `scaleOutBy` instances to this group. */
  autoScalingGroup?: autoscaling.IAutoScalingGroup;
  /** Instances added per alarm. @defaultValue 1 */
  scaleOutBy?: number;
  /**
   * Time a new instance needs before it counts towards the group's metrics (step scaling has no cooldown; this keeps
   * the next step from firing for capacity that is still registering). @defaultValue 5 minutes
   */
  estimatedInstanceWarmup?: Duration;
  /**
   * What a minute without data counts as. The default follows docs/capacity.md: when the controller stops
   * publishing you want more capacity, not silence (the ASG's maxCapacity bounds it). @defaultValue BREACHING
   */
  treatMissingData?: cloudwatch.TreatMissingData;
};

/** The seed-004 alarm on ecsmon's published capacity, with its optional scale-out policy as the alarm action. */
export function createCapacityAlarm(
  scope: Construct,
  clusterName: string,
  namespace: string,
  options: CapacityAlarmOptions,
): { alarm: cloudwatch.Alarm; scaleOut: autoscaling.StepScalingAction | undefined } {
  const dimensionsMap: Record<string, string> = { ClusterName: clusterName };
  if (options.metric === "SchedulableTasks") dimensionsMap.TaskSize = options.taskSize;
  const metric = new cloudwatch.Metric({
    namespace,
    metricName: options.metric,
    dimensionsMap,
    statistic: cloudwatch.Stats.MINIMUM,
    period: Duration.minutes(1),
  });
  const what = options.metric === "SchedulableTasks" ? `${options.taskSize} tasks that still fit` : "remaining ENIs";
  const alarm = new cloudwatch.Alarm(scope, "CapacityAlarm", {
    metric,
    threshold: options.threshold,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: options.evaluationPeriods ?? 3,
    treatMissingData: options.treatMissingData ?? cloudwatch.TreatMissingData.BREACHING,
    alarmDescription: `ecsmon (seed 004): ${what} in cluster ${clusterName} under ${options.threshold}`,
  });
  if (!options.autoScalingGroup) return { alarm, scaleOut: undefined };
  const scaleOut = new autoscaling.StepScalingAction(scope, "CapacityScaleOut", {
    autoScalingGroup: options.autoScalingGroup,
    adjustmentType: autoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
    estimatedInstanceWarmup: options.estimatedInstanceWarmup ?? Duration.minutes(5),
  });
  // A LessThan alarm breaches below the threshold: the step covers (-inf, 0] of metric minus threshold.
  scaleOut.addAdjustment({ adjustment: options.scaleOutBy ?? 1, upperBound: 0 });
  alarm.addAlarmAction(new cloudwatchActions.AutoScalingAction(scaleOut));
  return { alarm, scaleOut };
}

/** A dashboard of the cluster's capacity (per task size) and container stats, found by search expressions. */
export function createCloudWatchDashboard(
  scope: Construct,
  clusterName: string,
  capacityNamespace: string,
  statsNamespace: string,
): cloudwatch.Dashboard {
  const search = (namespace: string, metric: string, statistic: string) =>
    new cloudwatch.SearchExpression({
      expression: `SEARCH('Namespace="${namespace}" MetricName="${metric}" ClusterName="${clusterName}"', '${statistic}', 60)`,
      label: "",
      period: Duration.minutes(1),
    });
  const graph = (title: string, metrics: cloudwatch.IMetric[], width = 12) =>
    new cloudwatch.GraphWidget({ title, left: metrics, width, height: 6 });
  const capacity = (metric: string) =>
    new cloudwatch.Metric({
      namespace: capacityNamespace,
      metricName: metric,
      dimensionsMap: { ClusterName: clusterName },
      statistic: cloudwatch.Stats.MINIMUM,
      period: Duration.minutes(1),
    });
  return new cloudwatch.Dashboard(scope, "Dashboard", {
    widgets: [
      [
        graph("SchedulableTasks by task size", [search(capacityNamespace, "SchedulableTasks", "Minimum")]),
        graph("Remaining ENIs", [capacity("RemainingENIs")], 4),
        graph("Remaining CPU units", [capacity("RemainingCPU")], 4),
        graph("Remaining memory (MiB)", [capacity("RemainingMemory")], 4),
      ],
      [
        graph("Container CPU utilization (%)", [search(statsNamespace, "CPUUtilization", "Average")]),
        graph("Container memory utilization (%)", [search(statsNamespace, "MemoryUtilization", "Average")]),
      ],
      [
        graph("Network rx bytes/s", [search(statsNamespace, "NetworkRxBytes", "Average")]),
        graph("Network tx bytes/s", [search(statsNamespace, "NetworkTxBytes", "Average")]),
      ],
    ],
  });
}
