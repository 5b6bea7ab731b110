import type { ClusterStore } from "../../state/cluster-store.js";
import type { OperationHandler, SimService } from "../service.js";
import { ecsReader, invalid, paginate } from "./ecs-input.js";
import { instanceOperations } from "./ecs-instances.js";
import { serviceOperations } from "./ecs-services.js";
import { shapeCluster } from "./ecs-shapes.js";
import { describeEach, includesTags, tagBook, tagOperations } from "./ecs-tags.js";
import { taskDefinitionOperations } from "./ecs-task-definitions.js";
import { taskOperations } from "./ecs-tasks.js";

/** ListClusters and DescribeClusters. */
function clusterOperations(store: ClusterStore): Record<string, OperationHandler> {
  const tags = tagBook(store);
  const ListClusters: OperationHandler = (input) => {
    const r = ecsReader(input);
    const arns = store
      .clusters()
      .filter((c) => c.status === "ACTIVE")
      .map((c) => c.clusterArn);
    const { page, nextToken } = paginate(r, arns, "clusters", { max: 100, default: 100 });
    return { clusterArns: page, nextToken };
  };

  const DescribeClusters: OperationHandler = (input) => {
    const r = ecsReader(input);
    const refs = r.list<string>("clusters") ?? ["default"];
    if (refs.length > 100) throw invalid("Clusters cannot be longer than 100.");
    const withTags = includesTags(r, ["ATTACHMENTS", "CONFIGURATIONS", "SETTINGS", "STATISTICS", "TAGS"]);
    const { found, failures } = describeEach(
      refs,
      (ref) => store.cluster(ref),
      (cluster) => shapeCluster(store, cluster),
      { book: tags, withTags, arnOf: (cluster) => cluster.clusterArn },
      (ref) => (ref.startsWith("arn:") ? ref : store.arns.cluster(ref)),
    );
    return { clusters: found, failures };
  };

  return { ListClusters, DescribeClusters };
}

/**
 * The simulated Amazon ECS API (JSON 1.1, target prefix AmazonEC2ContainerServiceV20141113) over a
 * {@link ClusterStore}: the reads ecsmon makes, plus RunTask, RegisterTaskDefinition and TagResource, with which
 * tests change the cluster as a user would (the `/_sim/` control API covers the rest). See sim/fidelity/ecs.md.
 */
export function createEcsService(store: ClusterStore): SimService {
  return {
    signingName: "ecs",
    targetPrefix: "AmazonEC2ContainerServiceV20141113",
    operations: {
      ...clusterOperations(store),
      ...instanceOperations(store),
      ...taskDefinitionOperations(store),
      ...taskOperations(store),
      ...serviceOperations(store),
      ...tagOperations(store),
    },
  };
}
