import type { ClusterStore } from "../../state/cluster-store.js";
import type { OperationHandler, SimService } from "../service.js";
import { ecsReader, invalid, paginate } from "./ecs-input.js";
import { instanceOperations } from "./ecs-instances.js";
import { serviceOperations } from "./ecs-services.js";
import { shapeCluster } from "./ecs-shapes.js";
import { includesTags, readTags, tagBook, tagOperations } from "./ecs-tags.js";
import { taskDefinitionOperations } from "./ecs-task-definitions.js";
import { taskOperations } from "./ecs-tasks.js";

const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** ListClusters, DescribeClusters, CreateCluster. */
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
    const clusters: unknown[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const ref of refs) {
      const cluster = typeof ref === "string" ? store.cluster(ref) : undefined;
      if (cluster) {
        const shape = shapeCluster(store, cluster);
        clusters.push(withTags ? { ...shape, tags: tags.list(cluster.clusterArn) } : shape);
      } else
        failures.push({
          arn: String(ref).startsWith("arn:") ? String(ref) : store.arns.cluster(String(ref)),
          reason: "MISSING",
        });
    }
    return { clusters, failures };
  };

  const CreateCluster: OperationHandler = (input) => {
    const r = ecsReader(input);
    const name = r.str("clusterName") ?? "default";
    if (!CLUSTER_NAME.test(name)) {
      throw invalid(
        "Cluster name can have up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.",
      );
    }
    const requested = readTags(r);
    const cluster = store.createCluster(name);
    tags.add(cluster.clusterArn, requested);
    return { cluster: { ...shapeCluster(store, cluster), tags: tags.list(cluster.clusterArn) } };
  };

  return { ListClusters, DescribeClusters, CreateCluster };
}

/**
 * The simulated Amazon ECS API (JSON 1.1, target prefix AmazonEC2ContainerServiceV20141113) over a
 * {@link ClusterStore}. See sim/fidelity/ecs.md for what each operation simulates.
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
