import { collectDefaultMetrics, Registry } from "prom-client";
import { RegionBudgets } from "../lib/aws/budget.js";
import { registerBudgetMetrics } from "../lib/aws/budget-metrics.js";
import { type AwsClients, awsClientOptions } from "../lib/aws/clients.js";
import { createUnlistedTrunkTypeWarning } from "../lib/aws/eni-trunking-limits.js";
import { createAwsRequestCounter, initAwsRequestCounter } from "../lib/aws/instrument.js";
import { createLazyAwsClients } from "../lib/aws/lazy-clients.js";
import type { Config } from "../lib/config.js";
import type { Logger } from "../lib/logger.js";
import type { RedisClient } from "../lib/redis.js";
import { createCapacityGauges, publishCapacity } from "./capacity/capacity-publisher.js";
import { computeClusterCapacity } from "./capacity/compute-capacity.js";
import { type RunningController, startController } from "./controller.js";
import { createObserver } from "./observe/create-observer.js";
import { sharedObserveCache } from "./observe/shared-cache.js";
import type { CapacityPort, ObserverFactory } from "./reconcile/ports.js";
import { SpecWatcher } from "./spec/spec-watcher.js";

/** The AWS operations the controller calls, initialised at 0 for every outcome in `ecsmon_aws_requests_total`. */
const CONTROLLER_AWS_OPERATIONS = {
  ecs: [
    "ListTasks",
    "DescribeTasks",
    "DescribeTaskDefinition",
    "ListContainerInstances",
    "DescribeContainerInstances",
    "ListServices",
    "DescribeServices",
    "DescribeClusters",
  ],
  ec2: ["DescribeInstances", "DescribeInstanceTypes"],
  servicediscovery: ["ListNamespaces", "ListServices", "ListInstances", "ListTagsForResource"],
  ssm: ["GetParameter"],
  cloudwatch: ["PutMetricData"],
} as const;

export interface ControllerFromConfigOptions {
  config: Config;
  logger: Logger;
  redis: RedisClient;
  /** Overrides config `controller.apiBind`; `false` disables the API. */
  apiBind?: string | false | undefined;
  fileSdPath?: string | undefined;
  /** @defaultValue "ecsmon" */
  keyPrefix?: string | undefined;
  /** @defaultValue "bull" */
  bullPrefix?: string | undefined;
}

export interface WiredController extends RunningController {
  readonly specWatcher: SpecWatcher;
}

/**
 * Builds the real collaborators from the typed config and starts the controller: instrumented AWS clients per
 * region behind one request budget per region (`ecsmon_aws_requests_total`), the SSM {@link SpecWatcher}, a
 * cluster observer per held cluster (`createObserver`), and the capacity arithmetic and publisher.
 */
export async function startControllerFromConfig(options: ControllerFromConfigOptions): Promise<WiredController> {
  const { config, logger } = options;
  const registry = new Registry();
  // process_resident_memory_bytes, nodejs_heap_* and GC figures: the controller's memory is a documented budget.
  // The event-loop delay is sampled every 100 ms, not prom-client's default 10 ms: that timer alone cost an
  // idle controller 0.03 CPU-seconds per 10 s (ADR 0074).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  const counter = createAwsRequestCounter(registry);
  initAwsRequestCounter(counter, CONTROLLER_AWS_OPERATIONS);
  const budgets = new RegionBudgets({ requestsPerSecond: config.aws.requestsPerSecond, burst: config.aws.burst });
  registerBudgetMetrics(registry, () => budgets.entries());
  const clientsByRegion = new Map<string, AwsClients>();
  const clients = (region: string): AwsClients => {
    let c = clientsByRegion.get(region);
    if (!c) {
      c = createLazyAwsClients(awsClientOptions(config.aws, region), { budget: budgets.get(region), counter });
      clientsByRegion.set(region, c);
    }
    return c;
  };
  const home = clients(config.aws.region);

  const specWatcher = new SpecWatcher({
    ssm: home.ssm,
    parameterName: config.controller.specParameter,
    pollIntervalMs: config.controller.specPollIntervalMs,
    logger: logger.child({ part: "spec" }),
  });

  const observerFactory: ObserverFactory = (spec, lease) => {
    const region = spec.region ?? config.aws.region;
    // Issue 10: ECS events from the cluster's SQS queue (spec.events), with a periodic full resync.
    return createObserver(spec, {
      region,
      clients: clients(region),
      // ADR 0068: what any replica learned (task definitions, EC2 facts) is shared in Redis, fenced by the lease.
      cache: sharedObserveCache(
        options.redis,
        options.keyPrefix,
        spec.name,
        config.controller.id,
        lease,
        logger.child({ part: "cache" }),
      ),
      logger,
    });
  };

  const gauges = createCapacityGauges(registry);
  const warnUnlistedTrunkType = createUnlistedTrunkTypeWarning(logger.child({ part: "capacity" }));
  const regionOf = (cluster: string) =>
    specWatcher.current()?.spec.spec.clusters.find((c) => c.name === cluster)?.region ?? config.aws.region;
  const capacity: CapacityPort = {
    compute: (observed, spec, reports) =>
      computeClusterCapacity(observed, spec.capacity, reports, { onUnlistedTrunkType: warnUnlistedTrunkType }),
    publish: (namespace, cluster, figures) =>
      publishCapacity(clients(regionOf(cluster)).cloudwatch, namespace, cluster, figures),
    update: (cluster, figures) => gauges.update(cluster, figures),
    remove: (cluster) => gauges.remove(cluster),
  };

  specWatcher.start();
  let controller: RunningController;
  try {
    controller = await startController({
      id: config.controller.id,
      logger,
      redis: options.redis,
      specSource: specWatcher,
      observerFactory,
      capacity,
      registry,
      reconcileIntervalMs: config.controller.reconcileIntervalMs,
      leaseTtlMs: config.controller.leaseTtlMs,
      apiBind: options.apiBind === false ? undefined : (options.apiBind ?? config.controller.apiBind),
      apiToken: config.controller.apiToken,
      fileSdPath: options.fileSdPath,
      keyPrefix: options.keyPrefix,
      bullPrefix: options.bullPrefix,
      // The rest of ECSMON_SHUTDOWN_TIMEOUT is for the spec watcher, the API and the process's own exit.
      stopBudgetMs: Math.max(250, config.shutdownTimeoutMs - 1_000),
    });
  } catch (error) {
    await specWatcher.stop();
    budgets.close();
    for (const c of clientsByRegion.values()) c.destroy();
    throw error;
  }
  return {
    ...controller,
    id: controller.id,
    apiUrl: controller.apiUrl,
    metrics: controller.metrics,
    view: controller.view,
    heldClusters: () => controller.heldClusters(),
    specWatcher,
    async stop() {
      await specWatcher.stop();
      await controller.stop();
      budgets.close();
      for (const c of clientsByRegion.values()) c.destroy();
    },
  };
}
