import type { ClusterStore } from "../../state/cluster-store.js";
import type { SimContainerInstance } from "../../state/model.js";
import type { OperationHandler } from "../service.js";
import { ecsReader, invalid, paginate } from "./ecs-input.js";
import { shapeContainerInstance } from "./ecs-shapes.js";
import { includesTags, tagBook } from "./ecs-tags.js";

const LIST_STATUSES = ["ACTIVE", "DRAINING", "REGISTERING", "DEREGISTERING", "REGISTRATION_FAILED"] as const;

/**
 * The subset of the cluster query language ListContainerInstances accepts here:
 * `attribute:<name> == <value>` / `!=`, and `attribute:<name> exists`, joined with `and`.
 */
function matchesFilter(instance: SimContainerInstance, filter: string): boolean {
  const clauses = filter.split(/\s+and\s+/i);
  return clauses.every((clause) => {
    const m = /^\s*attribute:([\w.-]+)\s*(==|!=|exists)\s*(\S*)\s*$/.exec(clause);
    if (!m) throw invalid(`Invalid filter expression: ${clause}`);
    const attribute = instance.attributes.find((a) => a.name === m[1]);
    if (m[2] === "exists") return attribute !== undefined;
    const equal = attribute?.value === m[3];
    return m[2] === "==" ? equal : !equal;
  });
}

/** RegisterContainerInstance, DeregisterContainerInstance, List/DescribeContainerInstances, UpdateContainerInstancesState. */
export function instanceOperations(store: ClusterStore): Record<string, OperationHandler> {
  const RegisterContainerInstance: OperationHandler = (input) => {
    const r = ecsReader(input);
    const cluster = store.requireCluster(r.str("cluster"));
    let instanceType = "m5.large";
    let ec2InstanceId: string | undefined;
    const doc = r.str("instanceIdentityDocument");
    if (doc) {
      try {
        const parsed = JSON.parse(doc) as { instanceType?: unknown; instanceId?: unknown };
        if (typeof parsed.instanceType === "string") instanceType = parsed.instanceType;
        if (typeof parsed.instanceId === "string") ec2InstanceId = parsed.instanceId;
      } catch {
        throw invalid("instanceIdentityDocument is not valid JSON.");
      }
    }
    const attributes = (r.list<{ name?: unknown; value?: unknown }>("attributes") ?? []).map((a) => ({
      name: String(a.name),
      value: a.value === undefined ? undefined : String(a.value),
    }));
    const instance = store.registerContainerInstance({
      cluster: cluster.clusterArn,
      instanceType,
      ec2InstanceId,
      attributes,
    });
    return { containerInstance: shapeContainerInstance(store, instance) };
  };

  const DeregisterContainerInstance: OperationHandler = (input) => {
    const r = ecsReader(input);
    const cluster = store.requireCluster(r.str("cluster"));
    const ref = r.reqStr("containerInstance");
    const instance = store.instance(ref);
    if (!instance || store.clusterOfInstance(instance) !== cluster.clusterArn) {
      throw invalid("The referenced container instance was not found.");
    }
    const force = r.bool("force") ?? false;
    const live = store.tasksOnInstance(instance.containerInstanceArn).filter((t) => t.desiredStatus === "RUNNING");
    if (live.length > 0 && !force) {
      throw invalid("Found running tasks on the instance. Deregister with force=true or stop the tasks first.");
    }
    return { containerInstance: shapeContainerInstance(store, store.killNode(instance.containerInstanceArn)) };
  };

  const ListContainerInstances: OperationHandler = (input) => {
    const r = ecsReader(input);
    const cluster = store.requireCluster(r.str("cluster"));
    const status = r.oneOf("status", LIST_STATUSES);
    const filter = r.str("filter");
    const arns = store
      .instances(cluster.clusterArn)
      .filter((i) => (status ? i.status === status : i.status !== "INACTIVE"))
      .filter((i) => (filter ? matchesFilter(i, filter) : true))
      .map((i) => i.containerInstanceArn);
    const { page, nextToken } = paginate(r, arns, `${cluster.clusterArn}|${status}|${filter}`, {
      max: 100,
      default: 100,
    });
    return { containerInstanceArns: page, nextToken };
  };

  const DescribeContainerInstances: OperationHandler = (input) => {
    const r = ecsReader(input);
    const refs = r.list<string>("containerInstances") ?? r.missing("containerInstances");
    if (refs.length === 0) throw invalid("Container instances cannot be empty.");
    if (refs.length > 100) throw invalid("Container instances cannot be longer than 100.");
    const cluster = store.requireCluster(r.str("cluster"));
    const withTags = includesTags(r, ["TAGS", "CONTAINER_INSTANCE_HEALTH"]);
    const containerInstances: unknown[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const ref of refs) {
      const instance = typeof ref === "string" ? store.instance(ref) : undefined;
      if (instance && store.clusterOfInstance(instance) === cluster.clusterArn) {
        const shape = shapeContainerInstance(store, instance);
        const arn = instance.containerInstanceArn;
        containerInstances.push(withTags ? { ...shape, tags: tagBook(store).list(arn) } : shape);
      } else {
        failures.push({ arn: String(ref), reason: "MISSING" });
      }
    }
    return { containerInstances, failures };
  };

  const UpdateContainerInstancesState: OperationHandler = (input) => {
    const r = ecsReader(input);
    const cluster = store.requireCluster(r.str("cluster"));
    const refs = r.list<string>("containerInstances") ?? r.missing("containerInstances");
    if (refs.length > 10) throw invalid("Container instances cannot be longer than 10.");
    const status = r.oneOf("status", ["ACTIVE", "DRAINING"] as const) ?? r.missing("status");
    const containerInstances: unknown[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const ref of refs) {
      const instance = store.instance(ref);
      if (!instance || store.clusterOfInstance(instance) !== cluster.clusterArn || instance.status === "INACTIVE") {
        failures.push({ arn: ref, reason: "MISSING" });
        continue;
      }
      containerInstances.push(
        shapeContainerInstance(store, store.setInstanceStatus(instance.containerInstanceArn, status)),
      );
    }
    return { containerInstances, failures };
  };

  return {
    RegisterContainerInstance,
    DeregisterContainerInstance,
    ListContainerInstances,
    DescribeContainerInstances,
    UpdateContainerInstancesState,
  };
}
