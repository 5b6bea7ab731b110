import type { Counter, Gauge, Histogram, Registry } from "prom-client";
import { QUEUE_DEPTH_LABELS } from "../../crds-like-schemas/index.js";
import { counter, gauge, histogram, zeroedCounter } from "../../lib/prom-metrics.js";
import { AGENT_STATES } from "../machines/agent-machine.js";
import { TARGET_STATES } from "../machines/target-machine.js";
import type { ServiceFigures } from "../model.js";

/**
 * Outcomes of one reconcile, as the `result` label, with controller-runtime's meanings: `success` (no requeue:
 * wait for a change), `requeue_after` (a timed requeue, every healthy periodic round), `requeue` (requeue without a
 * delay, rate-limited), `error` (thrown; retried with backoff, or stopped when terminal, which
 * `ecsmon_reconcile_terminal_errors_total` also counts). `lease_lost` is ecsmon's own: the cluster's lease moved
 * to another replica mid-reconcile, and the loop stopped.
 */
export const RECONCILE_RESULTS = ["success", "requeue_after", "requeue", "error", "lease_lost"] as const;
export type ReconcileResult = (typeof RECONCILE_RESULTS)[number];

/** Reconcilers, as the `controller` label. */
export const RECONCILERS = ["cluster"] as const;

export const REPORT_KINDS = ["heartbeat", "health", "capacity", "invalid"] as const;

/**
 * The controller's own metrics plus the service gauges (seed 003). Every fixed label combination is created at
 * start-up with `.inc(0)` / `.set(0)` so that dashboards and alerts see zeros instead of absent series.
 */
export class ControllerMetrics {
  readonly reconcileTotal: Counter<"controller" | "result">;
  readonly reconcileDuration: Histogram<"result">;
  readonly terminalErrors: Counter<"controller">;
  readonly queueDepth: Gauge<"queue">;
  readonly targets: Gauge<"cluster" | "state">;
  readonly agents: Gauge<"cluster" | "state">;
  readonly nodesWithoutAgent: Gauge<"cluster">;
  readonly reports: Counter<"kind">;
  readonly syncJobs: Counter<"cluster">;
  readonly sdWrites: Counter<"output">;
  readonly leasesHeld: Gauge;
  readonly leaseEvents: Counter<"event">;
  readonly serviceDesired: Gauge<"cluster" | "service">;
  readonly serviceRunning: Gauge<"cluster" | "service">;
  readonly servicePending: Gauge<"cluster" | "service">;
  private readonly services = new Map<string, Set<string>>();
  /** The last counts written per cluster, so an unchanged tick writes nothing. */
  private readonly publishedCounts = new Map<string, string>();

  constructor(readonly registry: Registry) {
    this.reconcileTotal = counter(registry, {
      name: "ecsmon_reconcile_total",
      help: "Reconciles by controller and result.",
      labelNames: ["controller", "result"],
    });
    this.reconcileDuration = histogram(registry, {
      name: "ecsmon_reconcile_duration_seconds",
      help: "Wall time of one reconcile by result.",
      labelNames: ["result"],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.terminalErrors = zeroedCounter(registry, {
      name: "ecsmon_reconcile_terminal_errors_total",
      help: "Reconciles that failed with a terminal error (also counted as result=error): not retried, the loop stopped.",
      label: "controller",
      values: RECONCILERS,
    });
    this.queueDepth = gauge(registry, {
      name: "ecsmon_queue_depth",
      help: "Jobs waiting: ecsmon-node (sum over the node queues of the clusters this replica holds), ecsmon-pool, ecsmon-reports.",
      labelNames: ["queue"],
    });
    const byClusterAndState = (name: string, help: string) =>
      gauge(registry, { name, help, labelNames: ["cluster", "state"] as ("cluster" | "state")[] });
    this.targets = byClusterAndState("ecsmon_targets", "Targets by lifecycle state (clusters held by this replica).");
    this.agents = byClusterAndState("ecsmon_agents", "Agents by liveness state (clusters held by this replica).");
    this.nodesWithoutAgent = gauge(registry, {
      name: "ecsmon_nodes_without_agent",
      help: "Nodes that hold scrape targets but have no live agent (their targets are orphaned, not scraped).",
      labelNames: ["cluster"],
    });
    this.reports = zeroedCounter(registry, {
      name: "ecsmon_reports_total",
      help: "Agent reports consumed by kind; invalid ones are dropped.",
      label: "kind",
      values: REPORT_KINDS,
    });
    this.syncJobs = counter(registry, {
      name: "ecsmon_sync_jobs_total",
      help: "Node sync jobs dispatched (payload changed).",
      labelNames: ["cluster"],
    });
    this.sdWrites = zeroedCounter(registry, {
      name: "ecsmon_sd_writes_total",
      help: "Service-discovery outputs rewritten because they changed.",
      label: "output",
      values: ["file_sd", "http_sd"],
    });
    this.leasesHeld = gauge(registry, { name: "ecsmon_leases_held", help: "Cluster leases held by this replica." });
    this.leaseEvents = zeroedCounter(registry, {
      name: "ecsmon_lease_events_total",
      help: "Cluster leases acquired and lost by this replica.",
      label: "event",
      values: ["acquired", "lost"],
    });
    const serviceGauge = (name: string, help: string) =>
      gauge(registry, { name, help, labelNames: ["cluster", "service"] as ("cluster" | "service")[] });
    this.serviceDesired = serviceGauge("ecs_service_desired_tasks", "ECS service desiredCount.");
    this.serviceRunning = serviceGauge("ecs_service_running_tasks", "ECS service runningCount.");
    this.servicePending = serviceGauge("ecs_service_pending_tasks", "ECS service pendingCount.");

    for (const controller of RECONCILERS) {
      for (const result of RECONCILE_RESULTS) this.reconcileTotal.labels(controller, result).inc(0);
    }
    for (const result of RECONCILE_RESULTS) this.reconcileDuration.zero({ result });
    for (const queue of Object.values(QUEUE_DEPTH_LABELS)) this.queueDepth.labels(queue).set(0);
    this.leasesHeld.set(0);
  }

  /** Records one reconcile outcome (the single place results become metrics). */
  observeReconcile(controller: (typeof RECONCILERS)[number], result: ReconcileResult, seconds: number): void {
    this.reconcileTotal.labels(controller, result).inc();
    this.reconcileDuration.labels(result).observe(seconds);
  }

  /** Counts a terminal reconcile error (its `result="error"` is counted by {@link observeReconcile}). */
  countTerminalError(controller: (typeof RECONCILERS)[number]): void {
    this.terminalErrors.labels(controller).inc();
  }

  /**
   * Publishes a cluster's counts by state, zero for every state not present. Unchanged counts are not written
   * again (the 1 s tick calls this; the label lookups were its largest cost at idle).
   */
  setStateCounts(cluster: string, counts: { targets: Record<string, number>; agents: Record<string, number> }): void {
    const key = JSON.stringify(counts);
    if (this.publishedCounts.get(cluster) === key) return;
    this.publishedCounts.set(cluster, key);
    for (const state of TARGET_STATES) this.targets.labels(cluster, state).set(counts.targets[state] ?? 0);
    for (const state of AGENT_STATES) this.agents.labels(cluster, state).set(counts.agents[state] ?? 0);
    this.syncJobs.labels(cluster).inc(0);
  }

  /** Replaces the service gauges of a cluster (services that disappeared are removed). */
  setServices(cluster: string, figures: readonly ServiceFigures[]): void {
    const seen = new Set<string>();
    for (const f of figures) {
      seen.add(f.service);
      this.serviceDesired.labels(cluster, f.service).set(f.desired);
      this.serviceRunning.labels(cluster, f.service).set(f.running);
      this.servicePending.labels(cluster, f.service).set(f.pending);
    }
    for (const service of this.services.get(cluster) ?? []) {
      if (!seen.has(service)) this.removeService(cluster, service);
    }
    this.services.set(cluster, seen);
  }

  /** Drops every per-cluster series (the cluster moved to another replica). */
  forgetCluster(cluster: string): void {
    this.publishedCounts.delete(cluster);
    for (const service of this.services.get(cluster) ?? []) this.removeService(cluster, service);
    this.services.delete(cluster);
    for (const state of TARGET_STATES) this.targets.remove(cluster, state);
    for (const state of AGENT_STATES) this.agents.remove(cluster, state);
    this.nodesWithoutAgent.remove(cluster);
  }

  private removeService(cluster: string, service: string): void {
    this.serviceDesired.remove(cluster, service);
    this.serviceRunning.remove(cluster, service);
    this.servicePending.remove(cluster, service);
  }
}
