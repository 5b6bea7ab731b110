/**
 * The simulated cluster's state, shared by the AWS services (sim/aws/services), the node surfaces
 * (sim/node) and the control API (sim/control). Shapes follow the ECS API but hold only what the
 * simulator needs; services translate them into API responses.
 */

export type NetworkMode = "bridge" | "host" | "awsvpc" | "none";
export type LaunchType = "EC2" | "FARGATE";
export type TaskStatus =
  | "PROVISIONING"
  | "PENDING"
  | "ACTIVATING"
  | "RUNNING"
  | "DEACTIVATING"
  | "STOPPING"
  | "DEPROVISIONING"
  | "STOPPED";

/** Per-container behaviour of the simulated workload's metrics endpoint. */
export type WorkloadFailure = "none" | "slow" | "http500" | "garbage" | "oversized" | "refused";

export interface SimPortMapping {
  containerPort: number;
  /** 0 or undefined in bridge mode means "dynamic": the simulator picks one from the ephemeral range. */
  hostPort?: number | undefined;
  protocol: "tcp" | "udp";
}

export interface SimContainerDefinition {
  name: string;
  image: string;
  cpu?: number | undefined;
  memory?: number | undefined;
  memoryReservation?: number | undefined;
  essential: boolean;
  portMappings: SimPortMapping[];
  dockerLabels: Record<string, string>;
  environment: { name: string; value: string }[];
  /** Simulator-only: the workload's failure mode for containers of this definition (scenario `failure`). */
  failure?: WorkloadFailure | undefined;
  /** Simulator-only: how many series the workload's /metrics serves (scenario `series`). */
  series?: number | undefined;
}

export interface SimTaskDefinition {
  taskDefinitionArn: string;
  family: string;
  revision: number;
  networkMode: NetworkMode;
  requiresCompatibilities: LaunchType[];
  /** Task-level CPU units / MiB, as strings in the API; numbers here. */
  cpu?: number | undefined;
  memory?: number | undefined;
  containerDefinitions: SimContainerDefinition[];
  status: "ACTIVE" | "INACTIVE";
  registeredAt: Date;
  taskRoleArn?: string | undefined;
  executionRoleArn?: string | undefined;
  /** The launch types the definition validated against (`compatibilities` in the API). */
  compatibilities?: LaunchType[] | undefined;
}

export interface SimInstanceType {
  name: string;
  vcpus: number;
  memoryMiB: number;
  maxEnis: number;
  ipv4PerEni: number;
  /** Branch ENIs available with awsvpcTrunking; 0 when the type does not support trunking. */
  trunkBranchEnis: number;
}

export interface SimContainerInstance {
  containerInstanceArn: string;
  /** UUID part of the ARN: ecsmon's node id. */
  id: string;
  ec2InstanceId: string;
  instanceType: string;
  /** 127.0.<n>.1 — every node surface (Docker API, introspection, metadata, IMDS) binds here. */
  privateIp: string;
  status: "ACTIVE" | "DRAINING" | "INACTIVE";
  agentConnected: boolean;
  registeredCpu: number;
  registeredMemory: number;
  attributes: { name: string; value?: string | undefined }[];
  registeredAt: Date;
  /** TCP host ports in use: the agent's reserved ports plus static and dynamic mappings of live tasks. */
  usedPorts: Set<number>;
  trunking: boolean;
  /** Incremented on every change, as ECS does for container instances. */
  version?: number | undefined;
  availabilityZone?: string | undefined;
  subnetId?: string | undefined;
  vpcId?: string | undefined;
  /** The instance's primary network interface (device 0). */
  primaryEni?: { eniId: string; macAddress: string; privateIpv4Address: string } | undefined;
  /** EC2 instance state; "terminated" after a node kill. */
  ec2State?: "pending" | "running" | "stopped" | "terminated" | undefined;
  /** Which Docker stats shape the node's Docker API serves (scenario `cgroup`). */
  cgroup?: "v1" | "v2" | undefined;
}

export interface SimNetworkBinding {
  bindIP: string;
  containerPort: number;
  hostPort: number;
  protocol: "tcp" | "udp";
}

export interface SimContainer {
  containerArn: string;
  name: string;
  /** Docker container id (64 hex). */
  runtimeId: string;
  image: string;
  lastStatus: TaskStatus;
  networkBindings: SimNetworkBinding[];
  /** awsvpc/Fargate: the task ENI's private IP. */
  privateIpv4Address?: string | undefined;
  failure: WorkloadFailure;
  /** Series count of the workload's /metrics (from the container definition's `series`). */
  series?: number | undefined;
  /** Simulated exit code once STOPPED. */
  exitCode?: number | undefined;
}

export interface SimTask {
  taskArn: string;
  /** Last ARN segment. */
  id: string;
  clusterArn: string;
  taskDefinitionArn: string;
  containerInstanceArn?: string | undefined;
  launchType: LaunchType;
  group: string;
  /** Set when the task belongs to a service. */
  serviceName?: string | undefined;
  lastStatus: TaskStatus;
  desiredStatus: "RUNNING" | "STOPPED";
  /** Incremented on every change, as ECS does; event consumers drop older versions. */
  version: number;
  createdAt: Date;
  startedAt?: Date | undefined;
  stoppedAt?: Date | undefined;
  stoppedReason?: string | undefined;
  containers: SimContainer[];
  /** awsvpc/Fargate ENI. */
  eni?: { attachmentId: string; eniId: string; privateIpv4Address: string; macAddress: string } | undefined;
  cpu?: number | undefined;
  memory?: number | undefined;
  startedBy?: string | undefined;
  availabilityZone?: string | undefined;
  connectivity?: "CONNECTED" | "DISCONNECTED" | undefined;
  connectivityAt?: Date | undefined;
  pullStartedAt?: Date | undefined;
  pullStoppedAt?: Date | undefined;
  stoppingAt?: Date | undefined;
  executionStoppedAt?: Date | undefined;
  stopCode?:
    | "TaskFailedToStart"
    | "EssentialContainerExited"
    | "UserInitiated"
    | "ServiceSchedulerInitiated"
    | undefined;
  /** Fargate platform version ("1.4.0"). */
  platformVersion?: string | undefined;
}

export interface SimService {
  serviceArn: string;
  serviceName: string;
  clusterArn: string;
  taskDefinitionArn: string;
  desiredCount: number;
  launchType: LaunchType;
  status: "ACTIVE" | "DRAINING" | "INACTIVE";
  createdAt: Date;
  /** awsvpc services: the simulated subnets; informational only. */
  networkConfiguration?: unknown;
  schedulingStrategy?: "REPLICA" | "DAEMON" | undefined;
  updatedAt?: Date | undefined;
  /** Scheduler messages, newest first (DescribeServices `events`, at most 100). */
  events?: { id: string; createdAt: Date; message: string }[] | undefined;
  /** The PRIMARY deployment's id (`ecs-svc/<digits>`). */
  deploymentId?: string | undefined;
}

export interface SimCluster {
  clusterArn: string;
  clusterName: string;
  status: "ACTIVE" | "INACTIVE";
}

/** State changes the simulator emits; node surfaces start/stop workload servers, events go to SQS (issue 10). */
export type SimStateEvent =
  | { type: "taskChanged"; task: SimTask; previousStatus: TaskStatus | undefined }
  | { type: "instanceChanged"; instance: SimContainerInstance };

/**
 * Read access to the simulated cluster(s), implemented by sim/state (ClusterStore). Node surfaces, workloads,
 * event delivery and the control API depend on this view only.
 */
export interface ClusterStoreView {
  clusters(): SimCluster[];
  /** Container instances, optionally of one cluster. */
  instances(clusterArn?: string): SimContainerInstance[];
  instance(containerInstanceArnOrId: string): SimContainerInstance | undefined;
  /** All tasks (every status), optionally of one cluster. */
  tasks(clusterArn?: string): SimTask[];
  tasksOnInstance(containerInstanceArn: string): SimTask[];
  task(taskArnOrId: string): SimTask | undefined;
  taskDefinition(taskDefinitionArn: string): SimTaskDefinition | undefined;
  instanceType(name: string): SimInstanceType | undefined;
  /** Called synchronously after every change; returns an unsubscribe function. */
  subscribe(listener: (event: SimStateEvent) => void): () => void;
}
