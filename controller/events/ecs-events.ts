import { z } from "zod";

/**
 * EventBridge `aws.ecs` events as delivered to SQS by a rule target (the message body is the event JSON).
 * Only the fields ecsmon reads are validated; everything else passes through, since ECS adds fields over time.
 * The `detail` of a task event has the same shape as a DescribeTasks task; of a container-instance event,
 * the same shape as a DescribeContainerInstances instance.
 */

const KeyValue = z.looseObject({ name: z.string().optional(), value: z.string().optional() });

export const TaskStateChangeDetail = z.looseObject({
  taskArn: z.string().min(1),
  clusterArn: z.string().min(1),
  taskDefinitionArn: z.string().min(1),
  lastStatus: z.string().min(1),
  desiredStatus: z.string().optional(),
  version: z.number().int().nonnegative(),
  group: z.string().optional(),
  launchType: z.string().optional(),
  containerInstanceArn: z.string().optional(),
  availabilityZone: z.string().optional(),
  cpu: z.string().optional(),
  memory: z.string().optional(),
  attachments: z
    .array(z.looseObject({ type: z.string().optional(), details: z.array(KeyValue).optional() }))
    .optional(),
  containers: z
    .array(
      z.looseObject({
        name: z.string(),
        containerArn: z.string().optional(),
        runtimeId: z.string().optional(),
        image: z.string().optional(),
        lastStatus: z.string().optional(),
        networkBindings: z
          .array(
            z.looseObject({
              containerPort: z.number().int().optional(),
              hostPort: z.number().int().optional(),
              protocol: z.string().optional(),
              bindIP: z.string().optional(),
            }),
          )
          .optional(),
        networkInterfaces: z.array(z.looseObject({ privateIpv4Address: z.string().optional() })).optional(),
      }),
    )
    .default([]),
});
export type TaskStateChangeDetail = z.infer<typeof TaskStateChangeDetail>;

const Resource = z.looseObject({ name: z.string().optional(), integerValue: z.number().optional() });

export const ContainerInstanceStateChangeDetail = z.looseObject({
  containerInstanceArn: z.string().min(1),
  clusterArn: z.string().min(1),
  ec2InstanceId: z.string().optional(),
  status: z.string().optional(),
  agentConnected: z.boolean().optional(),
  version: z.number().int().nonnegative().optional(),
  runningTasksCount: z.number().int().optional(),
  registeredResources: z.array(Resource).optional(),
  remainingResources: z.array(Resource).optional(),
  attributes: z.array(KeyValue).optional(),
});
export type ContainerInstanceStateChangeDetail = z.infer<typeof ContainerInstanceStateChangeDetail>;

export const ServiceActionDetail = z.looseObject({
  eventType: z.string().optional(),
  eventName: z.string().optional(),
  clusterArn: z.string().optional(),
});

const Envelope = z.looseObject({
  id: z.string().optional(),
  "detail-type": z.string(),
  source: z.literal("aws.ecs"),
  time: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.unknown(),
});

export type EcsEvent =
  | { type: "task"; id?: string | undefined; detail: TaskStateChangeDetail }
  | { type: "containerInstance"; id?: string | undefined; detail: ContainerInstanceStateChangeDetail }
  | { type: "service"; id?: string | undefined; serviceArns: string[]; clusterArn?: string | undefined }
  /** A valid aws.ecs event of a type ecsmon does not use (e.g. "ECS Deployment State Change"). */
  | { type: "other"; id?: string | undefined; detailType: string };

export type ParseResult = { ok: true; event: EcsEvent } | { ok: false; error: string };

/** Parses one SQS message body. Never throws; errors name the failing field. */
export function parseEcsEvent(body: string | undefined): ParseResult {
  if (body === undefined || body === "") return { ok: false, error: "empty message body" };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return { ok: false, error: `message body is not JSON: ${(error as Error).message}` };
  }
  const envelope = Envelope.safeParse(json);
  if (!envelope.success) return { ok: false, error: `not an aws.ecs event: ${describe(envelope.error)}` };
  const { id, detail } = envelope.data;
  const detailType = envelope.data["detail-type"];
  switch (detailType) {
    case "ECS Task State Change": {
      const parsed = TaskStateChangeDetail.safeParse(detail);
      if (!parsed.success) return { ok: false, error: `${detailType}: ${describe(parsed.error)}` };
      return { ok: true, event: { type: "task", id, detail: parsed.data } };
    }
    case "ECS Container Instance State Change": {
      const parsed = ContainerInstanceStateChangeDetail.safeParse(detail);
      if (!parsed.success) return { ok: false, error: `${detailType}: ${describe(parsed.error)}` };
      return { ok: true, event: { type: "containerInstance", id, detail: parsed.data } };
    }
    case "ECS Service Action": {
      const parsed = ServiceActionDetail.safeParse(detail ?? {});
      if (!parsed.success) return { ok: false, error: `${detailType}: ${describe(parsed.error)}` };
      return {
        ok: true,
        event: { type: "service", id, serviceArns: envelope.data.resources ?? [], clusterArn: parsed.data.clusterArn },
      };
    }
    default:
      return { ok: true, event: { type: "other", id, detailType } };
  }
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
    .join("; ");
}
