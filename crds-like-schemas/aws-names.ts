import { z } from "zod";
import { describeValue } from "./common.js";

/**
 * Names that AWS validates, checked here so that a spec AWS would reject never gets stored:
 * - CloudWatch namespace (API reference, PutMetricData / Metric): 1–255 characters, ASCII without control
 *   characters, at least one non-whitespace character, pattern `[^:].*` (no leading colon), and not starting
 *   with `AWS/` (reserved for AWS services).
 * - CloudWatch dimension value (API reference, Dimension): 1–1024 characters, ASCII without control characters,
 *   at least one non-whitespace character.
 * - ECS cluster name (CreateCluster): up to 255 letters, numbers, hyphens and underscores; or a cluster ARN
 *   `arn:<partition>:ecs:<region>:<account>:cluster/<name>`.
 */

const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;
// Empty strings pass the pattern checks below so that they get only the "must not be empty" message.
const HAS_NON_WHITESPACE = /^$|\S/;

export const CLOUDWATCH_NAMESPACE_MAX = 255;
export const CLOUDWATCH_DIMENSION_VALUE_MAX = 1024;
export const ECS_CLUSTER_NAME_MAX = 255;

/** A CloudWatch custom-metric namespace. */
export const CloudWatchNamespace = z
  .string()
  .min(1, "must not be empty")
  .max(CLOUDWATCH_NAMESPACE_MAX, `must be at most ${CLOUDWATCH_NAMESPACE_MAX} characters (CloudWatch's limit)`)
  .regex(PRINTABLE_ASCII, "CloudWatch namespaces allow only printable ASCII characters")
  .regex(HAS_NON_WHITESPACE, "must contain at least one non-whitespace character")
  .regex(/^(?!:)/, 'must not start with ":" (CloudWatch pattern [^:].*)')
  .regex(/^(?!AWS\/)/, {
    error: (issue) =>
      `namespaces starting with "AWS/" are reserved for AWS services; CloudWatch rejects ${describeValue(issue.input)}. Use your own, e.g. "ECS/ContainerStats"`,
  });

/** The value of a CloudWatch dimension. */
export const CloudWatchDimensionValue = z
  .string()
  .min(1, "must not be empty")
  .max(
    CLOUDWATCH_DIMENSION_VALUE_MAX,
    `must be at most ${CLOUDWATCH_DIMENSION_VALUE_MAX} characters (CloudWatch's dimension value limit)`,
  )
  .regex(PRINTABLE_ASCII, "CloudWatch dimension values allow only printable ASCII characters")
  .regex(HAS_NON_WHITESPACE, "must contain at least one non-whitespace character");

const CLUSTER_NAME = "[A-Za-z0-9_-]{1,255}";
const CLUSTER_ARN = `arn:aws[a-z-]*:ecs:[a-z0-9-]+:\\d{12}:cluster/${CLUSTER_NAME}`;

/** An ECS cluster name or cluster ARN. */
export const EcsClusterRef = z.string().regex(new RegExp(`^(?:${CLUSTER_NAME}|${CLUSTER_ARN})$`), {
  error: (issue) => {
    const input = issue.input;
    const what = describeValue(input);
    if (typeof input === "string" && input.length > ECS_CLUSTER_NAME_MAX && !input.startsWith("arn:")) {
      return `ECS cluster names are at most ${ECS_CLUSTER_NAME_MAX} characters, got ${input.length}`;
    }
    return `expected an ECS cluster name (up to ${ECS_CLUSTER_NAME_MAX} letters, numbers, hyphens and underscores) or a cluster ARN (arn:aws:ecs:<region>:<account>:cluster/<name>), got ${what}`;
  },
});
