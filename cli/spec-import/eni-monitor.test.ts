import { describe, expect, it } from "vitest";
import { importEniMonitor } from "./eni-monitor.js";
import { ImportParseError } from "./import-plan.js";
import { buildValid, seedBlock } from "./spec-import.test-helpers.js";

/** Seed 004's README example, verbatim: `> ` prompts, `eni's` in a word, and an unclosed quote. */
const readmeCommand = () => seedBlock("004-eni-monitor", "put-metric-alarm");

describe("spec import --from eni-monitor (seed 004)", () => {
  it("the README's put-metric-alarm: capacity on, the alarm on RemainingENIs with threshold, period and actions carried", () => {
    const plan = importEniMonitor({ name: "alarm.sh", text: readmeCommand() }, { cluster: "prod" });
    const { spec } = buildValid(plan, { cluster: "prod" });
    expect(spec.spec.clusters[0]?.capacity).toMatchObject({ enabled: true, namespace: "ECS/Capacity" });
    const alarm = JSON.parse(plan.companions[0]?.text ?? "{}");
    expect(alarm).toEqual({
      AlarmName: "ecs-eni-monitoring",
      AlarmDescription: "Alarm when ENI's on cluster only have 2 slots available in the pool",
      Namespace: "ECS/Capacity",
      MetricName: "RemainingENIs",
      Dimensions: [{ Name: "ClusterName", Value: "prod" }],
      Statistic: "Average",
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 2,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Unit: "Count",
      AlarmActions: [
        "arn:aws:autoscaling:ca-central-1:<account#>:scalingPolicy:<id of the policy>:autoScalingGroupName/<Name>:policyName/<Name>",
      ],
    });
    expect(plan.unconverted.map((u) => u.value)).toEqual([
      "alarm.sh:14",
      "--dimensions ecs-autoscaling = ecs-autoscaling",
      "--namespace AWS/EC2",
      "dimension ecs-autoscaling=ecs-autoscaling",
      "--unit count",
      "--comparison-operator GreaterThanOrEqualToThreshold",
      alarm.AlarmActions[0],
    ]);
    expect(plan.unconverted[0]?.reason).toContain("quote is not closed");
  });

  it("--task-size turns it into SchedulableTasks of that size, with the size in the spec", () => {
    const plan = importEniMonitor(
      { name: "alarm.sh", text: readmeCommand() },
      { cluster: "prod", taskSize: "small=256/512/awsvpc" },
    );
    const { spec } = buildValid(plan, { cluster: "prod" });
    expect(spec.spec.clusters[0]?.capacity.taskSizes).toEqual([{ name: "small", cpu: 256, memory: 512, awsvpc: true }]);
    const alarm = JSON.parse(plan.companions[0]?.text ?? "{}");
    expect(alarm).toMatchObject({
      MetricName: "SchedulableTasks",
      Dimensions: [
        { Name: "ClusterName", Value: "prod" },
        { Name: "TaskSize", Value: "small" },
      ],
      Threshold: 2,
      Unit: "Count",
    });
  });

  it("the alarm's JSON (describe-alarms output) gives the same alarm", () => {
    const json = JSON.stringify({
      MetricAlarms: [
        {
          AlarmName: "eni-low",
          MetricName: "ecs-remaining-eni's",
          Namespace: "AWS/EC2",
          Statistic: "Minimum",
          Period: 60,
          EvaluationPeriods: 2,
          Threshold: 3,
          ComparisonOperator: "LessThanOrEqualToThreshold",
          AlarmActions: ["arn:aws:autoscaling:eu-west-1:111:scalingPolicy:x"],
        },
      ],
    });
    const plan = importEniMonitor({ name: "alarm.json", text: json }, { cluster: "prod" });
    buildValid(plan, { cluster: "prod" });
    expect(JSON.parse(plan.companions[0]?.text ?? "{}")).toMatchObject({
      MetricName: "RemainingENIs",
      Statistic: "Minimum",
      Period: 60,
      EvaluationPeriods: 2,
      Threshold: 3,
      ComparisonOperator: "LessThanOrEqualToThreshold",
    });
  });

  it.each([
    [
      "a threshold that is not a number",
      "aws cloudwatch put-metric-alarm \\\n --metric-name eni \\\n --threshold two",
      3,
      "--threshold expects a number",
    ],
    [
      "an option put-metric-alarm does not have",
      "aws cloudwatch put-metric-alarm --metric-name eni --threshhold 2",
      1,
      "unknown option --threshhold",
    ],
    ["JSON with a trailing comma", '{\n  "Threshold": 2,\n}', 2, "invalid JSON"],
  ])("%s: exit 1 naming the line", (_name, text, line, message) => {
    let error: ImportParseError | undefined;
    try {
      importEniMonitor({ name: "in", text });
    } catch (e) {
      error = e as ImportParseError;
    }
    expect(error).toBeInstanceOf(ImportParseError);
    expect(error?.line).toBe(line);
    expect(error?.message).toContain(message);
  });
});
