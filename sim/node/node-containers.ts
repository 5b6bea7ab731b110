import type {
  ClusterStoreView,
  NetworkMode,
  SimContainer,
  SimContainerDefinition,
  SimContainerInstance,
  SimTask,
  SimTaskDefinition,
  TaskStatus,
} from "../state/model.js";
import { hexId } from "./seeded.js";

/**
 * How the simulated cluster's tasks look from inside one node: Docker containers with the ECS agent's names and
 * labels. Docker, introspection and task metadata all render from these views, so they always agree.
 */

export type DockerState = "created" | "running" | "exited";

/** The ECS agent's name for the awsvpc pause container. */
export const PAUSE_CONTAINER_NAME = "~internal~ecs~pause";

/** The agent removes stopped tasks' containers after this long (ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION's default). */
export const TASK_CLEANUP_MS = 3 * 60 * 60 * 1000;

export interface NodeContainer {
  /** 64-hex Docker id. */
  runtimeId: string;
  /** Docker name without the leading slash, e.g. "ecs-web-3-app-a1b2c3d4e5f6a7b8c9d0". */
  dockerName: string;
  /** The container definition name, or {@link PAUSE_CONTAINER_NAME}. */
  name: string;
  pause: boolean;
  task: SimTask;
  taskDefinition: SimTaskDefinition | undefined;
  container: SimContainer | undefined;
  definition: SimContainerDefinition | undefined;
  family: string;
  revision: number;
  clusterName: string;
  networkMode: NetworkMode;
  image: string;
  labels: Record<string, string>;
  state: DockerState;
  createdAtMs: number;
  startedAtMs: number | undefined;
  finishedAtMs: number | undefined;
}

/** "arn:aws:ecs:r:a:cluster/name" → "name" (a bare name passes through). */
export function clusterNameOf(clusterArn: string): string {
  const index = clusterArn.lastIndexOf("/");
  return index >= 0 ? clusterArn.slice(index + 1) : clusterArn;
}

/** Region of an ARN, or undefined when `arn` is not one. */
export function regionOf(arn: string): string | undefined {
  const parts = arn.split(":");
  return parts[0] === "arn" && parts[3] ? parts[3] : undefined;
}

/** Family and revision of a task, from its task definition or, failing that, from the ARN ("…/family:rev"). */
export function familyRevision(
  task: SimTask,
  def: SimTaskDefinition | undefined,
): { family: string; revision: number } {
  if (def) return { family: def.family, revision: def.revision };
  const tail = task.taskDefinitionArn.slice(task.taskDefinitionArn.lastIndexOf("/") + 1);
  const colon = tail.lastIndexOf(":");
  return colon > 0
    ? { family: tail.slice(0, colon), revision: Number(tail.slice(colon + 1)) || 0 }
    : { family: tail, revision: 0 };
}

/** The network mode of a task: its definition's, or awsvpc for Fargate. */
export function networkModeOf(task: SimTask, def: SimTaskDefinition | undefined): NetworkMode {
  if (task.launchType === "FARGATE") return "awsvpc";
  return def?.networkMode ?? (task.eni ? "awsvpc" : "bridge");
}

/**
 * How a container in each ECS task status looks to Docker (`undefined`: no container yet) and in the ECS agent's
 * task/container status strings, as introspection and task metadata report them.
 */
const STATUS_VIEWS: Record<TaskStatus, { docker: DockerState | undefined; agent: string }> = {
  PROVISIONING: { docker: undefined, agent: "NONE" },
  PENDING: { docker: "created", agent: "NONE" },
  ACTIVATING: { docker: "created", agent: "CREATED" },
  RUNNING: { docker: "running", agent: "RUNNING" },
  DEACTIVATING: { docker: "running", agent: "RUNNING" },
  STOPPING: { docker: "running", agent: "RUNNING" },
  DEPROVISIONING: { docker: "exited", agent: "STOPPED" },
  STOPPED: { docker: "exited", agent: "STOPPED" },
};

/** Docker state of a container in a given ECS status. */
export function dockerStateOf(status: TaskStatus): DockerState | undefined {
  return STATUS_VIEWS[status].docker;
}

/** The ECS agent's task/container status string for an ECS status. */
export function agentStatusOf(status: TaskStatus): string {
  return STATUS_VIEWS[status].agent;
}

/** Deterministic Docker id of the pause container of an awsvpc task. */
export function pauseRuntimeId(taskArn: string): string {
  return hexId(`pause:${taskArn}`);
}

function dockerNameFor(family: string, revision: number, name: string, runtimeId: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_-]/g, "");
  return `ecs-${family}-${revision}-${clean}-${hexId(`name:${runtimeId}`, 20)}`;
}

/**
 * Docker containers of one task as its node's Docker daemon would list them: one per container (and, for awsvpc
 * tasks on EC2, the pause container). Empty while the task is provisioning.
 */
export function containersOfTask(store: ClusterStoreView, task: SimTask, nowMs = Date.now()): NodeContainer[] {
  const taskState = dockerStateOf(task.lastStatus);
  if (taskState === undefined) return [];
  if (task.lastStatus === "STOPPED" && task.stoppedAt && nowMs - task.stoppedAt.getTime() > TASK_CLEANUP_MS) return [];
  const def = store.taskDefinition(task.taskDefinitionArn);
  const { family, revision } = familyRevision(task, def);
  const clusterName = clusterNameOf(task.clusterArn);
  const networkMode = networkModeOf(task, def);
  const ecsLabels = (name: string): Record<string, string> => ({
    "com.amazonaws.ecs.cluster": clusterName,
    "com.amazonaws.ecs.container-name": name,
    "com.amazonaws.ecs.task-arn": task.taskArn,
    "com.amazonaws.ecs.task-definition-family": family,
    "com.amazonaws.ecs.task-definition-version": String(revision),
  });
  const times = {
    createdAtMs: task.createdAt.getTime(),
    startedAtMs: task.startedAt?.getTime() ?? (taskState === "created" ? undefined : task.createdAt.getTime()),
    finishedAtMs: taskState === "exited" ? (task.stoppedAt?.getTime() ?? nowMs) : undefined,
  };
  const out: NodeContainer[] = [];
  if (networkMode === "awsvpc" && task.launchType === "EC2") {
    const runtimeId = pauseRuntimeId(task.taskArn);
    out.push({
      runtimeId,
      dockerName: dockerNameFor(family, revision, "internalecspause", runtimeId),
      name: PAUSE_CONTAINER_NAME,
      pause: true,
      task,
      taskDefinition: def,
      container: undefined,
      definition: undefined,
      family,
      revision,
      clusterName,
      networkMode,
      image: "amazon/amazon-ecs-pause:0.1.0",
      labels: ecsLabels(PAUSE_CONTAINER_NAME),
      state: taskState,
      ...times,
    });
  }
  for (const container of task.containers) {
    const state = dockerStateOf(container.lastStatus) ?? taskState;
    const definition = def?.containerDefinitions.find((d) => d.name === container.name);
    out.push({
      runtimeId: container.runtimeId,
      dockerName: dockerNameFor(family, revision, container.name, container.runtimeId),
      name: container.name,
      pause: false,
      task,
      taskDefinition: def,
      container,
      definition,
      family,
      revision,
      clusterName,
      networkMode,
      image: container.image,
      labels: { ...(definition?.dockerLabels ?? {}), ...ecsLabels(container.name) },
      state,
      ...times,
      finishedAtMs: state === "exited" ? (times.finishedAtMs ?? nowMs) : undefined,
    });
  }
  return out;
}

/** Every Docker container of an instance's tasks. */
export function containersOnInstance(
  store: ClusterStoreView,
  instance: SimContainerInstance,
  nowMs = Date.now(),
): NodeContainer[] {
  return store.tasksOnInstance(instance.containerInstanceArn).flatMap((task) => containersOfTask(store, task, nowMs));
}

/** The Docker container `idOrName` (full id, unique id prefix, or name with or without "/") on an instance. */
export function findContainer(containers: NodeContainer[], idOrName: string): NodeContainer | undefined {
  const key = idOrName.startsWith("/") ? idOrName.slice(1) : idOrName;
  const exact = containers.find((c) => c.runtimeId === key || c.dockerName === key);
  if (exact) return exact;
  if (key.length < 1) return undefined;
  const prefixed = containers.filter((c) => c.runtimeId.startsWith(key));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}
