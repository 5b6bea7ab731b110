import type { ClusterStore } from "../../state/cluster-store.js";
import type { SimService } from "../service.js";
import { CloudMapRegistry } from "./cloud-map-registry.js";
import { createCloudWatchService } from "./cloudwatch.js";
import { createEc2Service } from "./ec2.js";
import { createEcsService } from "./ecs.js";
import { createServiceDiscoveryService } from "./servicediscovery.js";
import { createSqsService } from "./sqs.js";
import { createSsmService } from "./ssm.js";

/**
 * Every simulated AWS service over one cluster store: the dispatch tables the simulator's endpoint serves.
 * startSim serves exactly these, and test/static/sim-operations.test.ts holds their operations against the calls
 * ecsmon makes (docs/adr/0072-simulator-scope.md).
 */
export function createSimServices(store: ClusterStore, cloudMap = new CloudMapRegistry(store.region)) {
  const ssm = createSsmService();
  const cloudwatch = createCloudWatchService();
  const sqs = createSqsService();
  const list: SimService[] = [
    createEcsService(store),
    createEc2Service(store),
    ssm,
    cloudwatch,
    createServiceDiscoveryService(cloudMap),
    sqs,
  ];
  return { list, ssm, cloudwatch, sqs, cloudMap };
}
