import { AwsError } from "../aws/service.js";
import { EPHEMERAL_PORT_MIN, RESERVED_PORTS } from "./addresses.js";
import type { CreateServiceInput, RegisterInstanceInput, TaskDefinitionInput, UpdateServiceInput } from "./inputs.js";
import type { SimCluster, SimContainerInstance, SimService, SimTaskDefinition } from "./model.js";
import { reconcileService } from "./service-scheduler.js";
import type { InstanceBook } from "./store-state.js";
import { validateTaskDefinition } from "./task-definition-validation.js";
import { TaskLifecycle } from "./task-lifecycle.js";

export type { PlacementFailureEntry } from "./inputs.js";
export type { ClusterStoreOptions } from "./store-state.js";

/**
 * The simulated ECS control plane: clusters, container instances, task definitions, tasks with placement
 * and lifecycle, and a service scheduler. Implements {@link ClusterStoreView} for the node surfaces,
 * workloads, event delivery and control API. Mutations throw {@link AwsError} with ECS's error codes.
 */
export class ClusterStore extends TaskLifecycle {
  private readonly reconcileQueue = new Set<string>();
  private reconciling = false;

  // ---- clusters ----

  /** Creates a cluster (idempotent, as CreateCluster is). */
  createCluster(name: string): SimCluster {
    const arn = this.arns.cluster(name);
    let cluster = this.clusterMap.get(arn);
    if (!cluster) {
      cluster = { clusterArn: arn, clusterName: name, status: "ACTIVE" };
      this.clusterMap.set(arn, cluster);
      this.generation++;
    }
    return cluster;
  }

  // ---- task definitions ----

  registerTaskDefinition(input: TaskDefinitionInput): SimTaskDefinition {
    const normalized = validateTaskDefinition(input);
    const revisions = this.familyMap.get(normalized.family) ?? [];
    const revision = revisions.length + 1;
    const def: SimTaskDefinition = {
      ...normalized,
      taskDefinitionArn: this.arns.taskDefinition(normalized.family, revision),
      revision,
      status: "ACTIVE",
      registeredAt: this.now(),
    };
    revisions.push(def);
    this.familyMap.set(def.family, revisions);
    this.taskDefMap.set(def.taskDefinitionArn, def);
    this.generation++;
    return def;
  }

  // ---- container instances ----

  registerContainerInstance(input: RegisterInstanceInput): SimContainerInstance {
    const cluster = this.requireCluster(input.cluster);
    const type = this.instanceType(input.instanceType);
    if (!type) throw new AwsError("InvalidParameterException", `Unsupported instance type: ${input.instanceType}`);
    const id = this.rng.hex(32);
    const index = this.instanceMap.size;
    const az = `${this.region}${"abc"[index % 3]}`;
    const trunking = (input.trunking ?? this.options.trunking ?? false) && type.trunkBranchEnis > 0;
    const privateIp = this.addresses.instanceIp();
    const primaryEni = {
      eniId: this.addresses.eniId(),
      macAddress: this.addresses.macAddress(),
      privateIpv4Address: privateIp,
    };
    const arch = input.instanceType.startsWith("c6g") ? "arm64" : "x86_64";
    const attributes = [
      { name: "ecs.instance-type", value: input.instanceType },
      { name: "ecs.availability-zone", value: az },
      { name: "ecs.os-type", value: "linux" },
      { name: "ecs.os-family", value: "LINUX" },
      { name: "ecs.cpu-architecture", value: arch },
      { name: "ecs.ami-id", value: "ami-0sim00000000000ecs" },
      { name: "ecs.capability.task-eni" },
      { name: "ecs.capability.docker-plugin.local" },
      { name: "com.amazonaws.ecs.capability.docker-remote-api.1.44" },
      { name: "com.amazonaws.ecs.capability.logging-driver.awslogs" },
      { name: "ecs.capability.container-health-check" },
      ...(trunking ? [{ name: "ecs.awsvpc-trunk-id", value: this.rng.uuid() }] : []),
      ...(input.attributes ?? []),
    ];
    const memoryOverhead = Math.min(512, Math.max(128, Math.round(type.memoryMiB * 0.06)));
    const instance: SimContainerInstance = {
      containerInstanceArn: this.arns.containerInstance(cluster.clusterName, id),
      id,
      ec2InstanceId: input.ec2InstanceId ?? this.addresses.ec2InstanceId(),
      instanceType: input.instanceType,
      privateIp,
      status: "ACTIVE",
      agentConnected: true,
      registeredCpu: type.vcpus * 1024,
      registeredMemory: type.memoryMiB - memoryOverhead,
      attributes,
      registeredAt: this.now(),
      usedPorts: new Set(RESERVED_PORTS),
      trunking,
      version: 0,
      availabilityZone: az,
      subnetId: this.subnetFor(az),
      vpcId: this.vpcId(),
      primaryEni,
      ec2State: "running",
      cgroup: input.cgroup ?? (index % 2 === 0 ? "v2" : "v1"),
    };
    const book: InstanceBook = {
      cpu: 0,
      memory: 0,
      enis: 0,
      tcpPorts: instance.usedPorts,
      udpPorts: new Set(),
      portCursor: { next: EPHEMERAL_PORT_MIN },
      udpCursor: { next: EPHEMERAL_PORT_MIN },
      tasks: new Set(),
    };
    this.instanceMap.set(instance.containerInstanceArn, instance);
    this.instanceById.set(id, instance);
    this.instanceCluster.set(instance.containerInstanceArn, cluster.clusterArn);
    const list = this.instancesByCluster.get(cluster.clusterArn) ?? [];
    list.push(instance);
    this.instancesByCluster.set(cluster.clusterArn, list);
    this.books.set(instance.containerInstanceArn, book);
    this.instanceSetVersion++;
    this.touchInstance(instance);
    this.requestReconcile(cluster.clusterArn);
    return instance;
  }

  /**
   * Simulates losing a node. "terminate" (default): the EC2 instance is terminated, its tasks stop and the
   * container instance goes INACTIVE. "disconnect": only the ECS agent drops (agentConnected false); tasks
   * keep running, as in ECS.
   */
  killNode(arnOrId: string, mode: "terminate" | "disconnect" = "terminate"): SimContainerInstance {
    const instance = this.instance(arnOrId);
    if (!instance) throw new AwsError("InvalidParameterException", `Container instance not found: ${arnOrId}`);
    instance.agentConnected = false;
    this.instanceSetVersion++;
    if (mode === "terminate") {
      instance.status = "INACTIVE";
      instance.ec2State = "terminated";
      for (const task of this.tasksOnInstance(instance.containerInstanceArn)) {
        this.stopTask(
          task.taskArn,
          `Host EC2 (instance ${instance.ec2InstanceId}) terminated.`,
          "TaskFailedToStart",
          true,
        );
      }
    }
    this.touchInstance(instance);
    this.requestReconcile(this.clusterOfInstance(instance));
    return instance;
  }

  // ---- services ----

  createService(input: CreateServiceInput): SimService {
    const cluster = this.requireCluster(input.cluster);
    const def = this.resolveTaskDefinition(input.taskDefinition);
    if (!def) throw new AwsError("ClientException", "TaskDefinition not found.");
    let services = this.serviceMap.get(cluster.clusterArn);
    if (!services) {
      services = new Map();
      this.serviceMap.set(cluster.clusterArn, services);
    }
    const existing = services.get(input.serviceName);
    if (existing && existing.status !== "INACTIVE") {
      throw new AwsError("InvalidParameterException", "Creation of service was not idempotent.");
    }
    const strategy = input.schedulingStrategy ?? "REPLICA";
    const service: SimService = {
      serviceArn: this.arns.service(cluster.clusterName, input.serviceName),
      serviceName: input.serviceName,
      clusterArn: cluster.clusterArn,
      taskDefinitionArn: def.taskDefinitionArn,
      desiredCount: strategy === "DAEMON" ? 0 : (input.desiredCount ?? 0),
      launchType:
        input.launchType ??
        (def.requiresCompatibilities.length === 1 && def.requiresCompatibilities[0] === "FARGATE" ? "FARGATE" : "EC2"),
      status: "ACTIVE",
      createdAt: this.now(),
      updatedAt: this.now(),
      networkConfiguration: input.networkConfiguration,
      schedulingStrategy: strategy,
      events: [],
      deploymentId: `ecs-svc/${this.rng.int(1e15, 9e15)}`,
    };
    services.set(service.serviceName, service);
    this.generation++;
    this.requestReconcile(cluster.clusterArn);
    return service;
  }

  updateService(input: UpdateServiceInput): SimService {
    const cluster = this.requireCluster(input.cluster);
    const service = this.service(cluster.clusterArn, input.service);
    if (!service) throw new AwsError("ServiceNotFoundException", "Service not found.");
    if (service.status !== "ACTIVE") throw new AwsError("ServiceNotActiveException", "Service was not ACTIVE.");
    if (input.taskDefinition !== undefined) {
      const def = this.resolveTaskDefinition(input.taskDefinition);
      if (!def) throw new AwsError("ClientException", "TaskDefinition not found.");
      if (def.taskDefinitionArn !== service.taskDefinitionArn) {
        service.taskDefinitionArn = def.taskDefinitionArn;
        service.deploymentId = `ecs-svc/${this.rng.int(1e15, 9e15)}`;
      }
    }
    if (input.desiredCount !== undefined && service.schedulingStrategy !== "DAEMON")
      service.desiredCount = input.desiredCount;
    if (input.forceNewDeployment) {
      service.deploymentId = `ecs-svc/${this.rng.int(1e15, 9e15)}`;
      for (const task of this.liveServiceTasks(service.serviceArn)) {
        this.stopTask(
          task.taskArn,
          `Deployment ${service.deploymentId} replaced the task`,
          "ServiceSchedulerInitiated",
        );
      }
    }
    service.updatedAt = this.now();
    this.generation++;
    this.requestReconcile(cluster.clusterArn);
    return service;
  }

  /** Adds a scheduler message to a service's events (newest first, at most 100). */
  serviceEvent(service: SimService, message: string): void {
    if (!service.events) service.events = [];
    const events = service.events;
    if (events[0]?.message === message) return;
    events.unshift({
      id: this.rng.uuid(),
      createdAt: this.now(),
      message: `(service ${service.serviceName}) ${message}`,
    });
    if (events.length > 100) events.length = 100;
  }

  // ---- whole store ----

  /** Forgets everything (after telling subscribers every task stopped and every instance left). */
  reset(): void {
    this.cancelLifecycle();
    for (const task of this.taskMap.values()) {
      if (task.lastStatus === "STOPPED") continue;
      const previous = task.lastStatus;
      task.lastStatus = "STOPPED";
      task.desiredStatus = "STOPPED";
      this.touchTask(task, previous);
    }
    for (const instance of this.instanceMap.values()) {
      instance.status = "INACTIVE";
      instance.agentConnected = false;
      this.touchInstance(instance);
    }
    this.clearIndexes();
  }

  /** Runs the service scheduler for a cluster; re-entrant calls are queued and drained by the outer call. */
  protected requestReconcile(clusterArn: string): void {
    this.reconcileQueue.add(clusterArn);
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      let guard = 0;
      while (this.reconcileQueue.size > 0 && guard++ < 1000) {
        const next = this.reconcileQueue.values().next().value as string;
        this.reconcileQueue.delete(next);
        for (const service of this.services(next)) reconcileService(this, service);
      }
    } finally {
      this.reconciling = false;
    }
  }
}
