import type { ClusterSpec, RedisKeys } from "../../crds-like-schemas/index.js";
import type { Logger } from "../../lib/logger.js";
import type { RedisClient } from "../../lib/redis.js";
import type { NodeDispatcher } from "../dispatch/node-dispatcher.js";
import type { ReportStore } from "../dispatch/report-store.js";
import type { ClusterLease } from "../leases/cluster-lease.js";
import type { TargetRegistry } from "../machines/target-registry.js";
import type { ControllerMetrics } from "../outputs/controller-metrics.js";
import type { SdStore } from "../outputs/sd-store.js";
import type { ClusterStatus } from "./cluster-status.js";
import { TerminalError } from "./errors.js";
import type { CapacityPort, ObserverPort, SpecSource } from "./ports.js";

/**
 * Everything the reconcile steps of one cluster share: its collaborators and its {@link ClusterStatus}. One per
 * held cluster, built once by the reconciler. A step declares the slice it uses (`Pick<ClusterContext, …>`), so
 * its unit test passes only that slice, and what a round computes (spec, observation, plan) flows from step to
 * step as arguments rather than through this object.
 */
export interface ClusterContext {
  readonly cluster: string;
  readonly specSource: SpecSource;
  readonly observer: ObserverPort;
  /** Checked before every write that must come from the lease holder only. */
  readonly lease: Pick<ClusterLease, "assertHeld" | "token">;
  readonly registry: TargetRegistry;
  readonly dispatcher: NodeDispatcher;
  readonly reports: ReportStore;
  readonly sd: SdStore;
  readonly metrics: ControllerMetrics;
  readonly capacity: CapacityPort | undefined;
  readonly redis: RedisClient;
  /** The configured prefix's Redis keys (crds-like-schemas/contracts/redis-keys.ts). */
  readonly keys: RedisKeys;
  readonly logger: Logger;
  readonly status: ClusterStatus;
  /** Sync jobs in flight at once. */
  readonly dispatchConcurrency: number;
  readonly now: () => number;
}

/** The cluster's entry in the spec in force; a {@link TerminalError} when it left the spec (retrying cannot help). */
export function clusterSpecOf(specSource: Pick<SpecSource, "current">, cluster: string): ClusterSpec {
  const spec = specSource.current()?.spec.spec.clusters.find((c) => c.name === cluster);
  if (!spec) throw new TerminalError(`cluster ${cluster} is not in the spec in force`);
  return spec;
}
