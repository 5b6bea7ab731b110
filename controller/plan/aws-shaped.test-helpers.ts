import { ClusterSpec } from "../../crds-like-schemas/index.js";
import type { ClusterPlan, ObservedCluster, ObservedTask, ObservedTaskDefinition } from "../model.js";
import type { EcsApi } from "../observe/aws-apis.js";
import { CallRecorder } from "../observe/call-stats.js";
import {
  type ContainerInstanceLike,
  type Ec2InstanceLike,
  type TaskDefinitionLike,
  type TaskLike,
  toEc2InstanceFacts,
  toObservedInstance,
  toObservedTask,
  toObservedTaskDefinition,
} from "../observe/ecs-mappers.js";
import { toResourceTags } from "../observe/resource-tags.js";
import { readServices } from "../observe/service-figures.js";
import { plan } from "./plan.js";

/**
 * One cluster as the AWS APIs describe it, for label tests. Every response below has the shape the API
 * references document (DescribeTasks with `include: ["TAGS"]`, DescribeTaskDefinition, DescribeContainerInstances,
 * EC2 DescribeInstances, DescribeServices and DescribeClusters with tags); none of it comes from the simulator.
 * One task per network mode: bridge (dynamic host port, service task), host (standalone), awsvpc on EC2 and
 * Fargate.
 */

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
export const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`;
export const INSTANCE_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/prod/8f9b3a3c1a2b4c5d9e8f7a6b5c4d3e2f`;
export const EC2_ID = "i-0abc1234def567890";
export const SERVICE_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/prod/web`;
export const taskArn = (id: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task/prod/${id}`;
export const containerArn = (taskId: string, uuid: string) =>
  `arn:aws:ecs:${REGION}:${ACCOUNT}:container/prod/${taskId}/${uuid}`;
export const definitionArn = (family: string, revision: number) =>
  `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${revision}`;

export const TASK_IDS = {
  bridge: "1f2e3d4c5b6a47898a7b6c5d4e3f2a1b",
  host: "2a3b4c5d6e7f40818293a4b5c6d7e8f9",
  awsvpc: "3c4d5e6f708192a3b4c5d6e7f8091a2b",
  fargate: "4d5e6f708192a3b4c5d6e7f8091a2b3c",
} as const;

export const RUNTIME_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";

/** DescribeTaskDefinition `taskDefinition`: one container publishing `port` (host port 0: dynamic) and scraped as `scrapes`. */
function definition(
  family: string,
  revision: number,
  networkMode: string,
  container: { name: string; image: string; port: number; hostPort: number; scrapes: string },
): TaskDefinitionLike {
  return {
    taskDefinitionArn: definitionArn(family, revision),
    family,
    revision,
    networkMode,
    containerDefinitions: [
      {
        name: container.name,
        image: container.image,
        portMappings: [{ containerPort: container.port, hostPort: container.hostPort, protocol: "tcp" }],
        dockerLabels: { PROMETHEUS_SCRAPES: container.scrapes },
      },
    ],
  };
}

const definitions: TaskDefinitionLike[] = [
  definition("web", 7, "bridge", {
    name: "app",
    image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2",
    port: 8080,
    hostPort: 0,
    scrapes: "8080/internal/metrics",
  }),
  definition("node-exporter", 13, "host", {
    name: "node-exporter",
    image: "prom/node-exporter:v1.0.1",
    port: 9100,
    hostPort: 9100,
    scrapes: "9100",
  }),
  definition("worker", 3, "awsvpc", { name: "worker", image: "worker:3", port: 8080, hostPort: 8080, scrapes: "8080" }),
  {
    ...definition("checkout", 2, "awsvpc", {
      name: "checkout",
      image: "checkout:2",
      port: 9090,
      hostPort: 9090,
      scrapes: "9090/metrics",
    }),
    requiresCompatibilities: ["FARGATE"],
  },
];

function eniAttachment(subnetId: string, ip: string, eniId: string) {
  return {
    id: `${eniId}-attachment`,
    type: "ElasticNetworkInterface",
    status: "ATTACHED",
    details: [
      { name: "subnetId", value: subnetId },
      { name: "networkInterfaceId", value: eniId },
      { name: "macAddress", value: "0a:1b:2c:3d:4e:5f" },
      { name: "privateDnsName", value: `ip-${ip.replaceAll(".", "-")}.ec2.internal` },
      { name: "privateIPv4Address", value: ip },
    ],
  };
}

/** DescribeTasks `tasks[]` with `include: ["TAGS"]`. */
const tasks: TaskLike[] = [
  {
    taskArn: taskArn(TASK_IDS.bridge),
    taskDefinitionArn: definitionArn("web", 7),
    group: "service:web",
    launchType: "EC2",
    lastStatus: "RUNNING",
    desiredStatus: "RUNNING",
    healthStatus: "HEALTHY",
    version: 4,
    containerInstanceArn: INSTANCE_ARN,
    availabilityZone: "us-east-1a",
    attachments: [],
    tags: [
      { key: "cost-center", value: "1234" },
      { key: "🚀launch", value: "2024" },
    ],
    containers: [
      {
        name: "app",
        containerArn: containerArn(TASK_IDS.bridge, "064c4ef7-6bb2-4ec3-b619-e0d6896f52c4"),
        runtimeId: RUNTIME_ID,
        image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2",
        lastStatus: "RUNNING",
        networkBindings: [{ bindIP: "0.0.0.0", containerPort: 8080, hostPort: 32768, protocol: "tcp" }],
        networkInterfaces: [],
      },
    ],
  },
  {
    taskArn: taskArn(TASK_IDS.host),
    taskDefinitionArn: definitionArn("node-exporter", 13),
    group: "family:node-exporter",
    launchType: "EC2",
    lastStatus: "RUNNING",
    desiredStatus: "RUNNING",
    healthStatus: "UNKNOWN",
    version: 2,
    containerInstanceArn: INSTANCE_ARN,
    availabilityZone: "us-east-1a",
    attachments: [],
    tags: [],
    containers: [
      {
        name: "node-exporter",
        containerArn: containerArn(TASK_IDS.host, "978972c8-646d-49cc-9933-4bb3daa2eeea"),
        runtimeId: RUNTIME_ID,
        image: "prom/node-exporter:v1.0.1",
        lastStatus: "RUNNING",
        networkBindings: [{ bindIP: "0.0.0.0", containerPort: 9100, hostPort: 9100, protocol: "tcp" }],
        networkInterfaces: [],
      },
    ],
  },
  {
    taskArn: taskArn(TASK_IDS.awsvpc),
    taskDefinitionArn: definitionArn("worker", 3),
    group: "family:worker",
    launchType: "EC2",
    lastStatus: "RUNNING",
    desiredStatus: "RUNNING",
    healthStatus: "UNHEALTHY",
    version: 3,
    containerInstanceArn: INSTANCE_ARN,
    availabilityZone: "us-east-1a",
    attachments: [eniAttachment("subnet-0eni0000000000001", "10.0.2.40", "eni-0a1b2c3d4e5f60718")],
    containers: [
      {
        name: "worker",
        containerArn: containerArn(TASK_IDS.awsvpc, "7abd91d2-091d-4f12-80a7-14c279260aac"),
        runtimeId: RUNTIME_ID,
        image: "worker:3",
        lastStatus: "RUNNING",
        networkBindings: [],
        networkInterfaces: [{ privateIpv4Address: "10.0.2.40" }],
      },
    ],
  },
  {
    taskArn: taskArn(TASK_IDS.fargate),
    taskDefinitionArn: definitionArn("checkout", 2),
    group: "family:checkout",
    launchType: "FARGATE",
    lastStatus: "RUNNING",
    desiredStatus: "RUNNING",
    healthStatus: "UNKNOWN",
    platformFamily: "Linux",
    platformVersion: "1.4.0",
    version: 5,
    availabilityZone: "us-east-1b",
    attachments: [eniAttachment("subnet-0far0000000000002", "10.0.3.17", "eni-0b2c3d4e5f6071829")],
    tags: [{ key: "team", value: "payments" }],
    containers: [
      {
        name: "checkout",
        containerArn: containerArn(TASK_IDS.fargate, "d89fdd2d-a5cd-4cbd-9a3e-e0a5c2d1b7f4"),
        runtimeId: `${TASK_IDS.fargate}-1527056392`,
        image: "checkout:2",
        lastStatus: "RUNNING",
        networkBindings: [],
        networkInterfaces: [{ privateIpv4Address: "10.0.3.17" }],
      },
    ],
  },
];

/** DescribeContainerInstances `containerInstances[]`. */
const containerInstance: ContainerInstanceLike = {
  containerInstanceArn: INSTANCE_ARN,
  ec2InstanceId: EC2_ID,
  status: "ACTIVE",
  agentConnected: true,
  runningTasksCount: 3,
  registeredResources: [
    { name: "CPU", integerValue: 2048 },
    { name: "MEMORY", integerValue: 7680 },
  ],
  remainingResources: [
    { name: "CPU", integerValue: 1024 },
    { name: "MEMORY", integerValue: 5120 },
  ],
  attributes: [{ name: "ecs.instance-type", value: "m5.large" }],
};

/** EC2 DescribeInstances `Reservations[].Instances[]` (SDK field names). */
const ec2Instance: Ec2InstanceLike = {
  PrivateIpAddress: "10.0.1.25",
  PublicIpAddress: "54.210.1.20",
  SubnetId: "subnet-0aa11bb22cc33dd44",
  InstanceType: "m5.large",
  Placement: { AvailabilityZone: "us-east-1a" },
  Tags: [
    { Key: "Name", Value: "ecs-prod-1" },
    { Key: "aws:autoscaling:groupName", Value: "prod-asg" },
  ],
};

/** DescribeClusters `clusters[0].tags` with `include: ["TAGS"]`. */
const clusterTags = [
  { key: "env", value: "prod" },
  { key: "team/owner", value: "platform" },
];

/** ListServices + DescribeServices (`include: ["TAGS"]`), checking that tags are asked for. */
const servicesApi = {
  listServices: async () => ({ serviceArns: [SERVICE_ARN] }),
  describeServices: async (input: { include?: string[] | undefined }) => {
    if (!input.include?.includes("TAGS")) throw new Error("DescribeServices must ask for include TAGS");
    return {
      services: [
        {
          serviceArn: SERVICE_ARN,
          serviceName: "web",
          status: "ACTIVE",
          desiredCount: 1,
          runningCount: 1,
          pendingCount: 0,
          tags: [{ key: "app:tier", value: "frontend" }],
        },
      ],
    };
  },
} as unknown as EcsApi;

/** The observed cluster these responses make, through the observer's own mappers. */
export async function awsShapedCluster(): Promise<ObservedCluster> {
  const defs = definitions.map((d) => toObservedTaskDefinition(d) as ObservedTaskDefinition);
  const observedTasks = tasks.map((t) => toObservedTask(t, { tagsIncluded: true }) as ObservedTask);
  const instance = toObservedInstance(containerInstance, toEc2InstanceFacts(ec2Instance));
  const services = await readServices(servicesApi, CLUSTER_ARN, new CallRecorder(), 1);
  return {
    cluster: "prod",
    clusterArn: CLUSTER_ARN,
    region: REGION,
    observedAt: "2026-01-01T00:00:00.000Z",
    tasks: observedTasks,
    taskDefinitions: new Map(defs.map((d) => [d.taskDefinitionArn, d])),
    instances: instance ? [instance] : [],
    instanceTypes: new Map(),
    services: services.figures,
    serviceLabels: services.labels,
    clusterTags: toResourceTags(clusterTags),
    cloudMap: [],
  };
}

/** plan() over {@link awsShapedCluster} with the default spec. */
export async function awsShapedPlan(): Promise<ClusterPlan> {
  const observed = await awsShapedCluster();
  return plan(ClusterSpec.parse({ name: "prod" }), observed, {
    liveAgents: new Set(),
    sidecarTasks: new Set(),
  });
}
