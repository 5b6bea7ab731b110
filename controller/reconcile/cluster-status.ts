import type { ClusterSummary } from "../../crds-like-schemas/index.js";
import type { ClusterCapacity } from "../capacity/compute-capacity.js";
import type { ClusterPlan, Condition, CurrentState, ObservedCluster } from "../model.js";
import { type NodeWithoutAgent, nodesWithoutAgentCondition } from "./node-coverage.js";

/** A condition as a step states it; the status stamps the generation and the transition time. */
export type ConditionInput = Pick<Condition, "type" | "status" | "reason" | "message">;

/** Targets and agents of a cluster by state name. */
export interface StateCounts {
  targets: Record<string, number>;
  agents: Record<string, number>;
}

/** The per-cluster summary shown by the status API (also stored in Redis for the other replicas). */
export type { ClusterSummary };

/** What the last complete reconcile saw and planned (explain and the summary read it). */
export interface ReconciledRound {
  observed: ObservedCluster;
  planned: ClusterPlan;
  current: CurrentState;
  /** Epoch ms when the round completed. */
  at: number;
}

export interface ClusterStatusOptions {
  cluster: string;
  /** Generation of the spec in force, stamped on every condition as `observedGeneration`. */
  generation: () => number | undefined;
  /** The lease's fencing token, shown in the summary. */
  fencingToken: () => number | undefined;
  /** The registry's counts by state, read when a summary is built. */
  counts: () => StateCounts;
  now: () => number;
}

/**
 * One cluster's conditions and summary, and the only place they change. Steps report what they found through
 * the `record…` methods, and this module turns each finding into its condition (Kubernetes' convention:
 * `lastTransitionTime` moves only when `status` changes).
 */
export class ClusterStatus {
  private readonly conditionMap = new Map<string, Condition>();
  private round: ReconciledRound | undefined;
  private capacity: ClusterCapacity | undefined;
  private uncovered: NodeWithoutAgent[] = [];
  private syncJobsSent = 0;

  constructor(private readonly options: ClusterStatusOptions) {}

  /** A complete observation (`ObservationComplete=True`) plus the observer's own conditions (e.g. `EventsFlowing`). */
  recordObservation(observed: ObservedCluster, observerConditions: readonly ConditionInput[] = []): void {
    const message = `observed ${observed.tasks.length} tasks on ${observed.instances.length} instances`;
    this.set({ type: "ObservationComplete", status: "True", reason: "Observed", message });
    for (const c of observerConditions) this.set(c);
  }

  /** A failed observation: `ObservationComplete=False`, with the error's `reason` when it names one. */
  recordObservationFailure(error: unknown): void {
    const reason = (error as { reason?: unknown } | undefined)?.reason;
    this.set({
      type: "ObservationComplete",
      status: "False",
      reason: typeof reason === "string" ? reason : "ObservationFailed",
      message: errorMessage(error),
    });
  }

  /** Nodes whose targets no live agent scrapes: the `NodesWithoutAgent` condition and the summary's list. */
  recordCoverage(nodes: NodeWithoutAgent[]): void {
    this.uncovered = nodes;
    this.set(nodesWithoutAgentCondition(nodes));
  }

  recordSyncJobs(sent: number): void {
    this.syncJobsSent += sent;
  }

  recordCapacity(capacity: ClusterCapacity): void {
    this.capacity = capacity;
  }

  /** The round completed every step: the summary now describes it, and `Reconciled=True`. */
  recordReconciled(round: ReconciledRound): void {
    this.round = round;
    this.set({ type: "Reconciled", status: "True", reason: "Reconciled", message: "last reconcile succeeded" });
  }

  /** The round failed (observation, dispatch, Redis, lease): `Reconciled=False` with the error's name. */
  recordFailure(error: unknown): void {
    const name = (error as Error | undefined)?.name;
    this.set({ type: "Reconciled", status: "False", reason: name || "Error", message: errorMessage(error) });
  }

  conditions(): Condition[] {
    return [...this.conditionMap.values()];
  }

  lastRound(): ReconciledRound | undefined {
    return this.round;
  }

  lastCapacity(): ClusterCapacity | undefined {
    return this.capacity;
  }

  summary(holder: string | undefined): ClusterSummary {
    const { targets, agents } = this.options.counts();
    let capacity: ClusterSummary["capacity"];
    if (this.capacity) {
      const { nodes: _nodes, ...rest } = this.capacity;
      capacity = rest;
    }
    const round = this.round;
    return {
      cluster: this.options.cluster,
      holder,
      fencingToken: this.options.fencingToken(),
      observedAt: round?.observed.observedAt,
      lastReconcileAt: round === undefined ? undefined : new Date(round.at).toISOString(),
      conditions: this.conditions(),
      targets,
      agents,
      invalidTargets: round?.planned.invalid.length ?? 0,
      nodes: round?.planned.nodes.size ?? 0,
      nodesWithoutAgent: this.uncovered,
      poolTargets: round?.planned.pool.length ?? 0,
      syncJobsSent: this.syncJobsSent,
      capacity,
    };
  }

  private set(c: ConditionInput): void {
    const previous = this.conditionMap.get(c.type);
    this.conditionMap.set(c.type, {
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      observedGeneration: this.options.generation(),
      lastTransitionTime:
        previous && previous.status === c.status
          ? previous.lastTransitionTime
          : new Date(this.options.now()).toISOString(),
    });
  }
}

function errorMessage(error: unknown): string {
  return String((error as Error | undefined)?.message ?? error);
}
