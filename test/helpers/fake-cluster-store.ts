import { hexId, macFor } from "../../sim/node/seeded.js";
import type {
  ClusterStoreView,
  NetworkMode,
  SimCluster,
  SimContainerDefinition,
  SimContainerInstance,
  SimInstanceType,
  SimStateEvent,
  SimTask,
  SimTaskDefinition,
  TaskStatus,
  WorkloadFailure,
} from "../../sim/state/model.js";

/**
 * An in-memory {@link ClusterStoreView} for unit tests of the node surfaces and workloads. It does no placement:
 * tests put instances and tasks in directly and emit the events a real store would.
 */

const REGION = "us-east-1";
const ACCOUNT = "000000000000";

const TYPES: SimInstanceType[] = [
  { name: "t3.medium", vcpus: 2, memoryMiB: 4096, maxEnis: 3, ipv4PerEni: 6, trunkBranchEnis: 0 },
  { name: "m5.xlarge", vcpus: 4, memoryMiB: 16_384, maxEnis: 4, ipv4PerEni: 15, trunkBranchEnis: 18 },
];

export class FakeClusterStore implements ClusterStoreView {
  readonly cluster: SimCluster;
  private readonly instanceList: SimContainerInstance[] = [];
  private readonly taskList = new Map<string, SimTask>();
  private readonly defs = new Map<string, SimTaskDefinition>();
  private readonly listeners = new Set<(event: SimStateEvent) => void>();
  private counter = 0;

  constructor(clusterName = "sim") {
    this.cluster = {
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${clusterName}`,
      clusterName,
      status: "ACTIVE",
    };
  }

  clusters(): SimCluster[] {
    return [this.cluster];
  }
  instances(): SimContainerInstance[] {
    return [...this.instanceList];
  }
  instance(arnOrId: string): SimContainerInstance | undefined {
    return this.instanceList.find((i) => i.containerInstanceArn === arnOrId || i.id === arnOrId);
  }
  tasks(): SimTask[] {
    return [...this.taskList.values()];
  }
  tasksOnInstance(arn: string): SimTask[] {
    return this.tasks().filter((t) => t.containerInstanceArn === arn);
  }
  task(arnOrId: string): SimTask | undefined {
    return this.taskList.get(arnOrId) ?? this.tasks().find((t) => t.id === arnOrId);
  }
  taskDefinition(arn: string): SimTaskDefinition | undefined {
    return this.defs.get(arn);
  }
  instanceType(name: string): SimInstanceType | undefined {
    return TYPES.find((t) => t.name === name);
  }
  subscribe(listener: (event: SimStateEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds an instance at `127.0.<n>.1`; `n` should be unique per test file to keep tests apart. */
  addInstance(n: number, options: Partial<SimContainerInstance> = {}): SimContainerInstance {
    const id = hexId(`instance:${this.cluster.clusterName}:${n}`, 32);
    const instance: SimContainerInstance = {
      containerInstanceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/${this.cluster.clusterName}/${id}`,
      id,
      ec2InstanceId: `i-${hexId(`ec2:${id}`, 17)}`,
      instanceType: "m5.xlarge",
      privateIp: `127.0.${n}.1`,
      status: "ACTIVE",
      agentConnected: true,
      registeredCpu: 4096,
      registeredMemory: 15_500,
      attributes: [],
      registeredAt: new Date(Date.now() - 3_600_000),
      usedPorts: new Set(),
      trunking: false,
      ...options,
    };
    this.instanceList.push(instance);
    this.emit({ type: "instanceChanged", instance });
    return instance;
  }

  addTaskDefinition(
    family: string,
    networkMode: NetworkMode,
    containers: Partial<SimContainerDefinition>[],
    options: Partial<SimTaskDefinition> = {},
  ): SimTaskDefinition {
    const revision = [...this.defs.values()].filter((d) => d.family === family).length + 1;
    const def: SimTaskDefinition = {
      taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${revision}`,
      family,
      revision,
      networkMode,
      requiresCompatibilities: ["EC2"],
      status: "ACTIVE",
      registeredAt: new Date(),
      ...options,
      containerDefinitions: containers.map((c, i) => ({
        name: `c${i}`,
        image: `example/${family}:latest`,
        essential: true,
        portMappings: [],
        dockerLabels: {},
        environment: [],
        ...c,
      })),
    };
    this.defs.set(def.taskDefinitionArn, def);
    return def;
  }

  /**
   * Creates a task of `def`. Bridge host ports come from `hostPorts` (containerPort → hostPort); awsvpc tasks get
   * the ENI address `eniIp`.
   */
  addTask(
    def: SimTaskDefinition,
    placement: {
      instance?: SimContainerInstance;
      status?: TaskStatus;
      hostPorts?: Record<number, number>;
      eniIp?: string;
      failure?: WorkloadFailure;
      launchType?: "EC2" | "FARGATE";
      startedAt?: Date;
    },
  ): SimTask {
    this.counter++;
    const id = hexId(`task:${def.family}:${this.counter}:${Math.random()}`, 32);
    const taskArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${this.cluster.clusterName}/${id}`;
    const status = placement.status ?? "RUNNING";
    const launchType = placement.launchType ?? "EC2";
    const awsvpc = def.networkMode === "awsvpc" || launchType === "FARGATE";
    const task: SimTask = {
      taskArn,
      id,
      clusterArn: this.cluster.clusterArn,
      taskDefinitionArn: def.taskDefinitionArn,
      containerInstanceArn: placement.instance?.containerInstanceArn,
      launchType,
      group: `family:${def.family}`,
      lastStatus: status,
      desiredStatus: status === "STOPPED" ? "STOPPED" : "RUNNING",
      version: 1,
      createdAt: new Date(Date.now() - 120_000),
      startedAt: status === "RUNNING" ? (placement.startedAt ?? new Date(Date.now() - 60_000)) : undefined,
      containers: def.containerDefinitions.map((c) => ({
        containerArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container/${this.cluster.clusterName}/${id}/${hexId(c.name, 36)}`,
        name: c.name,
        runtimeId: hexId(`runtime:${id}:${c.name}`),
        image: c.image,
        lastStatus: status,
        networkBindings:
          def.networkMode === "bridge"
            ? c.portMappings.map((m) => ({
                bindIP: "0.0.0.0",
                containerPort: m.containerPort,
                hostPort: placement.hostPorts?.[m.containerPort] ?? m.hostPort ?? m.containerPort,
                protocol: m.protocol,
              }))
            : def.networkMode === "host"
              ? c.portMappings.map((m) => ({
                  bindIP: "0.0.0.0",
                  containerPort: m.containerPort,
                  hostPort: m.containerPort,
                  protocol: m.protocol,
                }))
              : [],
        privateIpv4Address: awsvpc ? placement.eniIp : undefined,
        failure: placement.failure ?? "none",
      })),
      eni:
        awsvpc && placement.eniIp
          ? {
              attachmentId: hexId(`attachment:${id}`, 36),
              eniId: `eni-${hexId(`eni:${id}`, 17)}`,
              privateIpv4Address: placement.eniIp,
              macAddress: macFor(`task-eni:${id}`),
            }
          : undefined,
      cpu: def.cpu,
      memory: def.memory,
    };
    this.taskList.set(taskArn, task);
    this.emit({ type: "taskChanged", task, previousStatus: undefined });
    return task;
  }

  /** Moves a task (and its containers) to `status`, as a real store would, and emits `taskChanged`. */
  setTaskStatus(taskArn: string, status: TaskStatus): SimTask {
    const task = this.taskList.get(taskArn);
    if (!task) throw new Error(`no task ${taskArn}`);
    const previousStatus = task.lastStatus;
    task.lastStatus = status;
    task.version++;
    for (const c of task.containers) c.lastStatus = status;
    if (status === "RUNNING" && !task.startedAt) task.startedAt = new Date();
    if (status === "STOPPED") {
      task.desiredStatus = "STOPPED";
      task.stoppedAt = new Date();
      task.stoppedReason = "Task stopped by user";
    }
    this.emit({ type: "taskChanged", task, previousStatus });
    return task;
  }

  private emit(event: SimStateEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
