import { AwsError } from "../aws/service.js";
import { EPHEMERAL_PORT_MIN, RESERVED_PORTS } from "./addresses.js";
import type {
  CreateServiceInput,
  PlacementFailureEntry,
  RegisterInstanceInput,
  RunTaskInput,
  RunTaskResult,
  TaskDefinitionInput,
  UpdateServiceInput,
} from "./inputs.js";
import type { LaunchType, SimCluster, SimContainerInstance, SimService, SimTask, SimTaskDefinition } from "./model.js";
import { type InstanceCapacity, placementFailure, type TaskRequirements, taskRequirements } from "./placement.js";
import { reconcileService } from "./service-scheduler.js";
import { type InstanceBook, StoreState } from "./store-state.js";
import { validateTaskDefinition } from "./task-definition-validation.js";
import { buildTask, releaseTask } from "./task-factory.js";

export type { ClusterStoreOptions } from "./store-state.js";

interface Candidate {
  instance: SimContainerInstance;
  book: InstanceBook;
  capacity: InstanceCapacity;
}

/**
 * The simulated ECS control plane: clusters, container instances, task definitions, tasks with placement
 * and lifecycle, and a service scheduler. Implements {@link ClusterStoreView} for the node surfaces,
 * workloads, event delivery and control API. Mutations throw {@link AwsError} with ECS's error codes.
 */
export class ClusterStore extends StoreState {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly capacities = new WeakMap<SimContainerInstance, InstanceCapacity>();
  private readonly candidateCache = new Map<string, { version: number; list: Candidate[] }>();
  /** Moves whenever an instance registers, leaves, or changes status or agent connection. */
  private instanceSetVersion = 0;
  private readonly reconcileQueue = new Set<string>();
  private reconciling = false;
  private closed = false;

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

  /** The cluster by name or ARN; ClusterNotFoundException otherwise. `undefined` means "default". */
  requireCluster(nameOrArn: string | undefined): SimCluster {
    const cluster = this.cluster(nameOrArn || "default");
    if (cluster?.status !== "ACTIVE") throw new AwsError("ClusterNotFoundException", "Cluster not found.");
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

  /** Resolves `family`, `family:revision` or an ARN; latest ACTIVE revision for a bare family. */
  resolveTaskDefinition(ref: string): SimTaskDefinition | undefined {
    if (ref.startsWith("arn:")) return this.taskDefMap.get(ref);
    const colon = ref.lastIndexOf(":");
    if (colon > 0) {
      const revision = Number(ref.slice(colon + 1));
      return this.familyMap.get(ref.slice(0, colon))?.[revision - 1];
    }
    const revisions = this.familyMap.get(ref) ?? [];
    for (let i = revisions.length - 1; i >= 0; i--) if (revisions[i]?.status === "ACTIVE") return revisions[i];
    return undefined;
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

  /** Sets an instance ACTIVE or DRAINING (UpdateContainerInstancesState). */
  setInstanceStatus(arnOrId: string, status: "ACTIVE" | "DRAINING"): SimContainerInstance {
    const instance = this.instance(arnOrId);
    if (!instance || instance.status === "INACTIVE") {
      throw new AwsError("InvalidParameterException", `Container instance not found: ${arnOrId}`);
    }
    instance.status = status;
    this.instanceSetVersion++;
    this.touchInstance(instance);
    this.requestReconcile(this.clusterOfInstance(instance));
    return instance;
  }

  // ---- tasks ----

  /** RunTask / StartTask: places up to `count` tasks; what does not fit comes back in `failures`. */
  runTask(input: RunTaskInput): RunTaskResult {
    const cluster = this.requireCluster(input.cluster);
    const def = this.resolveTaskDefinition(input.taskDefinition);
    if (!def) throw new AwsError("ClientException", "TaskDefinition not found.");
    const count = input.count ?? 1;
    const launchType: LaunchType =
      input.launchType ??
      (def.requiresCompatibilities.length === 1 && def.requiresCompatibilities[0] === "FARGATE" ? "FARGATE" : "EC2");
    if (launchType === "FARGATE" && def.networkMode !== "awsvpc") {
      throw new AwsError("InvalidParameterException", "Task definition does not support launch_type FARGATE.");
    }
    if (
      launchType === "EC2" &&
      def.requiresCompatibilities.length > 0 &&
      !def.requiresCompatibilities.includes("EC2")
    ) {
      throw new AwsError("InvalidParameterException", "Task definition does not support launch_type EC2.");
    }
    const group = input.group ?? (input.serviceName ? `service:${input.serviceName}` : `family:${def.family}`);
    const result: RunTaskResult = { tasks: [], failures: [] };
    const req = taskRequirements(def);
    if (launchType === "FARGATE") {
      for (let i = 0; i < count; i++) {
        const az = `${this.region}${"abc"[this.rng.int(0, 2)]}`;
        result.tasks.push(this.launch(def, cluster, launchType, group, input, undefined, undefined, az));
      }
      return result;
    }
    if (input.containerInstances) {
      for (const ref of input.containerInstances) {
        const instance = this.instance(ref);
        const book = instance ? this.books.get(instance.containerInstanceArn) : undefined;
        if (
          !instance ||
          !book ||
          this.clusterOfInstance(instance) !== cluster.clusterArn ||
          instance.status === "INACTIVE"
        ) {
          result.failures.push({ arn: ref, reason: "MISSING" });
          continue;
        }
        const reason = placementFailure(req, this.capacity(instance), book, this.portsFree(req, book));
        if (reason) result.failures.push({ arn: instance.containerInstanceArn, reason });
        else
          result.tasks.push(
            this.launch(def, cluster, launchType, group, input, instance, book, instance.availabilityZone),
          );
      }
      return result;
    }
    const candidates = this.candidates(cluster.clusterArn);
    if (candidates.length === 0) {
      result.failures.push({ reason: "No Container Instances were found in your cluster." });
      return result;
    }
    const strategy = input.placementStrategy?.[0]?.type ?? "spread";
    for (let n = 0; n < count; n++) {
      const chosen = this.choose(candidates, req, strategy);
      if (!chosen) {
        for (const c of candidates) {
          const reason = placementFailure(req, c.capacity, c.book, this.portsFree(req, c.book));
          if (reason) result.failures.push({ arn: c.instance.containerInstanceArn, reason });
        }
        break;
      }
      result.tasks.push(
        this.launch(
          def,
          cluster,
          launchType,
          group,
          input,
          chosen.instance,
          chosen.book,
          chosen.instance.availabilityZone,
        ),
      );
    }
    return result;
  }

  /**
   * StopTask: desiredStatus STOPPED, then STOPPING→STOPPED over the lifecycle delay; resources are released
   * at STOPPED. Idempotent for a task already stopping.
   */
  stopTask(
    taskArnOrId: string,
    reason = "Task stopped by user",
    stopCode: SimTask["stopCode"] = "UserInitiated",
    immediate = false,
  ): SimTask {
    const task = this.task(taskArnOrId);
    if (!task) throw new AwsError("InvalidParameterException", "The referenced task was not found.");
    if (task.desiredStatus === "STOPPED") return task;
    this.clearTimer(task.taskArn);
    task.desiredStatus = "STOPPED";
    if (task.serviceName) {
      this.serviceTasks.get(this.arns.service(this.clusterName(task.clusterArn), task.serviceName))?.delete(task);
    }
    task.stoppedReason = reason;
    task.stopCode = stopCode;
    task.stoppingAt = this.now();
    const previous = task.lastStatus;
    task.lastStatus = "STOPPING";
    this.touchTask(task, previous);
    const delay = immediate ? 0 : this.lifecycleDelay();
    if (delay <= 0) this.finishStop(task);
    else this.schedule(task.taskArn, delay, () => this.finishStop(task));
    if (task.serviceName) this.requestReconcile(task.clusterArn);
    return task;
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
    service.updatedAt = this.now();
    this.generation++;
    this.requestReconcile(cluster.clusterArn);
    return service;
  }

  /** DeleteService: scales to 0 and marks the service INACTIVE (after DRAINING, immediately here). */
  deleteService(clusterRef: string | undefined, serviceRef: string): SimService {
    const cluster = this.requireCluster(clusterRef);
    const service = this.service(cluster.clusterArn, serviceRef);
    if (!service || service.status === "INACTIVE") throw new AwsError("ServiceNotFoundException", "Service not found.");
    service.desiredCount = 0;
    service.status = "INACTIVE";
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
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
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
    this.candidateCache.clear();
    this.instanceSetVersion++;
  }

  /** Cancels pending lifecycle timers; the store stays readable. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  // ---- internals ----

  private portsFree(req: TaskRequirements, book: InstanceBook): number {
    return req.dynamicTcpPorts + req.dynamicUdpPorts > 0 ? this.ephemeralFree(book) : Number.POSITIVE_INFINITY;
  }

  private capacity(instance: SimContainerInstance): InstanceCapacity {
    let capacity = this.capacities.get(instance);
    if (!capacity) {
      capacity = {
        cpu: instance.registeredCpu,
        memory: instance.registeredMemory,
        type: this.instanceType(instance.instanceType),
        trunking: instance.trunking,
      };
      this.capacities.set(instance, capacity);
    }
    return capacity;
  }

  /** ACTIVE, connected instances of a cluster; rebuilt only when the instance set or a status changes. */
  private candidates(clusterArn: string): Candidate[] {
    const cached = this.candidateCache.get(clusterArn);
    if (cached && cached.version === this.instanceSetVersion) return cached.list;
    const list: Candidate[] = [];
    for (const instance of this.instancesByCluster.get(clusterArn) ?? []) {
      if (instance.status !== "ACTIVE" || !instance.agentConnected) continue;
      list.push({ instance, book: this.books.get(instance.containerInstanceArn)!, capacity: this.capacity(instance) });
    }
    this.candidateCache.set(clusterArn, { version: this.instanceSetVersion, list });
    return list;
  }

  /** The instance a task goes to under the strategy (spread: fewest tasks; binpack: least memory left), or none. */
  private choose(
    candidates: Candidate[],
    req: TaskRequirements,
    strategy: "random" | "spread" | "binpack",
  ): Candidate | undefined {
    let best: Candidate | undefined;
    const fitting: Candidate[] = [];
    for (const c of candidates) {
      if (placementFailure(req, c.capacity, c.book, this.portsFree(req, c.book))) continue;
      if (strategy === "random") fitting.push(c);
      else if (!best) best = c;
      else if (strategy === "binpack") {
        if (c.capacity.memory - c.book.memory < best.capacity.memory - best.book.memory) best = c;
      } else if (c.book.tasks.size < best.book.tasks.size) best = c;
    }
    return strategy === "random" ? this.rng.pick(fitting) : best;
  }

  private launch(
    def: SimTaskDefinition,
    cluster: SimCluster,
    launchType: LaunchType,
    group: string,
    input: RunTaskInput,
    instance: SimContainerInstance | undefined,
    book: InstanceBook | undefined,
    az: string | undefined,
  ): SimTask {
    const req = taskRequirements(def);
    if (book) {
      book.cpu += req.cpu;
      book.memory += req.memory;
    }
    const task = buildTask({
      def,
      clusterArn: cluster.clusterArn,
      clusterName: cluster.clusterName,
      launchType,
      group,
      serviceName: input.serviceName,
      startedBy: input.startedBy,
      instance,
      book,
      availabilityZone: az ?? `${this.region}a`,
      createdAt: this.now(),
      arns: this.arns,
      rng: this.rng,
      addresses: this.addresses,
    });
    this.taskMap.set(task.taskArn, task);
    this.taskById.set(task.id, task);
    if (input.startedBy) this.startedByMap.set(task.taskArn, input.startedBy);
    if (input.serviceName) {
      const key = this.arns.service(cluster.clusterName, input.serviceName);
      let set = this.serviceTasks.get(key);
      if (!set) {
        set = new Set();
        this.serviceTasks.set(key, set);
      }
      set.add(task);
    }
    this.touchTask(task, undefined);
    if (instance) this.touchInstance(instance);
    this.advance(task);
    return task;
  }

  /** Moves a task one lifecycle step towards RUNNING, now or after the configured delay. */
  private advance(task: SimTask): void {
    const step = () => {
      if (task.desiredStatus !== "RUNNING") return;
      const previous = task.lastStatus;
      if (previous === "PROVISIONING") {
        task.lastStatus = "PENDING";
        task.pullStartedAt = this.now();
      } else if (previous === "PENDING") {
        const now = this.now();
        task.lastStatus = "RUNNING";
        task.pullStoppedAt = now;
        task.startedAt = now;
        task.connectivity = "CONNECTED";
        task.connectivityAt = now;
        for (const c of task.containers) c.lastStatus = "RUNNING";
      } else {
        return;
      }
      this.touchTask(task, previous);
      if (task.lastStatus !== "RUNNING") this.advance(task);
    };
    const delay = this.lifecycleDelay();
    if (delay <= 0) step();
    else this.schedule(task.taskArn, delay, step);
  }

  private finishStop(task: SimTask): void {
    this.clearTimer(task.taskArn);
    if (task.lastStatus === "STOPPED") return;
    const previous = task.lastStatus;
    const now = this.now();
    task.lastStatus = "STOPPED";
    task.stoppedAt = now;
    task.executionStoppedAt = now;
    for (const c of task.containers) {
      c.lastStatus = "STOPPED";
      c.exitCode ??= 0;
    }
    const def = this.taskDefMap.get(task.taskDefinitionArn);
    const book = task.containerInstanceArn ? this.books.get(task.containerInstanceArn) : undefined;
    const req = def ? taskRequirements(def) : { cpu: 0, memory: 0 };
    releaseTask(task, book, req, this.addresses);
    this.touchTask(task, previous);
    const instance = task.containerInstanceArn ? this.instanceMap.get(task.containerInstanceArn) : undefined;
    if (instance) this.touchInstance(instance);
    this.stoppedOrder.push(task);
    this.pruneStopped();
    this.requestReconcile(task.clusterArn);
  }

  private pruneStopped(): void {
    const max = this.options.maxStoppedTasks ?? 5000;
    while (this.stoppedOrder.length > max) {
      const old = this.stoppedOrder.shift()!;
      this.taskMap.delete(old.taskArn);
      this.taskById.delete(old.id);
      this.startedByMap.delete(old.taskArn);
    }
  }

  private schedule(key: string, delay: number, fn: () => void): void {
    if (this.closed) return;
    this.clearTimer(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      fn();
    }, delay);
    timer.unref?.();
    this.timers.set(key, timer);
  }

  private clearTimer(key: string): void {
    const timer = this.timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(key);
    }
  }

  /** Runs the service scheduler for a cluster; re-entrant calls are queued and drained by the outer call. */
  private requestReconcile(clusterArn: string): void {
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

export type { PlacementFailureEntry };
