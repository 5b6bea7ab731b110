import { z } from "zod";

/**
 * The scenario file (YAML): a declarative simulated cluster. Lists accept `repeat: N` on an item, which
 * expands it N times with `${i}` (0-based) substituted in every string; `${i % 20}`, `${i / 5}` (floor),
 * `${i + 1}` and `${i * 3}` are also understood. That keeps large scenarios (large.yaml) compact.
 */

const repeat = z.number().int().min(1).max(100_000).optional();
const cpuOrMemory = z.union([z.number().int().min(0), z.string().regex(/^\d+$/).transform(Number)]);

export const WorkloadFailureSchema = z.enum(["none", "slow", "http500", "garbage", "oversized", "refused"]);

const PortMappingSchema = z.union([
  z
    .number()
    .int()
    .min(1)
    .max(65535)
    .transform((containerPort) => ({ containerPort, hostPort: undefined, protocol: "tcp" as const })),
  z
    .object({
      containerPort: z.number().int().min(1).max(65535),
      /** Omitted or 0 in bridge mode: a dynamic host port from the ephemeral range. */
      hostPort: z.number().int().min(0).max(65535).optional(),
      protocol: z.enum(["tcp", "udp"]).default("tcp"),
    })
    .strict(),
]);

export const ContainerSchema = z
  .object({
    name: z.string().min(1),
    image: z.string().min(1).default("public.ecr.aws/ecsmon/sim-workload:latest"),
    cpu: z.number().int().min(0).optional(),
    memory: z.number().int().min(4).optional(),
    memoryReservation: z.number().int().min(4).optional(),
    essential: z.boolean().default(true),
    portMappings: z.array(PortMappingSchema).default([]),
    dockerLabels: z.record(z.string(), z.string()).default({}),
    environment: z.record(z.string(), z.string()).default({}),
    /** How the container's simulated /metrics endpoint misbehaves. */
    failure: WorkloadFailureSchema.default("none"),
    /** Series served by the simulated /metrics endpoint. */
    series: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();

export const TaskDefinitionSchema = z
  .object({
    family: z.string().min(1),
    networkMode: z.enum(["bridge", "host", "awsvpc", "none"]).optional(),
    requiresCompatibilities: z.array(z.enum(["EC2", "FARGATE"])).optional(),
    cpu: cpuOrMemory.optional(),
    memory: cpuOrMemory.optional(),
    containers: z.array(ContainerSchema).min(1),
    repeat,
  })
  .strict();

export const InstanceGroupSchema = z
  .object({
    type: z.string().min(1),
    count: z.number().int().min(1).max(10_000).default(1),
    cluster: z.string().optional(),
    /** Docker stats shape the node serves; alternates v2/v1 when omitted. */
    cgroup: z.enum(["v1", "v2"]).optional(),
    trunking: z.boolean().optional(),
    attributes: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export const ServiceSchema = z
  .object({
    name: z.string().min(1),
    taskDefinition: z.string().min(1),
    desiredCount: z.number().int().min(0).default(1),
    launchType: z.enum(["EC2", "FARGATE"]).optional(),
    schedulingStrategy: z.enum(["REPLICA", "DAEMON"]).default("REPLICA"),
    cluster: z.string().optional(),
    repeat,
  })
  .strict();

export const StandaloneTaskSchema = z
  .object({
    taskDefinition: z.string().min(1),
    count: z.number().int().min(1).max(100_000).default(1),
    launchType: z.enum(["EC2", "FARGATE"]).optional(),
    group: z.string().optional(),
    startedBy: z.string().optional(),
    cluster: z.string().optional(),
    repeat,
  })
  .strict();

export const CloudMapServiceSchema = z
  .object({
    name: z.string().min(1),
    tags: z.record(z.string(), z.string()).default({}),
    /** Explicit registrations (attributes such as AWS_INSTANCE_IPV4, AWS_INSTANCE_PORT, METRICS_PATH). */
    instances: z
      .array(z.object({ id: z.string().min(1), attributes: z.record(z.string(), z.string()) }).strict())
      .default([]),
    /** Register every running task of this ECS service, as ECS service discovery does. */
    fromService: z
      .object({
        service: z.string().min(1),
        cluster: z.string().optional(),
        /** Container port to register; defaults to the first port mapping. */
        port: z.number().int().min(1).max(65535).optional(),
        attributes: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .optional(),
  })
  .strict();

export const CloudMapNamespaceSchema = z
  .object({
    name: z.string().min(1),
    type: z.enum(["HTTP", "DNS_PRIVATE"]).default("HTTP"),
    services: z.array(CloudMapServiceSchema).default([]),
  })
  .strict();

export const ChurnSchema = z
  .object({
    /** Standalone tasks started per minute (from `taskDefinitions`, round-robin). */
    startsPerMinute: z.number().min(0).max(60_000).default(0),
    /** Running standalone tasks stopped per minute (chosen with the seeded RNG). */
    stopsPerMinute: z.number().min(0).max(60_000).default(0),
    taskDefinitions: z.array(z.string().min(1)).min(1),
    cluster: z.string().optional(),
  })
  .strict();

export const ScenarioSchema = z
  .object({
    name: z.string().default("scenario"),
    description: z.string().optional(),
    seed: z.number().int().default(1),
    region: z.string().default("us-east-1"),
    /** The cluster every item belongs to unless it names another. */
    cluster: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/)
      .default("default"),
    /** Extra (empty) clusters. */
    clusters: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,255}$/)).default([]),
    /** The awsvpcTrunking account setting for every instance. */
    trunking: z.boolean().default(false),
    /** Whether startSim starts node surfaces and workloads unless told otherwise (false for large.yaml). */
    nodeSurfaces: z.boolean().optional(),
    /** Lifecycle step delay after loading (loading itself is instantaneous). */
    transitionDelayMs: z
      .union([z.number().int().min(0), z.tuple([z.number().int().min(0), z.number().int().min(0)])])
      .optional(),
    instances: z.array(InstanceGroupSchema).default([]),
    taskDefinitions: z.array(TaskDefinitionSchema).default([]),
    services: z.array(ServiceSchema).default([]),
    tasks: z.array(StandaloneTaskSchema).default([]),
    cloudMap: z
      .object({ namespaces: z.array(CloudMapNamespaceSchema).default([]) })
      .strict()
      .optional(),
    churn: ChurnSchema.optional(),
  })
  .strict();

/** A parsed scenario (before `repeat` expansion). */
export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type ScenarioTaskDefinition = z.infer<typeof TaskDefinitionSchema>;
export type ScenarioContainer = z.infer<typeof ContainerSchema>;
