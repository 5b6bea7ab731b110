import { privateDnsNameOf } from "../../state/addresses.js";
import type { ClusterStore } from "../../state/cluster-store.js";
import type {
  SimCluster,
  SimContainerInstance,
  SimService as SimEcsService,
  SimTask,
  SimTaskDefinition,
} from "../../state/model.js";
import { encodeJsonBody } from "../codecs/json.js";

/** The API's `Resource` shape. */
function intResource(name: string, value: number) {
  return { name, type: "INTEGER", doubleValue: 0, longValue: 0, integerValue: value };
}

function setResource(name: string, values: Iterable<number>) {
  return {
    name,
    type: "STRINGSET",
    doubleValue: 0,
    longValue: 0,
    integerValue: 0,
    stringSetValue: [...values].map(String),
  };
}

const RESERVED = [22, 2375, 2376, 51678, 51679];

export function shapeCluster(store: ClusterStore, cluster: SimCluster) {
  let running = 0;
  let pending = 0;
  for (const t of store.tasks(cluster.clusterArn)) {
    if (t.lastStatus === "RUNNING") running++;
    else if (t.lastStatus === "PENDING" || t.lastStatus === "PROVISIONING" || t.lastStatus === "ACTIVATING") pending++;
  }
  return {
    clusterArn: cluster.clusterArn,
    clusterName: cluster.clusterName,
    status: cluster.status,
    registeredContainerInstancesCount: store.instances(cluster.clusterArn).filter((i) => i.status !== "INACTIVE")
      .length,
    runningTasksCount: running,
    pendingTasksCount: pending,
    activeServicesCount: store.services(cluster.clusterArn).filter((s) => s.status === "ACTIVE").length,
    statistics: [],
    settings: [{ name: "containerInsights", value: "disabled" }],
    capacityProviders: [],
    defaultCapacityProviderStrategy: [],
  };
}

export function shapeContainerInstance(store: ClusterStore, instance: SimContainerInstance) {
  const usage = store.usage(instance.containerInstanceArn);
  let running = 0;
  let pending = 0;
  for (const t of store.tasksOnInstance(instance.containerInstanceArn)) {
    if (t.lastStatus === "RUNNING") running++;
    else if (t.lastStatus === "PENDING" || t.lastStatus === "PROVISIONING") pending++;
  }
  // Like the ECS agent, list reserved and static host ports; dynamic (ephemeral-range) ports are not resources.
  const listed = (ports: Iterable<number>) => [...ports].filter((p) => p < 32768 || p > 60999).sort((a, b) => a - b);
  const tcp = usage ? listed(usage.tcpPorts) : RESERVED;
  const udp = usage ? listed(usage.udpPorts) : [];
  return {
    containerInstanceArn: instance.containerInstanceArn,
    ec2InstanceId: instance.ec2InstanceId,
    version: instance.version ?? 1,
    versionInfo: { agentVersion: "1.86.3", agentHash: "ecsmonsim", dockerVersion: "DockerVersion: 25.0.8" },
    remainingResources: [
      intResource("CPU", instance.registeredCpu - (usage?.cpu ?? 0)),
      intResource("MEMORY", instance.registeredMemory - (usage?.memory ?? 0)),
      setResource("PORTS", tcp),
      setResource("PORTS_UDP", udp),
    ],
    registeredResources: [
      intResource("CPU", instance.registeredCpu),
      intResource("MEMORY", instance.registeredMemory),
      setResource("PORTS", RESERVED),
      setResource("PORTS_UDP", []),
    ],
    status: instance.status,
    agentConnected: instance.agentConnected,
    runningTasksCount: running,
    pendingTasksCount: pending,
    attributes: instance.attributes.map((a) =>
      a.value === undefined ? { name: a.name } : { name: a.name, value: a.value },
    ),
    registeredAt: instance.registeredAt,
    attachments: instance.trunking
      ? [
          {
            id: instance.attributes.find((a) => a.name === "ecs.awsvpc-trunk-id")?.value,
            type: "ElasticNetworkInterface",
            status: "ATTACHED",
            details: [{ name: "networkInterfaceType", value: "trunk" }],
          },
        ]
      : [],
  };
}

function architectureOf(store: ClusterStore, task: SimTask): string {
  const instance = task.containerInstanceArn ? store.instance(task.containerInstanceArn) : undefined;
  return instance?.attributes.find((a) => a.name === "ecs.cpu-architecture")?.value ?? "x86_64";
}

const TRANSITIONAL_PRE_RUN = new Set(["PROVISIONING", "PENDING", "ACTIVATING"]);

function shapeTaskUncached(store: ClusterStore, task: SimTask) {
  const def = store.taskDefinition(task.taskDefinitionArn);
  const eni = task.eni;
  const started = !TRANSITIONAL_PRE_RUN.has(task.lastStatus);
  const attachmentStatus =
    task.lastStatus === "STOPPED" ? "DELETED" : task.lastStatus === "PROVISIONING" ? "PRECREATED" : "ATTACHED";
  return {
    attachments: eni
      ? [
          {
            id: eni.attachmentId,
            type: "ElasticNetworkInterface",
            status: attachmentStatus,
            details: [
              { name: "subnetId", value: store.subnetFor(task.availabilityZone ?? `${store.region}a`) },
              { name: "networkInterfaceId", value: eni.eniId },
              { name: "macAddress", value: eni.macAddress },
              { name: "privateDnsName", value: privateDnsNameOf(eni.privateIpv4Address, store.region) },
              { name: "privateIPv4Address", value: eni.privateIpv4Address },
            ],
          },
        ]
      : [],
    attributes: [{ name: "ecs.cpu-architecture", value: architectureOf(store, task) }],
    availabilityZone: task.availabilityZone,
    clusterArn: task.clusterArn,
    connectivity: task.connectivity,
    connectivityAt: task.connectivityAt,
    containerInstanceArn: task.containerInstanceArn,
    containers: task.containers.map((c, i) => {
      const cdef = def?.containerDefinitions[i];
      return {
        containerArn: c.containerArn,
        taskArn: task.taskArn,
        name: c.name,
        image: c.image,
        runtimeId: started ? c.runtimeId : undefined,
        lastStatus: c.lastStatus,
        exitCode: c.lastStatus === "STOPPED" ? c.exitCode : undefined,
        networkBindings: started ? c.networkBindings.map((b) => ({ ...b })) : [],
        networkInterfaces: eni ? [{ attachmentId: eni.attachmentId, privateIpv4Address: eni.privateIpv4Address }] : [],
        healthStatus: "UNKNOWN",
        cpu: String(cdef?.cpu ?? 0),
        memory: cdef?.memory === undefined ? undefined : String(cdef.memory),
        memoryReservation: cdef?.memoryReservation === undefined ? undefined : String(cdef.memoryReservation),
      };
    }),
    cpu: task.cpu === undefined ? undefined : String(task.cpu),
    createdAt: task.createdAt,
    desiredStatus: task.desiredStatus,
    enableExecuteCommand: false,
    executionStoppedAt: task.executionStoppedAt,
    group: task.group,
    healthStatus: "UNKNOWN",
    lastStatus: task.lastStatus,
    launchType: task.launchType,
    memory: task.memory === undefined ? undefined : String(task.memory),
    overrides: {
      containerOverrides: task.containers.map((c) => ({ name: c.name })),
      inferenceAcceleratorOverrides: [],
    },
    platformVersion: task.platformVersion,
    platformFamily: task.launchType === "FARGATE" ? "Linux" : undefined,
    pullStartedAt: task.pullStartedAt,
    pullStoppedAt: task.pullStoppedAt,
    startedAt: task.startedAt,
    startedBy: task.startedBy,
    stopCode: task.stopCode,
    stoppedAt: task.stoppedAt,
    stoppedReason: task.stoppedReason,
    stoppingAt: task.stoppingAt,
    taskArn: task.taskArn,
    taskDefinitionArn: task.taskDefinitionArn,
    version: task.version,
    ephemeralStorage: task.launchType === "FARGATE" ? { sizeInGiB: 20 } : undefined,
  };
}

const taskShapeCache = new WeakMap<SimTask, { version: number; shape: ReturnType<typeof shapeTaskUncached> }>();

/** DescribeTasks' `Task` shape; cached per task version (shapes are treated as immutable by callers). */
export function shapeTask(store: ClusterStore, task: SimTask) {
  const cached = taskShapeCache.get(task);
  if (cached && cached.version === task.version) return cached.shape;
  const shape = shapeTaskUncached(store, task);
  taskShapeCache.set(task, { version: task.version, shape });
  return shape;
}

const taskJsonCache = new WeakMap<SimTask, { version: number; json: string }>();

/** The task's DescribeTasks JSON (timestamps as epoch seconds), cached per task version. */
export function taskJson(store: ClusterStore, task: SimTask): string {
  const cached = taskJsonCache.get(task);
  if (cached && cached.version === task.version) return cached.json;
  const json = encodeJsonBody(shapeTask(store, task));
  taskJsonCache.set(task, { version: task.version, json });
  return json;
}

export function shapeTaskDefinition(def: SimTaskDefinition) {
  return {
    taskDefinitionArn: def.taskDefinitionArn,
    containerDefinitions: def.containerDefinitions.map((c) => ({
      name: c.name,
      image: c.image,
      cpu: c.cpu ?? 0,
      memory: c.memory,
      memoryReservation: c.memoryReservation,
      portMappings: c.portMappings.map((m) => ({
        containerPort: m.containerPort,
        hostPort: m.hostPort ?? 0,
        protocol: m.protocol,
      })),
      essential: c.essential,
      environment: c.environment.map((e) => ({ ...e })),
      mountPoints: [],
      volumesFrom: [],
      dockerLabels: Object.keys(c.dockerLabels).length > 0 ? { ...c.dockerLabels } : undefined,
      systemControls: [],
    })),
    family: def.family,
    taskRoleArn: def.taskRoleArn,
    executionRoleArn: def.executionRoleArn,
    networkMode: def.networkMode,
    revision: def.revision,
    volumes: [],
    status: def.status,
    requiresAttributes: def.networkMode === "awsvpc" ? [{ name: "ecs.capability.task-eni" }] : [],
    placementConstraints: [],
    compatibilities: def.compatibilities ?? ["EC2"],
    requiresCompatibilities: def.requiresCompatibilities.length > 0 ? [...def.requiresCompatibilities] : undefined,
    cpu: def.cpu === undefined ? undefined : String(def.cpu),
    memory: def.memory === undefined ? undefined : String(def.memory),
    registeredAt: def.registeredAt,
    registeredBy: "arn:aws:iam::000000000000:root",
  };
}

export function shapeService(store: ClusterStore, service: SimEcsService) {
  let running = 0;
  let pending = 0;
  for (const t of store.liveServiceTasks(service.serviceArn)) {
    if (t.lastStatus === "RUNNING") running++;
    else if (TRANSITIONAL_PRE_RUN.has(t.lastStatus)) pending++;
  }
  const steady = running === service.desiredCount && pending === 0;
  return {
    serviceArn: service.serviceArn,
    serviceName: service.serviceName,
    clusterArn: service.clusterArn,
    loadBalancers: [],
    serviceRegistries: [],
    status: service.status,
    desiredCount: service.desiredCount,
    runningCount: running,
    pendingCount: pending,
    launchType: service.launchType,
    platformVersion: service.launchType === "FARGATE" ? "LATEST" : undefined,
    platformFamily: service.launchType === "FARGATE" ? "Linux" : undefined,
    taskDefinition: service.taskDefinitionArn,
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: false, rollback: false },
      maximumPercent: service.schedulingStrategy === "DAEMON" ? 100 : 200,
      minimumHealthyPercent: service.schedulingStrategy === "DAEMON" ? 0 : 100,
    },
    deployments: [
      {
        id: service.deploymentId,
        status: "PRIMARY",
        taskDefinition: service.taskDefinitionArn,
        desiredCount: service.desiredCount,
        pendingCount: pending,
        runningCount: running,
        failedTasks: 0,
        createdAt: service.createdAt,
        updatedAt: service.updatedAt ?? service.createdAt,
        launchType: service.launchType,
        networkConfiguration: service.networkConfiguration,
        rolloutState: steady ? "COMPLETED" : "IN_PROGRESS",
        rolloutStateReason: steady ? "ECS deployment completed." : "ECS deployment in progress.",
      },
    ],
    events: (service.events ?? []).map((e) => ({ id: e.id, createdAt: e.createdAt, message: e.message })),
    createdAt: service.createdAt,
    placementConstraints: [],
    placementStrategy: [],
    networkConfiguration: service.networkConfiguration,
    schedulingStrategy: service.schedulingStrategy ?? "REPLICA",
    enableECSManagedTags: false,
    propagateTags: "NONE",
    enableExecuteCommand: false,
    createdBy: "arn:aws:iam::000000000000:root",
  };
}
