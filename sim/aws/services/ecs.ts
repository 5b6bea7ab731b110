import type { ClusterStore } from "../../state/cluster-store.js";
import type { OperationHandler, SimService } from "../service.js";
import { ecsReader, invalid, paginate } from "./ecs-input.js";
import { instanceOperations } from "./ecs-instances.js";
import { serviceOperations } from "./ecs-services.js";
import { shapeCluster } from "./ecs-shapes.js";
import { taskDefinitionOperations } from "./ecs-task-definitions.js";
import { taskOperations } from "./ecs-tasks.js";

const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** ListClusters, DescribeClusters, CreateCluster. */
function clusterOperations(store: ClusterStore): Record<string, OperationHandler> {
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
    const clusters: unknown[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const ref of refs) {
      const cluster = typeof ref === "string" ? store.cluster(ref) : undefined;
      if (cluster) clusters.push(shapeCluster(store, cluster));
      else
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
    return { cluster: shapeCluster(store, store.createCluster(name)) };
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
    },
  };
}
