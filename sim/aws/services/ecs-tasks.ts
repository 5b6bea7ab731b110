import type { ClusterStore } from "../../state/cluster-store.js";
import type { LaunchType, SimTask } from "../../state/model.js";
import { AwsError, type OperationHandler, type OperationInput, RawJsonBody } from "../service.js";
import { describeRefs, ecsReader, invalid, paginate } from "./ecs-input.js";
import { shapeTask, taskJson } from "./ecs-shapes.js";
import { type EcsTag, includesTags, readTags, tagBook } from "./ecs-tags.js";

const TASK_STATUSES = ["RUNNING", "PENDING", "STOPPED"] as const;
const LAUNCH_TYPES = ["EC2", "FARGATE", "EXTERNAL"] as const;

/** Filtered task listings are cached per store generation: ListTasks pages stay cheap under load. */
class TaskListCache {
  private generation = -1;
  private readonly lists = new Map<string, string[]>();

  get(store: ClusterStore, key: string, build: () => string[]): string[] {
    if (this.generation !== store.generation) {
      this.lists.clear();
      this.generation = store.generation;
    }
    let list = this.lists.get(key);
    if (!list) {
      list = build();
      if (this.lists.size > 1000) this.lists.clear();
      this.lists.set(key, list);
    }
    return list;
  }
}

function requireAwsvpcConfig(
  store: ClusterStore,
  input: OperationInput,
  taskDefinition: string,
  launchType: string | undefined,
) {
  const def = store.resolveTaskDefinition(taskDefinition);
  if (!def) return;
  if ((def.networkMode === "awsvpc" || launchType === "FARGATE") && !input.networkConfiguration) {
    throw invalid("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
}

/** ListTasks and DescribeTasks (ecsmon's observer); RunTask (tests that start a task as a user would). */
export function taskOperations(store: ClusterStore): Record<string, OperationHandler> {
  const cache = new TaskListCache();
  const tags = tagBook(store);
  /** A launch response: each new task carries the request's tags, which are stored first. */
  const launched = (tasks: SimTask[], requested: EcsTag[]) =>
    tasks.map((t) => {
      tags.add(t.taskArn, requested);
      return { ...shapeTask(store, t), tags: tags.list(t.taskArn) };
    });

  const RunTask: OperationHandler = (input) => {
    const r = ecsReader(input);
    const taskDefinition = r.reqStr("taskDefinition");
    const count = r.num("count", { integer: true });
    if (count !== undefined && (count < 1 || count > 10)) throw invalid("count must be between 1 and 10.");
    const launchType = r.oneOf("launchType", LAUNCH_TYPES);
    if (launchType === "EXTERNAL") throw invalid("EXTERNAL launch type is not supported by the simulator.");
    const startedBy = r.str("startedBy", { max: 128 });
    const requestedTags = readTags(r);
    const cluster = store.requireCluster(r.str("cluster"));
    if (!store.resolveTaskDefinition(taskDefinition)) throw invalid("TaskDefinition not found.");
    requireAwsvpcConfig(store, input, taskDefinition, launchType);
    const strategies = r.list<{ type?: string; field?: string }>("placementStrategy") ?? [];
    const result = store.runTask({
      cluster: cluster.clusterArn,
      taskDefinition,
      count,
      launchType: launchType as LaunchType | undefined,
      group: r.str("group"),
      startedBy,
      placementStrategy: strategies.map((s) => ({
        type: s.type === "binpack" || s.type === "random" ? s.type : "spread",
        field: s.field,
      })),
    });
    return { tasks: launched(result.tasks, requestedTags), failures: result.failures };
  };

  /** Filters: desiredStatus (ecsmon's observer) and serviceName (tests); the others ECS offers are not simulated. */
  const ListTasks: OperationHandler = (input) => {
    const r = ecsReader(input);
    const cluster = store.requireCluster(r.str("cluster"));
    const serviceName = r.str("serviceName");
    const desiredStatus = r.oneOf("desiredStatus", TASK_STATUSES) ?? "RUNNING";
    for (const field of ["containerInstance", "family", "startedBy", "launchType"]) {
      if (input[field] !== undefined && input[field] !== null) throw invalid(`${field}: this filter is not simulated.`);
    }
    if (serviceName !== undefined && !store.service(cluster.clusterArn, serviceName)) {
      throw invalidService();
    }
    const key = [cluster.clusterArn, serviceName, desiredStatus].join("|");
    const arns = cache.get(store, key, () => {
      const out: string[] = [];
      for (const t of store.tasks(cluster.clusterArn)) {
        if (
          desiredStatus === "PENDING"
            ? t.lastStatus !== "PENDING" && t.lastStatus !== "PROVISIONING"
            : t.desiredStatus !== desiredStatus
        )
          continue;
        if (desiredStatus === "PENDING" && t.desiredStatus !== "RUNNING") continue;
        if (serviceName !== undefined && t.serviceName !== serviceName.split("/").pop()) continue;
        out.push(t.taskArn);
      }
      return out;
    });
    const { page, nextToken } = paginate(r, arns, key, { max: 100, default: 100 });
    return { taskArns: page, nextToken };
  };

  const DescribeTasks: OperationHandler = (input, ctx) => {
    const r = ecsReader(input);
    const refs = describeRefs(r, "tasks", "Tasks", 100);
    const cluster = store.requireCluster(r.str("cluster"));
    const withTags = includesTags(r, ["TAGS"]);
    const tasks: string[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const ref of refs) {
      const task = typeof ref === "string" ? store.task(ref) : undefined;
      if (task && task.clusterArn === cluster.clusterArn) {
        // The cached JSON has no `tags` member and ends with "}": tags (unversioned) are spliced in when asked for.
        const json = taskJson(store, task);
        tasks.push(withTags ? `${json.slice(0, -1)},"tags":${JSON.stringify(tags.list(task.taskArn))}}` : json);
      } else failures.push({ arn: String(ref), reason: "MISSING" });
    }
    if (ctx.protocol !== "json1.1") {
      return { tasks: tasks.map((t) => JSON.parse(t) as unknown), failures };
    }
    return new RawJsonBody(`{"tasks":[${tasks.join(",")}],"failures":${JSON.stringify(failures)}}`);
  };

  return { RunTask, ListTasks, DescribeTasks };
}

function invalidService() {
  return new AwsError("ServiceNotFoundException", "Service not found.");
}
