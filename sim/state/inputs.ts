import type { LaunchType, NetworkMode, SimContainerDefinition, WorkloadFailure } from "./model.js";

/** RegisterTaskDefinition input after decoding (numbers, not the API's strings). */
export interface TaskDefinitionInput {
  family: string;
  networkMode?: NetworkMode | undefined;
  requiresCompatibilities?: LaunchType[] | undefined;
  cpu?: number | undefined;
  memory?: number | undefined;
  taskRoleArn?: string | undefined;
  executionRoleArn?: string | undefined;
  containerDefinitions: ContainerDefinitionInput[];
}

export type ContainerDefinitionInput = Partial<Omit<SimContainerDefinition, "name" | "image" | "portMappings">> & {
  name: string;
  image: string;
  portMappings?: { containerPort: number; hostPort?: number | undefined; protocol?: "tcp" | "udp" | undefined }[];
  failure?: WorkloadFailure | undefined;
  series?: number | undefined;
};

export interface RegisterInstanceInput {
  /** Cluster name or ARN. @defaultValue "default" */
  cluster?: string | undefined;
  instanceType: string;
  ec2InstanceId?: string | undefined;
  attributes?: { name: string; value?: string | undefined }[] | undefined;
  /** Overrides the store's trunking default for this instance. */
  trunking?: boolean | undefined;
  cgroup?: "v1" | "v2" | undefined;
}

/** One RunTask/StartTask request. */
export interface RunTaskInput {
  cluster?: string | undefined;
  /** family, family:revision or ARN. */
  taskDefinition: string;
  /** 1..10 as in the API. @defaultValue 1 */
  count?: number | undefined;
  /** Defaults to FARGATE when the definition requires only FARGATE, else EC2. */
  launchType?: LaunchType | undefined;
  group?: string | undefined;
  startedBy?: string | undefined;
  /** StartTask: the instances to start on (one task each); no placement search. */
  containerInstances?: string[] | undefined;
  placementStrategy?: { type: "random" | "spread" | "binpack"; field?: string | undefined }[] | undefined;
  /** Set by the service scheduler. */
  serviceName?: string | undefined;
}

/** A RunTask failure entry, as the API returns it. */
export interface PlacementFailureEntry {
  arn?: string | undefined;
  reason: string;
  detail?: string | undefined;
}

export interface RunTaskResult {
  tasks: import("./model.js").SimTask[];
  failures: PlacementFailureEntry[];
}

export interface CreateServiceInput {
  cluster?: string | undefined;
  serviceName: string;
  taskDefinition: string;
  desiredCount?: number | undefined;
  launchType?: LaunchType | undefined;
  schedulingStrategy?: "REPLICA" | "DAEMON" | undefined;
  networkConfiguration?: unknown;
}

export interface UpdateServiceInput {
  cluster?: string | undefined;
  service: string;
  desiredCount?: number | undefined;
  taskDefinition?: string | undefined;
  /** Replace every task with a new deployment even when nothing changed. */
  forceNewDeployment?: boolean | undefined;
}
