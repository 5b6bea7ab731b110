import type { Logger } from "../lib/logger.js";
import type { RedisClient } from "../lib/redis.js";
import type { NodeDispatcher } from "./dispatch/node-dispatcher.js";
import type { ReportStore } from "./dispatch/report-store.js";
import type { ClusterLease } from "./leases/cluster-lease.js";
import { TargetRegistry } from "./machines/target-registry.js";
import type { ControllerMetrics } from "./outputs/controller-metrics.js";
import type { SdStore } from "./outputs/sd-store.js";
import { clusterSpecOf } from "./reconcile/cluster-context.js";
import { ClusterLoop } from "./reconcile/cluster-loop.js";
import { ClusterReconciler } from "./reconcile/cluster-reconciler.js";
import type { CapacityPort, ObserverFactory, ObserverPort, SpecSource } from "./reconcile/ports.js";

export interface ClusterRuntimeDeps {
  cluster: string;
  lease: ClusterLease;
  specSource: SpecSource;
  observerFactory: ObserverFactory;
  capacity?: CapacityPort | undefined;
  redis: RedisClient;
  dispatcher: NodeDispatcher;
  reports: ReportStore;
  sd: SdStore;
  metrics: ControllerMetrics;
  logger: Logger;
  keyPrefix: string;
  reconcileIntervalMs: number;
  drainDelayMs: number;
  /** Called once when the loop stops by itself (terminal error or lease lost); the owner releases the lease. */
  onStopped: (cluster: string) => void;
}

/**
 * Everything this replica runs for one cluster while it holds the cluster's lease: the machines (restored from
 * Redis first), the observer, the reconciler and its loop. The reconciler owns its conditions; the loop owns the
 * outcome (requeue, backoff, stop); this class only wires them and relays a stop to its owner.
 */
export class ClusterRuntime {
  readonly cluster: string;
  readonly registry: TargetRegistry;
  readonly reconciler: ClusterReconciler;
  readonly loop: ClusterLoop;
  private readonly observer: ObserverPort;
  private stopped = false;

  private constructor(deps: ClusterRuntimeDeps) {
    this.cluster = deps.cluster;
    const spec = clusterSpecOf(deps.specSource, deps.cluster);
    this.registry = new TargetRegistry({
      cluster: deps.cluster,
      redis: deps.redis,
      logger: deps.logger,
      keyPrefix: deps.keyPrefix,
      drainDelayMs: deps.drainDelayMs,
    });
    this.observer = deps.observerFactory(spec, deps.lease);
    this.reconciler = new ClusterReconciler({
      cluster: deps.cluster,
      specSource: deps.specSource,
      observer: this.observer,
      lease: deps.lease,
      registry: this.registry,
      dispatcher: deps.dispatcher,
      reports: deps.reports,
      sd: deps.sd,
      metrics: deps.metrics,
      capacity: deps.capacity,
      redis: deps.redis,
      logger: deps.logger,
      intervalMs: deps.reconcileIntervalMs,
      keyPrefix: deps.keyPrefix,
    });
    this.loop = new ClusterLoop({
      cluster: deps.cluster,
      reconcile: () => this.reconciler.reconcile(),
      metrics: deps.metrics,
      logger: deps.logger,
      onStopped: () => deps.onStopped(deps.cluster),
    });
  }

  /** Restores the machines from Redis, then starts reconciling. */
  static async start(deps: ClusterRuntimeDeps): Promise<ClusterRuntime> {
    const runtime = new ClusterRuntime(deps);
    const restored = await runtime.registry.restore();
    deps.logger.info({ cluster: deps.cluster, ...restored }, "cluster machines restored");
    if (!runtime.stopped) {
      runtime.loop.start();
      runtime.observer.start?.(() => runtime.loop.trigger());
    }
    return runtime;
  }

  /**
   * Agent liveness between reconciles; an agent lost or back triggers a reconcile. Skipped while a reconcile runs:
   * it reads the heartbeats itself, once, and a second read in the same round would only race it.
   */
  async tickAgents(): Promise<void> {
    if (this.stopped || this.loop.busy) return;
    if (await this.reconciler.refreshAgents()) this.loop.trigger();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.observer.stop?.();
    await this.loop.stop();
    this.registry.stop();
  }
}
