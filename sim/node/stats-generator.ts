import type { ClusterStoreView, SimContainerInstance, SimTask } from "../state/model.js";
import {
  type CgroupVersion,
  dockerStats,
  loadProfileFor,
  type StatsOptions,
  type StatsProfile,
} from "./docker-stats.js";
import { containersOfTask, type NodeContainer } from "./node-containers.js";
import { Seeded } from "./seeded.js";

/** Instance attribute that pins an instance's cgroup version ("v1" or "v2"); {@link cgroupOf} explains the default. */
export const CGROUP_ATTRIBUTE = "ecsmon.sim.cgroup";

const MIB = 1024 * 1024;

/**
 * The cgroup version an instance's Docker daemon reports stats in: the instance's `cgroup` (scenario), else the
 * {@link CGROUP_ATTRIBUTE} attribute, otherwise alternating by instance (odd third octet of the private IP → v1, even → v2), so a multi-node scenario
 * always serves both shapes. Fargate tasks (no instance) alternate by task id.
 */
export function cgroupOf(instance: SimContainerInstance | undefined, taskArn = ""): CgroupVersion {
  if (instance) {
    if (instance.cgroup) return instance.cgroup;
    const pinned = instance.attributes.find((a) => a.name === CGROUP_ATTRIBUTE)?.value;
    if (pinned === "v1" || pinned === "v2") return pinned;
    const octet = Number(instance.privateIp.split(".")[2] ?? 0);
    return octet % 2 === 1 ? "v1" : "v2";
  }
  return new Seeded(`cgroup:${taskArn}`).next() < 0.5 ? "v1" : "v2";
}

/** The stats profile of one node container, derived only from the store's state. */
export function statsProfileOf(store: ClusterStoreView, c: NodeContainer): StatsProfile {
  const task = c.task;
  const instance = task.containerInstanceArn ? store.instance(task.containerInstanceArn) : undefined;
  const type = instance ? store.instanceType(instance.instanceType) : undefined;
  const onlineCpus = type?.vcpus ?? Math.max(2, Math.ceil((task.cpu ?? 1024) / 1024));
  const hostMemoryBytes = (type?.memoryMiB ?? instance?.registeredMemory ?? 4096) * MIB;
  const hostBootMs = instance
    ? instance.registeredAt.getTime() - new Seeded(`boot:${instance.ec2InstanceId}`).int(60_000, 7_200_000)
    : task.createdAt.getTime() - 30_000;
  const limitMiB = c.pause ? undefined : (c.definition?.memory ?? task.memory ?? c.taskDefinition?.memory);
  const memoryLimitBytes = limitMiB ? limitMiB * MIB : hostMemoryBytes;
  const memoryReferenceBytes = c.pause ? 2 * MIB : limitMiB ? memoryLimitBytes : Math.min(hostMemoryBytes, 256 * MIB);
  const cpuUnits = c.definition?.cpu || task.cpu || c.taskDefinition?.cpu || 1024;
  const cpuCores = c.pause ? 0.001 : Math.min(onlineCpus, Math.max(0.25, cpuUnits / 1024));
  return {
    runtimeId: c.runtimeId,
    name: c.dockerName,
    cgroup: cgroupOf(instance, task.taskArn),
    onlineCpus,
    hostBootMs,
    startedAtMs: c.startedAtMs ?? Number.POSITIVE_INFINITY,
    stoppedAtMs: c.finishedAtMs,
    memoryLimitBytes,
    memoryReferenceBytes,
    cpuCores,
    network: c.networkMode === "bridge" || c.networkMode === "awsvpc",
    load: loadProfileFor(c.runtimeId, onlineCpus),
  };
}

/** Looks up any simulated container by Docker id and serves the stats the node surfaces serve. */
export interface StatsGenerator {
  /** The Docker stats JSON of a container at `atMs`, exactly as served; undefined for an unknown id. */
  statsFor(containerRuntimeId: string, atMs: number, options?: StatsOptions): Record<string, unknown> | undefined;
  /** The profile behind {@link statsFor}, for tests computing expected formula values. */
  profileFor(containerRuntimeId: string, atMs?: number): StatsProfile | undefined;
  close(): void;
}

/**
 * A {@link StatsGenerator} over a store. Docker ids are indexed lazily from the store's tasks, kept current from
 * its `taskChanged` events, and rescanned (at most once a second) when an id is missing.
 */
export function createStatsGenerator(store: ClusterStoreView): StatsGenerator {
  const taskByRuntimeId = new Map<string, string>();
  let indexed = false;
  const indexTask = (task: SimTask) => {
    for (const c of containersOfTask(store, task, 0)) taskByRuntimeId.set(c.runtimeId, task.taskArn);
  };
  const unsubscribe = store.subscribe((event) => {
    try {
      if (indexed && event.type === "taskChanged") indexTask(event.task);
    } catch {
      indexed = false;
    }
  });
  let lastScanMs = 0;
  const scan = () => {
    for (const task of store.tasks()) indexTask(task);
    indexed = true;
    lastScanMs = Date.now();
  };
  const resolve = (runtimeId: string, atMs: number): NodeContainer | undefined => {
    if (!indexed || (!taskByRuntimeId.has(runtimeId) && Date.now() - lastScanMs > 1000)) scan();
    const taskArn = taskByRuntimeId.get(runtimeId);
    const task = taskArn ? store.task(taskArn) : undefined;
    return task ? containersOfTask(store, task, atMs).find((c) => c.runtimeId === runtimeId) : undefined;
  };
  const profileFor = (runtimeId: string, atMs = Date.now()) => {
    const c = resolve(runtimeId, atMs);
    return c ? statsProfileOf(store, c) : undefined;
  };
  return {
    statsFor(runtimeId, atMs, options) {
      const profile = profileFor(runtimeId, atMs);
      return profile ? dockerStats(profile, atMs, options) : undefined;
    },
    profileFor,
    close: unsubscribe,
  };
}
