import { AwsError } from "../aws/service.js";
import type { PlacementFailureEntry, RunTaskInput, RunTaskResult } from "./inputs.js";
import type { LaunchType, SimCluster, SimContainerInstance, SimTask, SimTaskDefinition } from "./model.js";
import { type InstanceCapacity, placementFailure, type TaskRequirements, taskRequirements } from "./placement.js";
import { type InstanceBook, StoreState } from "./store-state.js";
import { buildTask, releaseTask } from "./task-factory.js";

export type { PlacementFailureEntry };

interface Candidate {
  instance: SimContainerInstance;
  book: InstanceBook;
  capacity: InstanceCapacity;
}

/**
 * Task placement and lifecycle: RunTask/StartTask with ECS's resource checks, PROVISIONING → PENDING →
 * RUNNING and STOPPING → STOPPED over the configured delay, and resource release at STOPPED. The service
 * scheduler (in {@link ClusterStore}) hears about stops through {@link requestReconcile}.
 */
export abstract class TaskLifecycle extends StoreState {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly capacities = new WeakMap<SimContainerInstance, InstanceCapacity>();
  private readonly candidateCache = new Map<string, { version: number; list: Candidate[] }>();
  /** Moves whenever an instance registers, leaves, or changes status or agent connection. */
  protected instanceSetVersion = 0;
  private closed = false;

  /** Runs the service scheduler of a cluster after a change that may need it. */
  protected abstract requestReconcile(clusterArn: string): void;

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

  /** Cancels pending lifecycle timers; the store stays readable. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Cancels every pending lifecycle step (reset). */
  protected cancelLifecycle(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.candidateCache.clear();
    this.instanceSetVersion++;
  }

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
}
