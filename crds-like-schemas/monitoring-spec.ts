import { z } from "zod";
import { Duration, RegexSource } from "./common.js";

/**
 * MonitoringSpec, apiVersion ecsmon.dev/v1alpha1: the desired monitoring of one or more ECS clusters.
 * This zod schema is the single source of truth; `crds-like-schemas/generated/*.schema.json` is derived from it.
 * Every object is strict: unknown fields are rejected.
 */

export const API_VERSION = "ecsmon.dev/v1alpha1";

/** Which ECS services and task families a cluster entry covers. Each list is OR-ed; empty means all. */
export const Selector = z
  .strictObject({
    /** Regular expressions matched against the ECS service name (standalone tasks have none). */
    serviceNames: z.array(RegexSource).default([]),
    /** Regular expressions matched against the task definition family. */
    taskFamilies: z.array(RegexSource).default([]),
  })
  .describe("Regular expressions on service names and task families; an empty list matches everything.");

export const ScrapeConfig = z.strictObject({
  enabled: z.boolean().default(true),
  /** Docker label names read from each container definition. */
  labels: z
    .strictObject({
      /** `port[/path]` list, comma-separated: "8080/internal/metrics,9106". @defaultValue "PROMETHEUS_SCRAPES" */
      scrapes: z.string().min(1).default("PROMETHEUS_SCRAPES"),
      /** `key=value` list, comma-separated, including `__scheme__` and `__metrics_path__`. @defaultValue "PROMETHEUS_LABELS" */
      labels: z.string().min(1).default("PROMETHEUS_LABELS"),
      /** Seed 002's single `port/path` label name, read when the scrapes label is absent. Off when unset. */
      portPath: z.string().min(1).optional(),
    })
    .default({ scrapes: "PROMETHEUS_SCRAPES", labels: "PROMETHEUS_LABELS" }),
  /** @defaultValue "15s" */
  interval: Duration.default("15s"),
  /** Per-target timeout; must not exceed the interval. @defaultValue "10s" */
  timeout: Duration.default("10s"),
  /** Scheme used unless a target's `__scheme__` label overrides it. @defaultValue "http" */
  scheme: z.enum(["http", "https"]).default("http"),
  /** Maximum decompressed body size in bytes; larger bodies fail the scrape. @defaultValue 10485760 (10 MiB) */
  maxBodyBytes: z.number().int().positive().max(1_073_741_824).default(10_485_760),
});

export const CloudMapConfig = z.strictObject({
  /** Cloud Map namespace names whose registered instances become targets. */
  namespaces: z.array(z.string().min(1)).default([]),
});

export const STATS_METRICS = [
  "CPUUtilization",
  "MemoryUtilization",
  "NetworkRxBytes",
  "NetworkTxBytes",
  "BlockIoReadBytes",
  "BlockIoWriteBytes",
] as const;
export const STATS_DIMENSIONS = ["ClusterName", "ServiceName", "TaskDefinitionFamily", "TaskId", "ContainerName"] as const;

export const StatsConfig = z.strictObject({
  enabled: z.boolean().default(false),
  /** CloudWatch namespace. @defaultValue "ECS/ContainerStats" */
  namespace: z.string().min(1).max(255).default("ECS/ContainerStats"),
  /** Sampling period, 1s to 60s; under 60s publishes with StorageResolution=1. @defaultValue "10s" */
  period: Duration.default("10s"),
  /** Regular expressions on container names; empty means every container. */
  containers: z.array(RegexSource).default([]),
  /** @defaultValue ["CPUUtilization", "MemoryUtilization"] */
  metrics: z.array(z.enum(STATS_METRICS)).min(1).default(["CPUUtilization", "MemoryUtilization"]),
  /** Dimensions attached to every datum. @defaultValue ["ClusterName", "ServiceName", "ContainerName"] */
  dimensions: z.array(z.enum(STATS_DIMENSIONS)).default(["ClusterName", "ServiceName", "ContainerName"]),
  /** "reserved": percent of the CPU reserved for the container (or task); "percentOfHost": seed 000's meaning. */
  cpuMode: z.enum(["reserved", "percentOfHost"]).default("reserved"),
});

export const TaskSize = z.strictObject({
  /** Value of the TaskSize dimension, e.g. "small". */
  name: z.string().min(1).max(255),
  /** ECS CPU units (1024 = 1 vCPU). */
  cpu: z.number().int().positive(),
  /** MiB. */
  memory: z.number().int().positive(),
  /** Whether the task uses awsvpc networking and therefore needs an ENI slot. @defaultValue false */
  awsvpc: z.boolean().default(false),
});

export const CapacityConfig = z.strictObject({
  enabled: z.boolean().default(false),
  /** @defaultValue "ECS/Capacity" */
  namespace: z.string().min(1).max(255).default("ECS/Capacity"),
  /** @defaultValue "60s" */
  period: Duration.default("60s"),
  taskSizes: z.array(TaskSize).default([]),
  /** Count awsvpc ENIs against the trunk limits of each instance type (awsvpcTrunking on). @defaultValue false */
  trunking: z.boolean().default(false),
});

export const ServiceMetricsConfig = z.strictObject({
  /** Publish ecs_service_{desired,running,pending}_tasks. @defaultValue true */
  enabled: z.boolean().default(true),
  /** @defaultValue "60s" */
  period: Duration.default("60s"),
});

export const EventsConfig = z.strictObject({
  /** SQS queue receiving the EventBridge rule for aws.ecs events of this cluster. */
  queueUrl: z.string().url(),
  /** Full ListTasks resync period while events flow. @defaultValue "5m" */
  resyncPeriod: Duration.default("5m"),
});

export const ClusterSpec = z.strictObject({
  /** Cluster name or ARN. */
  name: z.string().min(1),
  /** AWS region of the cluster; defaults to the controller's region. */
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "expected an AWS region such as eu-west-1").optional(),
  selector: Selector.default({ serviceNames: [], taskFamilies: [] }),
  scrape: ScrapeConfig.default(() => ScrapeConfig.parse({})),
  cloudMap: CloudMapConfig.default({ namespaces: [] }),
  stats: StatsConfig.default(() => StatsConfig.parse({})),
  capacity: CapacityConfig.default(() => CapacityConfig.parse({})),
  serviceMetrics: ServiceMetricsConfig.default({ enabled: true, period: "60s" }),
  events: EventsConfig.optional(),
});

export const OutputsSpec = z.strictObject({
  /** Prometheus file_sd YAML, written atomically, only when it changes. */
  fileSd: z.strictObject({ path: z.string().min(1) }).optional(),
  /** Prometheus http_sd at /sd/prometheus on the status API. @defaultValue { enabled: true } */
  httpSd: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
});

export const MonitoringSpec = z.strictObject({
  apiVersion: z.literal(API_VERSION, { error: () => `expected "${API_VERSION}"` }),
  kind: z.literal("MonitoringSpec", { error: () => `expected "MonitoringSpec"` }),
  metadata: z.strictObject({ name: z.string().min(1).default("default") }).default({ name: "default" }),
  spec: z.strictObject({
    clusters: z.array(ClusterSpec).min(1, "at least one cluster is required"),
    outputs: OutputsSpec.default({ httpSd: { enabled: true } }),
  }),
});

/** A validated spec with every default applied. */
export type MonitoringSpec = z.infer<typeof MonitoringSpec>;
export type ClusterSpec = z.infer<typeof ClusterSpec>;
export type ScrapeConfig = z.infer<typeof ScrapeConfig>;
export type StatsConfig = z.infer<typeof StatsConfig>;
export type CapacityConfig = z.infer<typeof CapacityConfig>;
export type TaskSize = z.infer<typeof TaskSize>;
export type StatsMetric = (typeof STATS_METRICS)[number];
export type StatsDimension = (typeof STATS_DIMENSIONS)[number];
