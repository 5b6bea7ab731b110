import { z } from "zod";
import { formatDuration, tryParseDuration } from "../lib/duration.js";
import { CloudWatchDimensionValue, CloudWatchNamespace, EcsClusterRef } from "./aws-names.js";
import { Duration, describeValue, RegexSource } from "./common.js";

/**
 * MonitoringSpec, apiVersion ecsmon.dev/v1alpha1: the desired monitoring of one or more ECS clusters.
 * This zod schema is the single source of truth; `crds-like-schemas/generated/*.schema.json` is derived from it,
 * and so is docs/spec-reference.md (from the `.describe()` texts). Every object is strict: unknown fields are
 * rejected. Cross-field rules that JSON Schema cannot express (timeout ≤ interval, period ranges, duplicate
 * clusters) live in spec-semantics.ts and run in parseSpec().
 */

export const API_VERSION = "ecsmon.dev/v1alpha1";

/** Scrape timeout used when none is given, capped at the interval (as Prometheus does). */
export const DEFAULT_SCRAPE_TIMEOUT = "10s";

/** Which ECS services and task families a cluster entry covers. Each list is OR-ed; empty means all. */
export const Selector = z
  .strictObject({
    serviceNames: z
      .array(RegexSource)
      .default([])
      .describe("Regular expressions matched against the ECS service name (standalone tasks have none)."),
    taskFamilies: z
      .array(RegexSource)
      .default([])
      .describe("Regular expressions matched against the task definition family."),
  })
  .describe(
    "Regular expressions on service names and task families. A task is selected when its service name matches any " +
      "serviceNames entry or its family matches any taskFamilies entry; both lists empty selects every task.",
  );

export const ScrapeLabels = z
  .strictObject({
    scrapes: z
      .string()
      .min(1)
      .default("PROMETHEUS_SCRAPES")
      .describe('Docker label holding a comma-separated `port[/path]` list, e.g. "8080/internal/metrics,9106".'),
    labels: z
      .string()
      .min(1)
      .default("PROMETHEUS_LABELS")
      .describe(
        "Docker label holding comma-separated `key=value` labels, including `__scheme__` and `__metrics_path__`.",
      ),
    portPath: z
      .string()
      .min(1)
      .optional()
      .describe("Seed 002's single `port/path` docker label, read when the scrapes label is absent. Off when unset."),
  })
  .describe("Names of the docker labels read from each container definition.");

export const ScrapeConfig = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Discover and scrape targets in this cluster."),
    labels: ScrapeLabels.default({ scrapes: "PROMETHEUS_SCRAPES", labels: "PROMETHEUS_LABELS" }),
    interval: Duration.default("15s").describe("How often each target is scraped (at least 1s)."),
    timeout: Duration.optional().describe(
      `Per-target timeout; must not exceed the interval. Default ${DEFAULT_SCRAPE_TIMEOUT}, or the interval when shorter.`,
    ),
    scheme: z
      .enum(["http", "https"])
      .default("http")
      .describe("Scheme used unless a target's `__scheme__` label overrides it."),
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .max(1_073_741_824)
      .default(10_485_760)
      .describe("Maximum decompressed body size in bytes; larger bodies fail the scrape (10 MiB by default)."),
  })
  .transform((scrape) => ({ ...scrape, timeout: scrape.timeout ?? defaultTimeout(scrape.interval) }))
  .describe("Scraping of containers that carry the scrape docker label.");

function defaultTimeout(interval: string): string {
  const intervalMs = tryParseDuration(interval);
  const fallbackMs = tryParseDuration(DEFAULT_SCRAPE_TIMEOUT) as number;
  return intervalMs !== undefined && intervalMs > 0 && intervalMs < fallbackMs
    ? formatDuration(intervalMs)
    : DEFAULT_SCRAPE_TIMEOUT;
}

export const CloudMapConfig = z
  .strictObject({
    namespaces: z
      .array(z.string().min(1))
      .default([])
      .describe("Cloud Map namespace names whose registered instances become scrape targets."),
    period: Duration.default("30s").describe(
      "How often the namespaces' services and instances are re-listed (at least 1s); each re-list costs " +
        "ListNamespaces plus ListServices, ListTagsForResource and ListInstances per service.",
    ),
  })
  .describe("AWS Cloud Map discovery (seed 001).");

export const STATS_METRICS = [
  "CPUUtilization",
  "MemoryUtilization",
  "NetworkRxBytes",
  "NetworkTxBytes",
  "BlockIoReadBytes",
  "BlockIoWriteBytes",
] as const;
export const STATS_DIMENSIONS = [
  "ClusterName",
  "ServiceName",
  "TaskDefinitionFamily",
  "TaskId",
  "ContainerName",
] as const;

export const StatsConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Publish container stats to CloudWatch."),
    namespace: CloudWatchNamespace.default("ECS/ContainerStats").describe(
      'CloudWatch namespace of the metrics: 1–255 printable ASCII characters, not starting with "AWS/" or ":".',
    ),
    period: Duration.default("10s").describe(
      "Sampling period, 1s to 60s; under 60s the metrics are published with StorageResolution=1 (high resolution).",
    ),
    containers: z
      .array(RegexSource)
      .default([])
      .describe("Regular expressions on container names; empty means every container."),
    metrics: z
      .array(z.enum(STATS_METRICS))
      .min(1)
      .default(["CPUUtilization", "MemoryUtilization"])
      .describe("Metrics to publish."),
    dimensions: z
      .array(z.enum(STATS_DIMENSIONS))
      .default(["ClusterName", "ServiceName", "ContainerName"])
      .describe("Dimensions attached to every datum."),
    cpuMode: z
      .enum(["reserved", "percentOfHost"])
      .default("reserved")
      .describe(
        '"reserved": percent of the CPU reserved for the container (or its task); "percentOfHost": percent of the ' +
          "host's CPUs, as seed 000 reports it.",
      ),
  })
  .describe("Task stats pushed to high-resolution CloudWatch custom metrics (seed 000).");

export const TaskSize = z
  .strictObject({
    name: CloudWatchDimensionValue.describe(
      'Value of the TaskSize dimension, e.g. "small": 1–1024 printable ASCII characters (a CloudWatch dimension value).',
    ),
    cpu: z.number().int().positive().describe("ECS CPU units (1024 = 1 vCPU)."),
    memory: z.number().int().positive().describe("Memory in MiB."),
    awsvpc: z.boolean().default(false).describe("Whether the task uses awsvpc networking and so needs an ENI."),
  })
  .describe("A task shape whose schedulable count is published (how many more such tasks fit).");

export const CapacityConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Publish remaining ENI, CPU and memory capacity to CloudWatch."),
    namespace: CloudWatchNamespace.default("ECS/Capacity").describe(
      'CloudWatch namespace of the metrics: 1–255 printable ASCII characters, not starting with "AWS/" or ":".',
    ),
    period: Duration.default("60s").describe("Publishing period (at least 1s)."),
    taskSizes: z.array(TaskSize).default([]).describe("Task shapes to count schedulable slots for."),
    trunking: z
      .boolean()
      .default(false)
      .describe(
        "The account has awsvpcTrunking on: nodes of a trunk-capable type without a trunk are flagged (trunkMissing). Trunk limits follow each instance's ecs.awsvpc-trunk-id attribute.",
      ),
  })
  .describe("Cluster capacity for ASG alarms: remaining ENIs, CPU and memory (seed 004).");

export const ServiceMetricsConfig = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Publish ecs_service_{desired,running,pending}_tasks."),
    period: Duration.default("60s").describe("How often services are described (at least 1s)."),
  })
  .describe("ECS service task-count gauges (seed 003).");

export const EventsConfig = z
  .strictObject({
    queueUrl: z.string().url().describe("SQS queue receiving the EventBridge rule for aws.ecs events of this cluster."),
    resyncPeriod: Duration.default("5m").describe("Full ListTasks resync period while events flow (at least 10s)."),
  })
  .describe("ECS events through EventBridge → SQS; without it the cluster is polled.");

export const ClusterSpec = z
  .strictObject({
    name: EcsClusterRef.describe("Cluster name (up to 255 letters, numbers, hyphens and underscores) or cluster ARN."),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, {
        error: (issue) => `expected an AWS region such as eu-west-1, got ${describeValue(issue.input)}`,
      })
      .optional()
      .describe("AWS region of the cluster; defaults to the controller's region."),
    selector: Selector.default({ serviceNames: [], taskFamilies: [] }),
    scrape: ScrapeConfig.default(() => ScrapeConfig.parse({})),
    cloudMap: CloudMapConfig.default({ namespaces: [], period: "30s" }),
    stats: StatsConfig.default(() => StatsConfig.parse({})),
    capacity: CapacityConfig.default(() => CapacityConfig.parse({})),
    serviceMetrics: ServiceMetricsConfig.default({ enabled: true, period: "60s" }),
    events: EventsConfig.optional(),
  })
  .describe("One ECS cluster to monitor.");

export const OutputsSpec = z
  .strictObject({
    fileSd: z
      .strictObject({ path: z.string().min(1).describe("File to write; replaced atomically, only when it changes.") })
      .optional()
      .describe("Prometheus file_sd YAML output. Off when unset."),
    httpSd: z
      .strictObject({ enabled: z.boolean().default(true).describe("Serve /sd/prometheus.") })
      .default({ enabled: true })
      .describe("Prometheus http_sd at /sd/prometheus on the status API."),
  })
  .describe("Where discovered targets are published.");

export const MonitoringSpec = z
  .strictObject({
    apiVersion: z
      .literal(API_VERSION, { error: (issue) => literalMessage(API_VERSION, issue.input) })
      .describe(`Always "${API_VERSION}".`),
    kind: z
      .literal("MonitoringSpec", { error: (issue) => literalMessage("MonitoringSpec", issue.input) })
      .describe('Always "MonitoringSpec".'),
    metadata: z
      .strictObject({ name: z.string().min(1).default("default").describe("Name of this spec, shown in status.") })
      .default({ name: "default" })
      .describe("Identifies this spec."),
    spec: z
      .strictObject({
        clusters: z.array(ClusterSpec).min(1, "at least one cluster is required").describe("The clusters to monitor."),
        outputs: OutputsSpec.default({ httpSd: { enabled: true } }),
      })
      .describe("The desired monitoring."),
  })
  .describe("ecsmon MonitoringSpec: the desired monitoring of ECS clusters, stored in SSM Parameter Store.");

function literalMessage(expected: string, input: unknown): string {
  if (input === undefined) return `required field is missing; expected "${expected}"`;
  return `expected "${expected}", got ${describeValue(input)}`;
}

/** A validated spec with every default applied. */
export type MonitoringSpec = z.infer<typeof MonitoringSpec>;
/** A spec as written by a user: defaults not yet applied. */
export type MonitoringSpecInput = z.input<typeof MonitoringSpec>;
export type ClusterSpec = z.infer<typeof ClusterSpec>;
export type ScrapeConfig = z.infer<typeof ScrapeConfig>;
export type StatsConfig = z.infer<typeof StatsConfig>;
export type CapacityConfig = z.infer<typeof CapacityConfig>;
export type TaskSize = z.infer<typeof TaskSize>;
export type StatsMetric = (typeof STATS_METRICS)[number];
export type StatsDimension = (typeof STATS_DIMENSIONS)[number];
