import type { CapacityReport, ClusterSpec, MonitoringSpec } from "../../crds-like-schemas/index.js";
import type { ClusterCapacity } from "../capacity/compute-capacity.js";
import type { ClusterLease } from "../leases/cluster-lease.js";
import type { Condition, ObservedCluster } from "../model.js";

/**
 * The narrow interfaces the runtime needs from its collaborators, so that the loop is testable with fakes and
 * the real modules (SpecWatcher, ClusterObserver, capacity) plug in unchanged.
 */

/** The spec in force (SpecWatcher). */
export interface SpecSource {
  current(): { spec: MonitoringSpec; version: number; generation: number } | undefined;
  conditions(): Condition[];
  onChange(listener: (applied: { spec: MonitoringSpec; version: number; generation: number }) => void): () => void;
}

/** One cluster's informer (ClusterObserver). `observe()` returns a complete view or throws and changes nothing. */
export interface ObserverPort {
  observe(): Promise<ObservedCluster>;
  lastGood(): ObservedCluster | undefined;
  updateSpec?(spec: ClusterSpec): void;
  /** Call counts of the last cycle, for the status API. */
  lastCycle?(): unknown;
  /** Starts background work (the ECS event consumer, issue 10); `onChange` asks for a reconcile now. */
  start?(onChange: () => void): void;
  /** Stops background work when the cluster's lease is released. */
  stop?(): Promise<void>;
  /** Observer conditions merged into the cluster's status, e.g. `EventsFlowing`. */
  conditions?(): Condition[];
}

/**
 * Builds the observer of a cluster when this replica takes its lease. `lease` (the cluster's, as this replica
 * holds it) fences the observer's writes to the shared cache (ADR 0068).
 */
export type ObserverFactory = (spec: ClusterSpec, lease?: Pick<ClusterLease, "key" | "token">) => ObserverPort;

/** Capacity arithmetic and publishing (controller/capacity). */
export interface CapacityPort {
  compute(observed: ObservedCluster, spec: ClusterSpec, reports: ReadonlyMap<string, CapacityReport>): ClusterCapacity;
  /** Publishes to CloudWatch; called only when due and after the lease check. */
  publish(namespace: string, cluster: string, capacity: ClusterCapacity): Promise<unknown>;
  /** Updates the capacity gauges on /metrics. */
  update?(cluster: string, capacity: ClusterCapacity): void;
  remove?(cluster: string): void;
}
