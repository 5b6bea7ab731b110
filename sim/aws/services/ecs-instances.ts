import type { ClusterStore } from "../../state/cluster-store.js";
import type { OperationHandler } from "../service.js";
import { describeRefs, ecsReader, invalid, paginate } from "./ecs-input.js";
import { shapeContainerInstance } from "./ecs-shapes.js";
import { describeEach, includesTags, tagBook } from "./ecs-tags.js";

const LIST_STATUSES = ["ACTIVE", "DRAINING", "REGISTERING", "DEREGISTERING", "REGISTRATION_FAILED"] as const;

/** ListContainerInstances and DescribeContainerInstances, as ecsmon's observer and doctor call them. */
export function instanceOperations(store: ClusterStore): Record<string, OperationHandler> {
  const ListContainerInstances: OperationHandler = (input) => {
    const r = ecsReader(input);
    const cluster = store.requireCluster(r.str("cluster"));
    const status = r.oneOf("status", LIST_STATUSES);
    if (input.filter !== undefined && input.filter !== null)
      throw invalid("filter: the cluster query language is not simulated.");
    const arns = store
      .instances(cluster.clusterArn)
      .filter((i) => (status ? i.status === status : i.status !== "INACTIVE"))
      .map((i) => i.containerInstanceArn);
    const { page, nextToken } = paginate(r, arns, `${cluster.clusterArn}|${status}`, {
      max: 100,
      default: 100,
    });
    return { containerInstanceArns: page, nextToken };
  };

  const DescribeContainerInstances: OperationHandler = (input) => {
    const r = ecsReader(input);
    const refs = describeRefs(r, "containerInstances", "Container instances", 100);
    const cluster = store.requireCluster(r.str("cluster"));
    const withTags = includesTags(r, ["TAGS", "CONTAINER_INSTANCE_HEALTH"]);
    const { found, failures } = describeEach(
      refs,
      (ref) => {
        const instance = store.instance(ref);
        return instance && store.clusterOfInstance(instance) === cluster.clusterArn ? instance : undefined;
      },
      (instance) => shapeContainerInstance(store, instance),
      { book: tagBook(store), withTags, arnOf: (instance) => instance.containerInstanceArn },
    );
    return { containerInstances: found, failures };
  };

  return { ListContainerInstances, DescribeContainerInstances };
}
