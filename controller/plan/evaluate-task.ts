import type { ClusterSpec, ScrapeTarget } from "../../crds-like-schemas/index.js";
import { type ContainerScrapes, formatLabelError, readContainerScrapes } from "../labels/index.js";
import type {
  CurrentState,
  DesiredTarget,
  InvalidTarget,
  ObservedCluster,
  ObservedContainerDefinition,
  ObservedInstance,
  ObservedServiceLabels,
  ObservedTask,
  ObservedTaskDefinition,
  ResourceTags,
} from "../model.js";
import { resolveAddress } from "./address.js";
import { ecsMetaLabels } from "./meta-labels.js";
import { TaskSelector } from "./selector.js";

/** Why a container is, or is not, a target. Shared by plan() and explain(). */
export type ContainerVerdict =
  /** At least one endpoint became a target. */
  | "Target"
  /** None of the configured scrape labels is set on the container definition. */
  | "NoLabel"
  /** A label is malformed; the message names the character position. Valid endpoints beside it still count. */
  | "ParseError"
  /** Every endpoint's address could not be resolved (no ENI IP, no host port binding…). */
  | "NoAddress"
  | "FilteredBySelector"
  | "TaskNotRunning"
  | "ScrapeDisabled"
  | "TaskDefinitionUnknown";

export interface ContainerOutcome {
  containerName: string;
  verdict: ContainerVerdict;
  message: string;
  targets: DesiredTarget[];
  invalid: InvalidTarget[];
}

/** Everything plan() computes once per cycle and every task evaluation reads. */
export interface PlanContext {
  spec: ClusterSpec;
  observed: ObservedCluster;
  current: CurrentState;
  selector: TaskSelector;
  instancesByArn: ReadonlyMap<string, ObservedInstance>;
}

export function createPlanContext(spec: ClusterSpec, observed: ObservedCluster, current: CurrentState): PlanContext {
  return {
    spec,
    observed,
    current,
    selector: new TaskSelector(spec.selector),
    instancesByArn: new Map(observed.instances.map((instance) => [instance.containerInstanceArn, instance])),
  };
}

/**
 * The node whose agent scrapes a task's targets: the container instance's node id for EC2 tasks; for Fargate
 * tasks the task id when a sidecar agent is alive (queue `ecsmon-node-<taskId>`), otherwise undefined (pool).
 */
export function nodeForTask(ctx: PlanContext, task: ObservedTask): string | undefined {
  if (task.launchType === "FARGATE" || !task.containerInstanceArn) {
    return ctx.current.sidecarTasks.has(task.taskArn) ? task.taskId : undefined;
  }
  return ctx.instancesByArn.get(task.containerInstanceArn)?.nodeId;
}

interface MemoEntry {
  spec: ClusterSpec;
  td: ObservedTaskDefinition | undefined;
  instance: ObservedInstance | undefined;
  nodeId: string | undefined;
  cluster: string;
  clusterArn: string;
  region: string;
  /** Service and cluster facts the discovery labels carry (ARN, status, tags). */
  service: ObservedServiceLabels | undefined;
  clusterTags: ResourceTags | undefined;
  outcomes: ContainerOutcome[];
}

/**
 * The observer keeps settled tasks, definitions and instances as the same objects from cycle to cycle, so a
 * task's outcomes are memoized by object identity together with everything else they depend on: a steady
 * plan over 10,000 tasks allocates almost nothing. Outcomes are shared between plans and must not be mutated.
 */
const memo = new WeakMap<ObservedTask, MemoEntry>();

/** Evaluates every container definition of one task. Never throws. */
export function evaluateTask(ctx: PlanContext, task: ObservedTask): ContainerOutcome[] {
  const td = ctx.observed.taskDefinitions.get(task.taskDefinitionArn);
  const instance = task.containerInstanceArn ? ctx.instancesByArn.get(task.containerInstanceArn) : undefined;
  const nodeId = nodeForTask(ctx, task);
  const { cluster, clusterArn, region, clusterTags } = ctx.observed;
  const service = task.serviceName ? ctx.observed.serviceLabels?.get(task.serviceName) : undefined;
  const hit = memo.get(task);
  if (
    hit &&
    hit.spec === ctx.spec &&
    hit.td === td &&
    hit.instance === instance &&
    hit.nodeId === nodeId &&
    hit.cluster === cluster &&
    hit.clusterArn === clusterArn &&
    hit.region === region &&
    hit.service === service &&
    hit.clusterTags === clusterTags
  ) {
    return hit.outcomes;
  }
  const outcomes = evaluateUncached(ctx, task);
  memo.set(task, { spec: ctx.spec, td, instance, nodeId, cluster, clusterArn, region, service, clusterTags, outcomes });
  return outcomes;
}

function evaluateUncached(ctx: PlanContext, task: ObservedTask): ContainerOutcome[] {
  const td = ctx.observed.taskDefinitions.get(task.taskDefinitionArn);
  if (!td) {
    const names = task.containers.map((c) => c.name);
    return names.map((name) =>
      skip(name, "TaskDefinitionUnknown", `task definition ${task.taskDefinitionArn} was not observed`),
    );
  }
  const names = td.containerDefinitions.map((c) => c.name);
  if (!ctx.spec.scrape.enabled) {
    return names.map((name) => skip(name, "ScrapeDisabled", "scrape.enabled is false for this cluster"));
  }
  const rejected = ctx.selector.rejects(task.serviceName, td.family);
  if (rejected) return names.map((name) => skip(name, "FilteredBySelector", rejected));
  if (task.lastStatus !== "RUNNING") {
    const message = `task is ${task.lastStatus}, not RUNNING`;
    return names.map((name) => skip(name, "TaskNotRunning", message));
  }
  return td.containerDefinitions.map((_, index) => evaluateContainer(ctx, task, td, index));
}

function evaluateContainer(
  ctx: PlanContext,
  task: ObservedTask,
  td: ObservedTaskDefinition,
  index: number,
): ContainerOutcome {
  const cd = td.containerDefinitions[index]!;
  const scrapes = cachedScrapes(cd, ctx.spec.scrape);
  const configured = ctx.spec.scrape.labels;
  if (scrapes.kind === "none") {
    const names = [configured.scrapes, configured.portPath].filter(Boolean).join(" or ");
    return skip(cd.name, "NoLabel", `container has no ${names} docker label`);
  }
  const outcome: ContainerOutcome = {
    containerName: cd.name,
    verdict: "Target",
    message: "",
    targets: [],
    invalid: [],
  };
  const messages: string[] = [];
  /** Records an invalid target under `id`; its reason also goes into the container's message. */
  const reject = (id: string, reason: string): void => {
    const { cluster } = ctx.observed;
    outcome.invalid.push({
      id,
      cluster,
      taskArn: task.taskArn,
      containerName: cd.name,
      serviceName: task.serviceName,
      reason,
    });
    messages.push(reason);
  };
  if (scrapes.errors.length > 0) {
    reject(`${task.taskArn}/${cd.name}/label`, scrapes.errors.map(formatLabelError).join("; "));
  }
  const container = task.containers.find((c) => c.name === cd.name);
  const instance = task.containerInstanceArn ? ctx.instancesByArn.get(task.containerInstanceArn) : undefined;
  const nodeId = nodeForTask(ctx, task);
  for (const endpoint of scrapes.endpoints) {
    const id = `${task.taskArn}/${cd.name}/${endpoint.port}${endpoint.path}`;
    const address = resolveAddress(td.networkMode, task, container, instance, endpoint.port);
    if (!address.ok) {
      reject(id, `port ${endpoint.port}: ${address.reason}`);
      continue;
    }
    const target: ScrapeTarget = {
      id,
      address: `${address.ip}:${address.port}`,
      scheme: endpoint.scheme,
      metricsPath: endpoint.path,
      labels: targetLabels(ctx, task, td, cd.name, scrapes.labels),
    };
    outcome.targets.push({
      target,
      cluster: ctx.observed.cluster,
      nodeId,
      taskArn: task.taskArn,
      containerName: cd.name,
      serviceName: task.serviceName,
      meta: ecsMetaLabels({
        observed: ctx.observed,
        task,
        taskDefinition: td,
        containerDefinition: cd,
        container,
        instance,
        ip: address.ip,
        containerPort: endpoint.port,
      }),
    });
  }
  if (outcome.targets.length > 0) {
    outcome.verdict = scrapes.errors.length > 0 ? "ParseError" : "Target";
    const where = outcome.targets.map((t) => `${t.target.scheme}://${t.target.address}${t.target.metricsPath}`);
    outcome.message = [`scraped at ${where.join(", ")}`, ...messages].join("; ");
  } else {
    outcome.verdict = scrapes.errors.length > 0 ? "ParseError" : "NoAddress";
    outcome.message = messages.join("; ") || "label names no endpoint";
  }
  return outcome;
}

/**
 * Labels the agent injects into every scraped series. User labels from PROMETHEUS_LABELS come first, so that
 * they can never overwrite the identity labels (cluster, service, task_family, task_revision, task_id,
 * container_name).
 */
function targetLabels(
  ctx: PlanContext,
  task: ObservedTask,
  td: ObservedTaskDefinition,
  containerName: string,
  user: Record<string, string>,
): Record<string, string> {
  const { service: _ignored, ...rest } = user;
  const identity = {
    cluster: ctx.observed.cluster,
    task_family: td.family,
    task_revision: String(td.revision),
    task_id: task.taskId,
    container_name: containerName,
  };
  return task.serviceName ? { ...rest, ...identity, service: task.serviceName } : { ...rest, ...identity };
}

/**
 * Label parsing is pure and container definitions are immutable (cached by task definition ARN), so the
 * result is memoized per definition object and scrape config object: a steady plan parses nothing.
 */
const scrapesCache = new WeakMap<object, WeakMap<object, ContainerScrapes>>();

function cachedScrapes(cd: ObservedContainerDefinition, config: ClusterSpec["scrape"]): ContainerScrapes {
  let perConfig = scrapesCache.get(cd);
  if (!perConfig) {
    perConfig = new WeakMap();
    scrapesCache.set(cd, perConfig);
  }
  let result = perConfig.get(config);
  if (!result) {
    result = readContainerScrapes(cd.dockerLabels, config);
    perConfig.set(config, result);
  }
  return result;
}

function skip(containerName: string, verdict: ContainerVerdict, message: string): ContainerOutcome {
  return { containerName, verdict, message, targets: [], invalid: [] };
}
