import { SeededRng } from "../../lib/rng.js";
import { AwsError } from "../aws/service.js";
import { instanceTypeInfo } from "../aws/services/instance-types.js";
import { AddressAllocator, EPHEMERAL_PORT_MAX, EPHEMERAL_PORT_MIN, RESERVED_PORTS } from "./addresses.js";
import { ArnBuilder, clusterNameOf, lastSegment } from "./arns.js";
import type {
  ClusterStoreView,
  SimCluster,
  SimContainerInstance,
  SimInstanceType,
  SimService,
  SimStateEvent,
  SimTask,
  SimTaskDefinition,
} from "./model.js";
import type { InstanceUsage } from "./placement.js";

/** Options of a {@link ClusterStore}. */
export interface ClusterStoreOptions {
  /** @defaultValue "us-east-1" */
  region?: string;
  /** @defaultValue "000000000000" */
  accountId?: string;
  /** Seeds every id, address and placement tie-break. @defaultValue 1 */
  seed?: number;
  /** Second octet of the simulator's `127.<base>.0.0/16` block. @defaultValue random in 2..253 */
  addressBase?: number;
  /** Default for new container instances: the awsvpcTrunking account setting. @defaultValue false */
  trunking?: boolean;
  /**
   * Delay of each lifecycle step (PROVISIONING→PENDING→RUNNING, STOPPING→STOPPED) in ms: a fixed value or a
   * `[min, max]` range drawn per step. 0 makes every transition synchronous. @defaultValue [100, 250]
   */
  transitionDelayMs?: number | [number, number];
  /** STOPPED tasks kept for DescribeTasks/ListTasks before the oldest are forgotten. @defaultValue 5000 */
  maxStoppedTasks?: number;
  /** Wall clock in ms. @defaultValue Date.now */
  now?: () => number;
}

/** Internal bookkeeping of one container instance's reservations. */
export interface InstanceBook extends InstanceUsage {
  tcpPorts: Set<number>;
  udpPorts: Set<number>;
  portCursor: { next: number };
  udpCursor: { next: number };
  tasks: Set<SimTask>;
}

/**
 * Indexes, ids and event emission shared by the store's parts. Subclassed by {@link ClusterStore}; every
 * mutation goes through `touch*` so that `generation` and the per-object `version` move and listeners
 * hear about it synchronously.
 */
export class StoreState implements ClusterStoreView {
  readonly region: string;
  readonly accountId: string;
  readonly seed: number;
  readonly addressBase: number;
  readonly arns: ArnBuilder;
  protected readonly options: ClusterStoreOptions;
  protected rng: SeededRng;
  protected delayRng: SeededRng;
  protected addresses: AddressAllocator;
  /** Moves on every change; caches key on it. */
  generation = 0;

  protected readonly clusterMap = new Map<string, SimCluster>();
  protected readonly instanceMap = new Map<string, SimContainerInstance>();
  protected readonly instanceById = new Map<string, SimContainerInstance>();
  protected readonly books = new Map<string, InstanceBook>();
  protected readonly taskMap = new Map<string, SimTask>();
  protected readonly taskById = new Map<string, SimTask>();
  protected readonly stoppedOrder: SimTask[] = [];
  protected readonly taskDefMap = new Map<string, SimTaskDefinition>();
  protected readonly familyMap = new Map<string, SimTaskDefinition[]>();
  protected readonly serviceMap = new Map<string, Map<string, SimService>>();
  protected readonly startedByMap = new Map<string, string>();
  /** Service ARN → its tasks whose desiredStatus is RUNNING. */
  protected readonly serviceTasks = new Map<string, Set<SimTask>>();
  protected readonly instancesByCluster = new Map<string, SimContainerInstance[]>();
  protected readonly instanceCluster = new Map<string, string>();
  private readonly listeners = new Set<(event: SimStateEvent) => void>();

  constructor(options: ClusterStoreOptions = {}) {
    this.options = options;
    this.region = options.region ?? "us-east-1";
    this.accountId = options.accountId ?? "000000000000";
    this.seed = options.seed ?? 1;
    this.addressBase = options.addressBase ?? 2 + Math.floor(Math.random() * 252);
    this.arns = new ArnBuilder(this.region, this.accountId);
    this.rng = new SeededRng(this.seed);
    this.delayRng = new SeededRng(this.seed ^ 0x5bd1e995);
    this.addresses = new AddressAllocator(this.addressBase, this.rng);
  }

  now(): Date {
    return new Date(this.options.now ? this.options.now() : Date.now());
  }

  // ---- ClusterStoreView ----

  clusters(): SimCluster[] {
    return [...this.clusterMap.values()];
  }

  instances(clusterArn?: string): SimContainerInstance[] {
    if (clusterArn) return [...(this.instancesByCluster.get(clusterArn) ?? [])];
    return [...this.instanceMap.values()];
  }

  instance(containerInstanceArnOrId: string): SimContainerInstance | undefined {
    return (
      this.instanceMap.get(containerInstanceArnOrId) ?? this.instanceById.get(lastSegment(containerInstanceArnOrId))
    );
  }

  tasks(clusterArn?: string): SimTask[] {
    const all = [...this.taskMap.values()];
    return clusterArn ? all.filter((t) => t.clusterArn === clusterArn) : all;
  }

  tasksOnInstance(containerInstanceArn: string): SimTask[] {
    const inst = this.instance(containerInstanceArn);
    const book = inst ? this.books.get(inst.containerInstanceArn) : undefined;
    return book ? [...book.tasks] : [];
  }

  task(taskArnOrId: string): SimTask | undefined {
    return this.taskMap.get(taskArnOrId) ?? this.taskById.get(lastSegment(taskArnOrId));
  }

  taskDefinition(taskDefinitionArn: string): SimTaskDefinition | undefined {
    return this.taskDefMap.get(taskDefinitionArn);
  }

  instanceType(name: string): SimInstanceType | undefined {
    return instanceTypeInfo(name);
  }

  subscribe(listener: (event: SimStateEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- extra reads ----

  /** The cluster by name or ARN. */
  cluster(nameOrArn: string): SimCluster | undefined {
    return this.clusterMap.get(nameOrArn.startsWith("arn:") ? nameOrArn : this.arns.cluster(nameOrArn));
  }

  /** Services of a cluster (every status). */
  services(clusterArn: string): SimService[] {
    return [...(this.serviceMap.get(clusterArn)?.values() ?? [])];
  }

  service(clusterArn: string, nameOrArn: string): SimService | undefined {
    return this.serviceMap.get(clusterArn)?.get(lastSegment(nameOrArn));
  }

  /** Every registered revision of every family, in registration order. */
  taskDefinitions(): SimTaskDefinition[] {
    return [...this.taskDefMap.values()];
  }

  /** Revisions of one family in revision order. */
  family(name: string): SimTaskDefinition[] {
    return this.familyMap.get(name) ?? [];
  }

  /** Reserved CPU/memory/ENIs/ports on an instance (what remainingResources subtracts). */
  usage(containerInstanceArn: string): InstanceUsage | undefined {
    return this.books.get(containerInstanceArn);
  }

  /**
   * Free ephemeral ports left on an instance. Counts every used TCP host port against the range (static
   * ports outside it make this slightly conservative), which keeps placement O(1) per instance.
   */
  ephemeralFree(book: InstanceBook): number {
    return EPHEMERAL_PORT_MAX - EPHEMERAL_PORT_MIN + 1 - Math.max(0, book.tcpPorts.size - RESERVED_PORTS.length);
  }

  /** The `startedBy` given to RunTask/StartTask for a task. */
  startedByOf(taskArn: string): string | undefined {
    return this.startedByMap.get(taskArn);
  }

  clusterOfInstance(instance: SimContainerInstance): string {
    return (
      this.instanceCluster.get(instance.containerInstanceArn) ??
      this.arns.cluster(instance.containerInstanceArn.split("/")[1] ?? "default")
    );
  }

  /** A service's tasks whose desiredStatus is RUNNING. */
  liveServiceTasks(serviceArn: string): SimTask[] {
    return [...(this.serviceTasks.get(serviceArn) ?? [])];
  }

  clusterName(clusterArn: string): string {
    return clusterNameOf(clusterArn);
  }

  /** The cluster by name or ARN; ClusterNotFoundException otherwise. `undefined` means "default". */
  requireCluster(nameOrArn: string | undefined): SimCluster {
    const cluster = this.cluster(nameOrArn || "default");
    if (cluster?.status !== "ACTIVE") throw new AwsError("ClusterNotFoundException", "Cluster not found.");
    return cluster;
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

  /** The simulated subnet of an availability zone (stable per seed). */
  subnetFor(az: string): string {
    return `subnet-${stableHex(`${this.seed}:${az}`, 17)}`;
  }

  vpcId(): string {
    return `vpc-${stableHex(`${this.seed}:vpc`, 17)}`;
  }

  // ---- internals ----

  protected emit(event: SimStateEvent): void {
    this.generation++;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A faulty subscriber must not break the simulated control plane.
      }
    }
  }

  protected touchTask(task: SimTask, previousStatus: SimTask["lastStatus"] | undefined): void {
    task.version++;
    this.emit({ type: "taskChanged", task, previousStatus });
  }

  protected touchInstance(instance: SimContainerInstance): void {
    instance.version = (instance.version ?? 0) + 1;
    this.emit({ type: "instanceChanged", instance });
  }

  /** Changes the lifecycle step delay (scenario loading runs with 0, then restores the scenario's). */
  setTransitionDelay(delay: number | [number, number]): void {
    this.options.transitionDelayMs = delay;
  }

  protected lifecycleDelay(): number {
    const d = this.options.transitionDelayMs ?? [100, 250];
    if (typeof d === "number") return d;
    return d[0] >= d[1] ? d[0] : this.delayRng.int(d[0], d[1]);
  }

  protected clearIndexes(): void {
    this.clusterMap.clear();
    this.instanceMap.clear();
    this.instanceById.clear();
    this.books.clear();
    this.taskMap.clear();
    this.taskById.clear();
    this.stoppedOrder.length = 0;
    this.taskDefMap.clear();
    this.familyMap.clear();
    this.serviceMap.clear();
    this.startedByMap.clear();
    this.serviceTasks.clear();
    this.instancesByCluster.clear();
    this.instanceCluster.clear();
    this.rng = new SeededRng(this.seed);
    this.delayRng = new SeededRng(this.seed ^ 0x5bd1e995);
    this.addresses = new AddressAllocator(this.addressBase, this.rng);
    this.generation++;
  }
}

/** Deterministic hex from a string (FNV-1a, extended), for ids that must not consume the RNG. */
function stableHex(text: string, length: number): string {
  let out = "";
  let salt = 0;
  while (out.length < length) {
    let h = 0x811c9dc5 ^ salt++;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    out += (h >>> 0).toString(16).padStart(8, "0");
  }
  return out.slice(0, length);
}
