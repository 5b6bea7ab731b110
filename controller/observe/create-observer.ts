import type { ClusterSpec } from "../../crds-like-schemas/index.js";
import type { AwsClients } from "../../lib/aws/clients.js";
import type { Logger } from "../../lib/logger.js";
import { EventDrivenObserver, type EventDrivenObserverOptions } from "../events/event-driven-observer.js";
import { sqsApiFromClient } from "../events/sqs-event-consumer.js";
import { ClusterObserver, type ClusterObserverOptions } from "./cluster-observer.js";
import { cloudMapApiFromClient, ec2ApiFromClient, ecsApiFromClient } from "./sdk-adapters.js";

/** What an observer needs besides its spec. Open for more optional fields (e.g. a shared cache). */
export interface ObserverDeps {
  /** Region of the cluster (the spec's, or the controller's). */
  region: string;
  /**
   * The SDK clients (with the budget and call-counting middleware in production). ECS and EC2 are read every
   * cycle; Cloud Map and SQS are read on first use, so a lazily built client is built only when the spec names
   * Cloud Map namespaces or an events queue.
   */
  clients: Pick<AwsClients, "ecs" | "ec2"> & Partial<Pick<AwsClients, "serviceDiscovery" | "sqs">>;
  logger?: Logger | undefined;
  /** The replicas' shared observer cache (ADR 0068), asked before AWS. @defaultValue none */
  cache?: ClusterObserverOptions["sharedCache"];
  /** ClusterObserver tuning: clock, cache size, concurrency, Cloud Map period. */
  observer?:
    | Omit<ClusterObserverOptions, "spec" | "region" | "ecs" | "ec2" | "cloudMap" | "sharedCache" | "logger">
    | undefined;
  /** ECS event consumer tuning: long-poll wait, receive back-off, clock. */
  events?: Pick<EventDrivenObserverOptions, "waitTimeSeconds" | "retryBaseMs" | "now"> | undefined;
}

/** An API whose adapter (and so its SDK client) is built when one of its methods is first read. */
function onFirstUse<T extends object>(build: () => T): T {
  let api: T | undefined;
  return new Proxy({} as T, {
    get(_target, key) {
      api ??= build();
      return Reflect.get(api, key);
    },
  });
}

/**
 * The polling informer of one cluster over SDK clients: ECS and EC2 always, Cloud Map when `clients` has it.
 * Tests and benches that drive a cycle at a time use this; the controller uses {@link createObserver}.
 */
export function createClusterObserver(spec: ClusterSpec, deps: ObserverDeps): ClusterObserver {
  // `in`, not a read: reading a lazily built client's property would build it.
  const hasCloudMap = "serviceDiscovery" in deps.clients;
  return new ClusterObserver({
    ...deps.observer,
    spec,
    region: deps.region,
    ecs: ecsApiFromClient(deps.clients.ecs),
    ec2: ec2ApiFromClient(deps.clients.ec2),
    sharedCache: deps.cache,
    cloudMap: hasCloudMap ? onFirstUse(() => cloudMapApiFromClient(deps.clients.serviceDiscovery!)) : undefined,
    logger: deps.logger?.child({ part: "observe" }),
  });
}

/**
 * The observer the controller runs for a cluster it holds: the {@link ClusterObserver} fed by ECS events from the
 * spec's SQS queue (`spec.events`), with a periodic full resync (issue 10); without `events`, it polls.
 */
export function createObserver(spec: ClusterSpec, deps: ObserverDeps): EventDrivenObserver {
  const hasSqs = "sqs" in deps.clients;
  return new EventDrivenObserver({
    ...deps.events,
    observer: createClusterObserver(spec, deps),
    spec,
    sqs: hasSqs ? onFirstUse(() => sqsApiFromClient(deps.clients.sqs!)) : undefined,
    logger: deps.logger?.child({ part: "events" }),
  });
}
