import { arnId } from "../../lib/arn.js";
import type {
  ObservedContainer,
  ObservedContainerDefinition,
  ObservedInstance,
  ObservedTask,
  ObservedTaskDefinition,
  ResourceTags,
} from "../model.js";
import { type TagLike, toResourceTags } from "./resource-tags.js";
import { StringPool } from "./string-pool.js";

/**
 * Mapping from ECS shapes to the observer's model. The input types are structural (camelCase field names as
 * in the ECS API) so that the same functions read SDK responses and EventBridge `detail` payloads, whose
 * fields are the same but whose timestamps are strings.
 */

interface KeyValue {
  name?: string | undefined;
  value?: string | undefined;
}

export interface TaskLike {
  taskArn?: string | undefined;
  taskDefinitionArn?: string | undefined;
  group?: string | undefined;
  launchType?: string | undefined;
  lastStatus?: string | undefined;
  desiredStatus?: string | undefined;
  version?: number | undefined;
  containerInstanceArn?: string | undefined;
  availabilityZone?: string | undefined;
  cpu?: string | undefined;
  memory?: string | undefined;
  healthStatus?: string | undefined;
  platformFamily?: string | undefined;
  platformVersion?: string | undefined;
  /** Present only when DescribeTasks was asked for `include: ["TAGS"]` (never in EventBridge events). */
  tags?: TagLike[] | undefined;
  attachments?: { type?: string | undefined; details?: KeyValue[] | undefined }[] | undefined;
  containers?:
    | {
        name?: string | undefined;
        containerArn?: string | undefined;
        runtimeId?: string | undefined;
        image?: string | undefined;
        lastStatus?: string | undefined;
        networkBindings?:
          | {
              containerPort?: number | undefined;
              hostPort?: number | undefined;
              protocol?: string | undefined;
              bindIP?: string | undefined;
            }[]
          | undefined;
        networkInterfaces?: { privateIpv4Address?: string | undefined }[] | undefined;
      }[]
    | undefined;
}

/** Repeated values of observed tasks, shared across tasks and cycles. */
const shared = new StringPool();

function toNumber(value: string | number | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Returns undefined when the task lacks an ARN or a task definition ARN (nothing can be done with it).
 * `tagsIncluded`: the task comes from DescribeTasks with `include: ["TAGS"]`, so a missing `tags` member means
 * "no tags" rather than "not read" (an event detail).
 */
export function toObservedTask(task: TaskLike, options: { tagsIncluded?: boolean } = {}): ObservedTask | undefined {
  if (!task.taskArn || !task.taskDefinitionArn) return undefined;
  const group = task.group;
  const serviceName = group?.startsWith("service:") ? group.slice("service:".length) : undefined;
  const eni = task.attachments?.find((a) => a.type === "ElasticNetworkInterface" || a.type === "eni");
  const eniPrivateIp = eni?.details?.find((d) => d.name === "privateIPv4Address")?.value;
  const eniSubnetId = eni?.details?.find((d) => d.name === "subnetId")?.value;
  const containers: ObservedContainer[] = (task.containers ?? [])
    .filter((c) => typeof c.name === "string")
    .map((c) => ({
      name: shared.get(c.name as string),
      containerArn: c.containerArn,
      runtimeId: c.runtimeId,
      image: shared.get(c.image),
      lastStatus: shared.get(c.lastStatus),
      networkBindings: (c.networkBindings ?? [])
        .filter((b) => typeof b.containerPort === "number" && typeof b.hostPort === "number")
        .map((b) => ({
          containerPort: b.containerPort as number,
          hostPort: b.hostPort as number,
          protocol: shared.get(b.protocol),
          bindIP: shared.get(b.bindIP),
        })),
      privateIpv4Address: c.networkInterfaces?.find((n) => n.privateIpv4Address)?.privateIpv4Address,
    }));
  return {
    taskArn: task.taskArn,
    taskId: arnId(task.taskArn),
    taskDefinitionArn: shared.get(task.taskDefinitionArn),
    group: shared.get(group),
    serviceName: shared.get(serviceName),
    launchType: shared.get(task.launchType),
    lastStatus: shared.get(task.lastStatus ?? "UNKNOWN"),
    desiredStatus: shared.get(task.desiredStatus),
    version: task.version,
    containerInstanceArn: shared.get(task.containerInstanceArn),
    availabilityZone: shared.get(task.availabilityZone),
    eniPrivateIp: eniPrivateIp ?? containers.find((c) => c.privateIpv4Address)?.privateIpv4Address,
    eniSubnetId: shared.get(eniSubnetId),
    healthStatus: shared.get(task.healthStatus),
    platformFamily: shared.get(task.platformFamily),
    platformVersion: shared.get(task.platformVersion),
    tags: toResourceTags(options.tagsIncluded ? (task.tags ?? []) : task.tags),
    cpu: toNumber(task.cpu),
    memory: toNumber(task.memory),
    containers,
  };
}

export interface TaskDefinitionLike {
  taskDefinitionArn?: string | undefined;
  family?: string | undefined;
  revision?: number | undefined;
  networkMode?: string | undefined;
  cpu?: string | undefined;
  memory?: string | undefined;
  requiresCompatibilities?: string[] | undefined;
  containerDefinitions?:
    | {
        name?: string | undefined;
        image?: string | undefined;
        cpu?: number | undefined;
        memory?: number | undefined;
        memoryReservation?: number | undefined;
        dockerLabels?: Record<string, string> | undefined;
        portMappings?:
          | { containerPort?: number | undefined; hostPort?: number | undefined; protocol?: string | undefined }[]
          | undefined;
      }[]
    | undefined;
}

/**
 * A task definition without `networkMode` uses ECS's default: "bridge" on EC2 (Fargate-only definitions
 * always say "awsvpc").
 */
export function toObservedTaskDefinition(td: TaskDefinitionLike): ObservedTaskDefinition | undefined {
  if (!td.taskDefinitionArn || !td.family) return undefined;
  const containerDefinitions: ObservedContainerDefinition[] = (td.containerDefinitions ?? [])
    .filter((c) => typeof c.name === "string")
    .map((c) => ({
      name: c.name as string,
      image: c.image,
      cpu: c.cpu,
      memory: c.memory,
      memoryReservation: c.memoryReservation,
      dockerLabels: { ...(c.dockerLabels ?? {}) },
      portMappings: (c.portMappings ?? [])
        .filter((p) => typeof p.containerPort === "number")
        .map((p) => ({ containerPort: p.containerPort as number, hostPort: p.hostPort, protocol: p.protocol })),
    }));
  const fargateOnly = td.requiresCompatibilities?.length === 1 && td.requiresCompatibilities[0] === "FARGATE";
  return {
    taskDefinitionArn: td.taskDefinitionArn,
    family: td.family,
    revision: td.revision ?? Number(arnId(td.taskDefinitionArn).split(":").pop() ?? 0),
    networkMode: td.networkMode ?? (fargateOnly ? "awsvpc" : "bridge"),
    cpu: toNumber(td.cpu),
    memory: toNumber(td.memory),
    containerDefinitions,
  };
}

export interface ContainerInstanceLike {
  containerInstanceArn?: string | undefined;
  ec2InstanceId?: string | undefined;
  status?: string | undefined;
  agentConnected?: boolean | undefined;
  runningTasksCount?: number | undefined;
  registeredResources?: { name?: string | undefined; integerValue?: number | undefined }[] | undefined;
  remainingResources?: { name?: string | undefined; integerValue?: number | undefined }[] | undefined;
  attributes?: KeyValue[] | undefined;
}

/** EC2 facts about an instance, cached by instance id. */
export interface Ec2InstanceFacts {
  privateIp?: string | undefined;
  publicIp?: string | undefined;
  subnetId?: string | undefined;
  instanceType?: string | undefined;
  availabilityZone?: string | undefined;
  tags?: ResourceTags | undefined;
}

/** An EC2 `Instance` as DescribeInstances returns it (the SDK's PascalCase fields). */
export interface Ec2InstanceLike {
  PrivateIpAddress?: string | undefined;
  PublicIpAddress?: string | undefined;
  SubnetId?: string | undefined;
  InstanceType?: string | undefined;
  Placement?: { AvailabilityZone?: string | undefined } | undefined;
  Tags?: TagLike[] | undefined;
}

export function toEc2InstanceFacts(instance: Ec2InstanceLike): Ec2InstanceFacts {
  return {
    privateIp: instance.PrivateIpAddress,
    publicIp: instance.PublicIpAddress,
    subnetId: instance.SubnetId,
    instanceType: instance.InstanceType,
    availabilityZone: instance.Placement?.AvailabilityZone,
    // DescribeInstances returns tags unasked: the tag_ec2_* labels cost no call.
    tags: toResourceTags(instance.Tags ?? []),
  };
}

function resource(list: ContainerInstanceLike["registeredResources"], name: string): number {
  return list?.find((r) => r.name === name)?.integerValue ?? 0;
}

export function toObservedInstance(
  ci: ContainerInstanceLike,
  ec2: Ec2InstanceFacts | undefined,
): ObservedInstance | undefined {
  if (!ci.containerInstanceArn || !ci.ec2InstanceId) return undefined;
  const attribute = (name: string) => ci.attributes?.find((a) => a.name === name);
  return {
    containerInstanceArn: ci.containerInstanceArn,
    nodeId: arnId(ci.containerInstanceArn),
    ec2InstanceId: ci.ec2InstanceId,
    status: ci.status ?? "UNKNOWN",
    agentConnected: ci.agentConnected ?? false,
    privateIp: ec2?.privateIp,
    publicIp: ec2?.publicIp,
    subnetId: ec2?.subnetId,
    tags: ec2?.tags,
    instanceType: ec2?.instanceType ?? attribute("ecs.instance-type")?.value,
    availabilityZone: ec2?.availabilityZone ?? attribute("ecs.availability-zone")?.value,
    registeredCpu: resource(ci.registeredResources, "CPU"),
    registeredMemory: resource(ci.registeredResources, "MEMORY"),
    remainingCpu: resource(ci.remainingResources, "CPU"),
    remainingMemory: resource(ci.remainingResources, "MEMORY"),
    trunking: attribute("ecs.awsvpc-trunk-id") !== undefined,
    runningTasksCount: ci.runningTasksCount ?? 0,
  };
}
