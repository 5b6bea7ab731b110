import type { ClusterStore } from "../../state/cluster-store.js";
import type { OperationHandler } from "../service.js";
import { describeRefs, ecsReader, invalid, paginate } from "./ecs-input.js";
import { shapeService } from "./ecs-shapes.js";
import { describeEach, includesTags, tagBook } from "./ecs-tags.js";

/** ListServices and DescribeServices, as ecsmon's service figures and doctor call them. */
export function serviceOperations(store: ClusterStore): Record<string, OperationHandler> {
  const tags = tagBook(store);
  const ListServices: OperationHandler = (input) => {
    const r = ecsReader(input);
    const cluster = store.requireCluster(r.str("cluster"));
    for (const field of ["launchType", "schedulingStrategy"]) {
      if (input[field] !== undefined && input[field] !== null) throw invalid(`${field}: this filter is not simulated.`);
    }
    const arns = store
      .services(cluster.clusterArn)
      .filter((s) => s.status !== "INACTIVE")
      .map((s) => s.serviceArn);
    const { page, nextToken } = paginate(r, arns, cluster.clusterArn, {
      max: 100,
      default: 10,
    });
    return { serviceArns: page, nextToken };
  };

  const DescribeServices: OperationHandler = (input) => {
    const r = ecsReader(input);
    const refs = describeRefs(r, "services", "Services", 10);
    const withTags = includesTags(r, ["TAGS"]);
    const cluster = store.requireCluster(r.str("cluster"));
    const { found, failures } = describeEach(
      refs,
      (ref) => store.service(cluster.clusterArn, ref),
      (service) => shapeService(store, service),
      { book: tags, withTags, arnOf: (service) => service.serviceArn },
      (ref) => (ref.startsWith("arn:") ? ref : store.arns.service(cluster.clusterName, ref)),
    );
    return { services: found, failures };
  };

  return { ListServices, DescribeServices };
}
