import type { Logger } from "../lib/logger.js";
import { fromRoot } from "../lib/paths.js";
import { type AwsServer, startAwsServer } from "./aws/server.js";
import { createSimServices } from "./aws/services/all.js";
import type { CloudMapRegistry } from "./aws/services/cloud-map-registry.js";
import type { MetricStore } from "./aws/services/metric-store.js";
import type { SqsStore } from "./aws/services/sqs-store.js";
import type { SsmParameterStore } from "./aws/services/ssm.js";
import { type AddressClaim, claimAddressBlock } from "./control/address-claim.js";
import { createControlHandler } from "./control/control-api.js";
import { NodeFleet, type SimNodeInfo } from "./control/node-fleet.js";
import { type EventDelivery, startEventDelivery } from "./events/event-bridge.js";
import { type ChurnHandle, startChurn } from "./scenario/churn.js";
import { followEcsServices } from "./scenario/cloud-map-sync.js";
import { type LoadReport, loadScenario } from "./scenario/load.js";
import { parseScenario, readScenario, scenarioFromObject } from "./scenario/parse.js";
import type { Scenario, ScenarioInput } from "./scenario/schema.js";
import { ClusterStore } from "./state/cluster-store.js";
import { startWorkloads, type WorkloadManager } from "./workloads/workload-manager.js";

export type { SimNodeInfo } from "./control/node-fleet.js";
export type { Scenario, ScenarioInput } from "./scenario/schema.js";
export { ClusterStore } from "./state/cluster-store.js";

/** Options of {@link startSim}. */
export interface StartSimOptions {
  /**
   * A scenario file path, YAML text (anything containing a newline), or a scenario object.
   * @defaultValue sim/scenarios/demo.yaml
   */
  scenario?: string | ScenarioInput;
  /** Loopback address of the AWS endpoint. @defaultValue "127.0.0.1" */
  host?: string;
  /** Port of the AWS endpoint; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /**
   * Start each node's Docker API / introspection / metadata / IMDS servers and the workloads' metrics
   * endpoints. @defaultValue the scenario's `nodeSurfaces`, else true
   */
  nodeSurfaces?: boolean;
  /**
   * Fixed ports for every node's surfaces (each node binds its own IP, so they do not collide), e.g.
   * `{ docker: 2375, introspection: 51678, metadata: 51679, imds: 1338 }` for docker compose.
   * @defaultValue ephemeral ports
   */
  nodeSurfacePorts?: Partial<Record<"docker" | "introspection" | "metadata" | "imds", number>>;
  /** Run the scenario's churn (tasks started/stopped per minute). @defaultValue false */
  churn?: boolean;
  /**
   * Second octet of the simulator's 127.x.0.0/16 address block. @defaultValue a random block no other
   * running simulator holds (claimed through a listener on 127.x.254.254:32000)
   */
  addressBase?: number;
  /** Overrides the scenario's lifecycle step delay (0 = instantaneous). */
  transitionDelayMs?: number | [number, number];
  logger?: Logger;
}

/** A running simulator. */
export interface RunningSim {
  /** The AWS endpoint URL for every SDK client (`AWS_ENDPOINT_URL`). */
  endpoint: string;
  region: string;
  store: ClusterStore;
  server: AwsServer;
  scenario: Scenario;
  /** What loading the scenario produced (counts, warnings, Cloud Map registrations). */
  loadReport: LoadReport;
  ssm: SsmParameterStore;
  /** CloudWatch datums accepted by PutMetricData. */
  metrics: MetricStore;
  /** Cloud Map namespaces, services and instances (scenario registrations plus API calls). */
  cloudMap: CloudMapRegistry;
  sqs: SqsStore;
  /** ECS events → SQS (EventBridge-shaped); `events.configure({ queueUrl })` to subscribe a queue. */
  events: EventDelivery;
  /** The workloads' metrics endpoints; undefined with `nodeSurfaces: false`. */
  workloads: WorkloadManager | undefined;
  /** Nodes with their surface URLs (surfaces still starting are awaited). */
  nodes(): Promise<SimNodeInfo[]>;
  /**
   * Reloads the scenario into a fresh cluster and clears fault rules and stored CloudWatch datums (as
   * POST /_sim/reset). SSM parameters survive unless `clearSsm` is set (`?ssm=1`).
   */
  reset(options?: { clearSsm?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

function resolveScenario(input: StartSimOptions["scenario"]): Scenario {
  if (input === undefined) return readScenario(fromRoot("sim/scenarios/demo.yaml"));
  if (typeof input === "string") return input.includes("\n") ? parseScenario(input) : readScenario(input);
  return scenarioFromObject(input);
}

/**
 * Starts the simulator: loads the scenario into a fresh {@link ClusterStore}, serves ECS, EC2 and SSM
 * (plus the other simulated services) and the `/_sim/` control API on one loopback endpoint, and, unless
 * disabled, each node's surfaces. Throws ScenarioError for an invalid scenario.
 */
export async function startSim(options: StartSimOptions = {}): Promise<RunningSim> {
  const scenario = resolveScenario(options.scenario);
  const claim = await claimAddressBlock(options.addressBase);
  try {
    return await start(options, scenario, claim);
  } catch (error) {
    await claim.release();
    throw error;
  }
}

async function start(options: StartSimOptions, scenario: Scenario, claim: AddressClaim): Promise<RunningSim> {
  const store = new ClusterStore({
    region: scenario.region,
    seed: scenario.seed,
    addressBase: claim.base,
    trunking: scenario.trunking,
    transitionDelayMs: 0,
  });
  const effective: Scenario =
    options.transitionDelayMs === undefined ? scenario : { ...scenario, transitionDelayMs: options.transitionDelayMs };
  const { list: services, ssm, cloudwatch, sqs, cloudMap } = createSimServices(store);
  const sink = cloudMap;
  let loadReport = loadScenario(store, effective, { cloudMap: sink });
  let unfollow = followEcsServices(store, loadReport.cloudMapBindings, sink);

  const events = startEventDelivery(store, sqs.store, {
    region: scenario.region,
    seed: scenario.seed,
    logger: options.logger,
  });
  const nodeSurfaces = options.nodeSurfaces ?? scenario.nodeSurfaces ?? true;
  const workloads = nodeSurfaces ? startWorkloads(store, { logger: options.logger }) : undefined;
  const fleet = new NodeFleet(store, nodeSurfaces, options.logger, options.nodeSurfacePorts);
  let churn: ChurnHandle | undefined;
  let server: AwsServer | undefined;

  const reset = async (resetOptions: { clearSsm?: boolean } = {}) => {
    churn?.stop();
    server?.faults.clear();
    cloudwatch.store.clear();
    if (resetOptions.clearSsm) ssm.store.clear();
    unfollow();
    store.reset();
    cloudMap.clear();
    await fleet.settled();
    await workloads?.ready();
    loadReport = loadScenario(store, effective, { cloudMap: sink });
    unfollow = followEcsServices(store, loadReport.cloudMapBindings, sink);
    await fleet.settled();
    await workloads?.ready();
    if (options.churn && scenario.churn) churn = startChurn(store, scenario.churn, scenario);
  };

  const control = createControlHandler({
    store,
    defaultCluster: scenario.cluster,
    faults: () => server!.faults,
    counters: () => server!.counters,
    nodes: () => fleet.nodes(),
    metrics: cloudwatch.store,
    scenario: () => ({
      name: scenario.name,
      seed: scenario.seed,
      region: scenario.region,
      cluster: scenario.cluster,
      addressBase: store.addressBase,
      report: loadReport,
      scenario,
    }),
    reset,
  });

  try {
    server = await startAwsServer({
      services,
      host: options.host ?? "127.0.0.1",
      port: options.port ?? 0,
      defaultRegion: scenario.region,
      fallback: control,
      logger: options.logger,
    });
    await fleet.start();
    await workloads?.ready();
  } catch (error) {
    unfollow();
    events.stop();
    store.close();
    await workloads?.close();
    await fleet.close();
    await server?.close();
    throw error;
  }
  if (options.churn && scenario.churn) churn = startChurn(store, scenario.churn, scenario);

  const running = server;
  let stopped = false;
  return {
    endpoint: running.url,
    region: scenario.region,
    store,
    server: running,
    scenario,
    get loadReport() {
      return loadReport;
    },
    ssm: ssm.store,
    metrics: cloudwatch.store,
    cloudMap,
    sqs: sqs.store,
    events,
    workloads,
    nodes: () => fleet.nodes(),
    reset,
    async stop() {
      if (stopped) return;
      stopped = true;
      churn?.stop();
      unfollow();
      events.stop();
      store.close();
      await workloads?.close();
      await fleet.close();
      await running.close();
      await claim.release();
    },
  };
}
