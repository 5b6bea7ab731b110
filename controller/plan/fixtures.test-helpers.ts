import { ClusterSpec } from "../../crds-like-schemas/index.js";
import type {
  CurrentState,
  ObservedCluster,
  ObservedContainerDefinition,
  ObservedInstance,
  ObservedTask,
  ObservedTaskDefinition,
} from "../model.js";

/** Builders for plan/explain unit tests. Every id is derived from a short name so tables stay readable. */
export const REGION = "eu-west-1";
export const ACCOUNT = "000000000000";
export const CLUSTER = "demo";
export const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`;

export function spec(overrides: Record<string, unknown> = {}): ClusterSpec {
  return ClusterSpec.parse({ name: CLUSTER, ...overrides });
}

export function taskDef(
  family: string,
  networkMode: string,
  containers: Partial<ObservedContainerDefinition>[],
  revision = 1,
): ObservedTaskDefinition {
  return {
    taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${revision}`,
    family,
    revision,
    networkMode,
    containerDefinitions: containers.map((c, i) => ({
      name: c.name ?? `c${i}`,
      image: c.image ?? `${family}:latest`,
      dockerLabels: c.dockerLabels ?? {},
      portMappings: c.portMappings ?? [],
      ...(c.cpu !== undefined ? { cpu: c.cpu } : {}),
      ...(c.memory !== undefined ? { memory: c.memory } : {}),
      ...(c.memoryReservation !== undefined ? { memoryReservation: c.memoryReservation } : {}),
    })),
  };
}

export function instance(n: number, overrides: Partial<ObservedInstance> = {}): ObservedInstance {
  const nodeId = `node-${n}`;
  return {
    containerInstanceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/${CLUSTER}/${nodeId}`,
    nodeId,
    ec2InstanceId: `i-${String(n).padStart(17, "0")}`,
    status: "ACTIVE",
    agentConnected: true,
    privateIp: `10.0.0.${n}`,
    instanceType: "m5.large",
    availabilityZone: `${REGION}a`,
    registeredCpu: 2048,
    registeredMemory: 7680,
    remainingCpu: 2048,
    remainingMemory: 7680,
    trunking: false,
    runningTasksCount: 0,
    ...overrides,
  };
}

export function task(
  id: string,
  td: ObservedTaskDefinition,
  overrides: Partial<ObservedTask> & { on?: ObservedInstance } = {},
): ObservedTask {
  const { on, ...rest } = overrides;
  return {
    taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${CLUSTER}/${id}`,
    taskId: id,
    taskDefinitionArn: td.taskDefinitionArn,
    group: rest.serviceName ? `service:${rest.serviceName}` : `family:${td.family}`,
    launchType: "EC2",
    lastStatus: "RUNNING",
    desiredStatus: "RUNNING",
    version: 1,
    containerInstanceArn: on?.containerInstanceArn,
    availabilityZone: `${REGION}a`,
    containers: td.containerDefinitions.map((cd) => ({
      name: cd.name,
      containerArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container/${CLUSTER}/${id}/${cd.name}`,
      runtimeId: `${id}-${cd.name}-rt`,
      image: cd.image,
      lastStatus: "RUNNING",
      networkBindings: [],
    })),
    ...rest,
  };
}

export function observed(parts: {
  tasks?: ObservedTask[];
  defs?: ObservedTaskDefinition[];
  instances?: ObservedInstance[];
  services?: ObservedCluster["services"];
  cloudMap?: ObservedCluster["cloudMap"];
}): ObservedCluster {
  return {
    cluster: CLUSTER,
    clusterArn: CLUSTER_ARN,
    region: REGION,
    observedAt: "2026-01-01T00:00:00.000Z",
    tasks: parts.tasks ?? [],
    taskDefinitions: new Map((parts.defs ?? []).map((d) => [d.taskDefinitionArn, d])),
    instances: parts.instances ?? [],
    instanceTypes: new Map(),
    services: parts.services,
    cloudMap: parts.cloudMap ?? [],
  };
}

export function current(liveAgents: string[] = [], sidecarTasks: string[] = []): CurrentState {
  return { liveAgents: new Set(liveAgents), sidecarTasks: new Set(sidecarTasks) };
}
