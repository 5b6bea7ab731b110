import type { Condition, ScrapeTarget, StatsAssignment } from "../crds-like-schemas/index.js";

/**
 * The controller's internal contracts between observe → plan → dispatch/outputs.
 * Observers produce an {@link ObservedCluster}; `plan()` turns spec + observation into a {@link ClusterPlan};
 * the runtime (machines, dispatch, outputs) consumes the plan. Only complete observations reach plan():
 * "stale beats partial".
 */

export interface ObservedContainer {
  name: string;
  containerArn?: string | undefined;
  runtimeId?: string | undefined;
  image?: string | undefined;
  lastStatus?: string | undefined;
  networkBindings: {
    containerPort: number;
    hostPort: number;
    protocol?: string | undefined;
    bindIP?: string | undefined;
  }[];
  /** From the container's networkInterfaces (awsvpc/Fargate). */
  privateIpv4Address?: string | undefined;
}

export interface ObservedTask {
  taskArn: string;
  taskId: string;
  taskDefinitionArn: string;
  /** "service:<name>" or "family:<name>", as ECS reports `group`. */
  group?: string | undefined;
  serviceName?: string | undefined;
  launchType?: string | undefined;
  lastStatus: string;
  desiredStatus?: string | undefined;
  /** ECS `version`; events older than the cached version are ignored. */
  version?: number | undefined;
  containerInstanceArn?: string | undefined;
  availabilityZone?: string | undefined;
  /** ENI private IP from the task's ElasticNetworkInterface attachment. */
  eniPrivateIp?: string | undefined;
  /** Subnet of the task's ENI attachment (awsvpc/Fargate). */
  eniSubnetId?: string | undefined;
  /** HEALTHY, UNHEALTHY or UNKNOWN, as DescribeTasks reports `healthStatus`. */
  healthStatus?: string | undefined;
  platformFamily?: string | undefined;
  platformVersion?: string | undefined;
  /**
   * Resource tags from DescribeTasks with `include: ["TAGS"]`; undefined when not read yet (a task known only
   * from an EventBridge event, whose detail carries no tags).
   */
  tags?: ResourceTags | undefined;
  cpu?: number | undefined;
  memory?: number | undefined;
  containers: ObservedContainer[];
}

/** AWS resource tags by key. Shared, never mutated: an unchanged resource keeps the same object. */
export type ResourceTags = Readonly<Record<string, string>>;

export interface ObservedContainerDefinition {
  name: string;
  image?: string | undefined;
  cpu?: number | undefined;
  memory?: number | undefined;
  memoryReservation?: number | undefined;
  dockerLabels: Record<string, string>;
  portMappings: { containerPort: number; hostPort?: number | undefined; protocol?: string | undefined }[];
}

export interface ObservedTaskDefinition {
  taskDefinitionArn: string;
  family: string;
  revision: number;
  networkMode: string;
  cpu?: number | undefined;
  memory?: number | undefined;
  containerDefinitions: ObservedContainerDefinition[];
}

export interface ObservedInstance {
  containerInstanceArn: string;
  /** UUID part of the ARN: the node id. */
  nodeId: string;
  ec2InstanceId: string;
  status: string;
  agentConnected: boolean;
  /** From EC2 DescribeInstances (cached by instance id). */
  privateIp?: string | undefined;
  publicIp?: string | undefined;
  subnetId?: string | undefined;
  /** EC2 instance tags, from the same DescribeInstances response. */
  tags?: ResourceTags | undefined;
  instanceType?: string | undefined;
  availabilityZone?: string | undefined;
  registeredCpu: number;
  registeredMemory: number;
  remainingCpu: number;
  remainingMemory: number;
  /** Whether the instance has `ecs.awsvpc-trunk-id` (ENI trunking on). */
  trunking: boolean;
  runningTasksCount: number;
}

export interface ObservedInstanceType {
  instanceType: string;
  maxEnis: number;
  /** Branch ENIs with awsvpcTrunking (0 when unsupported). */
  trunkBranchEnis: number;
  vcpus: number;
  memoryMiB: number;
}

export interface ObservedService {
  serviceName: string;
  serviceArn: string;
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
}

/** What discovery labels need of a service; the same object while the service's ARN, status and tags stay. */
export interface ObservedServiceLabels {
  serviceArn: string;
  /** ACTIVE or DRAINING. */
  status?: string | undefined;
  /** From DescribeServices with `include: ["TAGS"]`. */
  tags?: ResourceTags | undefined;
}

export interface ObservedCloudMapInstance {
  namespace: string;
  serviceName: string;
  serviceId: string;
  instanceId: string;
  ipv4: string;
  port: number;
  metricsPath: string;
  attributes: Record<string, string>;
}

/** One complete, consistent view of a cluster. */
export interface ObservedCluster {
  cluster: string;
  clusterArn: string;
  region: string;
  /** ISO-8601 of the observation that produced this view. */
  observedAt: string;
  tasks: ObservedTask[];
  taskDefinitions: ReadonlyMap<string, ObservedTaskDefinition>;
  instances: ObservedInstance[];
  instanceTypes: ReadonlyMap<string, ObservedInstanceType>;
  /** Undefined when service metrics were not due this cycle (the previous figures stand). */
  services?: ObservedService[] | undefined;
  /**
   * Per service name, as DescribeServices last reported it (kept between service-metrics periods); empty when
   * service metrics are disabled, since no DescribeServices call is made then.
   */
  serviceLabels?: ReadonlyMap<string, ObservedServiceLabels> | undefined;
  /** Cluster tags, read with the cluster's DescribeClusters (once per controller start). */
  clusterTags?: ResourceTags | undefined;
  cloudMap: ObservedCloudMapInstance[];
}

/** A target the plan wants, or a container that asked to be a target and could not be (state `invalid`). */
export interface DesiredTarget {
  target: ScrapeTarget;
  cluster: string;
  /** Node whose agent scrapes it; `undefined` for Fargate targets without a sidecar (pool queue). */
  nodeId?: string | undefined;
  taskArn?: string | undefined;
  containerName?: string | undefined;
  serviceName?: string | undefined;
  /** Prometheus-style discovery labels (`__meta_ecs_*`), also emitted in http_sd/file_sd. */
  meta: MetaLabels;
}

/** Discovery labels by name; an undefined value means the label is absent (see plan/meta-labels.ts). */
export type MetaLabels = Readonly<Record<string, string | undefined>>;

export interface InvalidTarget {
  /** Same id scheme as valid targets where possible: `<taskArn>/<containerName>/label`. */
  id: string;
  cluster: string;
  taskArn: string;
  containerName: string;
  /** ECS service of the task (Cloud Map: the Cloud Map service), so that service filters show invalid targets. */
  serviceName?: string | undefined;
  reason: string;
}

/** The per-node part of a sync job, before generation and fencing token are attached. */
export interface NodePayload {
  nodeId: string;
  targets: ScrapeTarget[];
  statsAssignments: StatsAssignment[];
  instanceType?: string | undefined;
  trunking: boolean;
  awsvpcTasks: number;
}

export interface ServiceFigures {
  cluster: string;
  service: string;
  desired: number;
  running: number;
  pending: number;
}

export interface ClusterPlan {
  cluster: string;
  targets: DesiredTarget[];
  invalid: InvalidTarget[];
  /** Keyed by node id; includes nodes with nothing to do (empty payload) so that agents converge to empty. */
  nodes: Map<string, NodePayload>;
  /** Targets with no node agent (Fargate without sidecar) for the shared pool queue. */
  pool: DesiredTarget[];
  services: ServiceFigures[] | undefined;
}

/** Kubernetes-style status condition (`lastTransitionTime` moves only when `status` changes): the contract's type. */
export type { Condition };

/** What the controller knows beyond AWS: which agents are alive (heartbeats within TTL) and which tasks run a sidecar agent. */
export interface CurrentState {
  /** Node ids with a live agent. */
  liveAgents: ReadonlySet<string>;
  /** Task ARNs (Fargate) whose sidecar agent is alive; their targets go to queue ecsmon-node-<taskId>. */
  sidecarTasks: ReadonlySet<string>;
}
