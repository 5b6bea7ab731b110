import { KEY_PREFIX, redisKeys } from "../../crds-like-schemas/index.js";
import { capacityStep } from "../capacity/capacity-step.js";
import type { ClusterCapacity } from "../capacity/compute-capacity.js";
import { dispatchStep } from "../dispatch/dispatch-step.js";
import { AgentLiveness } from "../machines/agent-liveness.js";
import { applyPlanStep } from "../machines/apply-plan-step.js";
import { settleMachinesStep } from "../machines/settle-step.js";
import { publishOutputsStep, publishStatusStep, stateCounts } from "../outputs/publish-step.js";
import { explain, type TaskExplanation } from "../plan/index.js";
import { planStep } from "../plan/plan-step.js";
import { type ClusterContext, clusterSpecOf } from "./cluster-context.js";
import type { ReconcileOutcome } from "./cluster-loop.js";
import { ClusterStatus, type ClusterSummary } from "./cluster-status.js";
import { observeStep } from "./observe-step.js";
import type { CapacityPort } from "./ports.js";

/** The context's collaborators, plus the settings the reconciler turns into the rest of the context. */
export interface ClusterReconcilerDeps
  extends Omit<ClusterContext, "capacity" | "keys" | "status" | "dispatchConcurrency" | "now"> {
  capacity?: CapacityPort | undefined;
  /** Requeue period of a successful reconcile. */
  intervalMs: number;
  /** @defaultValue "ecsmon" */
  keyPrefix?: string;
  /** Sync jobs in flight at once. @defaultValue 16 */
  dispatchConcurrency?: number;
  now?: () => number;
}

/**
 * Every this many reconciles the dispatcher re-reads the sent payload hashes and the registry rewrites every
 * snapshot, so state Redis lost (a restart without persistence) is re-created even when nothing changed.
 */
const FULL_RESYNC_EVERY = 30;

/**
 * Reconciles one cluster, whatever triggered it, as a fixed sequence of named steps over the cluster's
 * {@link ClusterContext}: observe → plan → apply to machines → dispatch → settle machines → publish outputs →
 * capacity → publish status. Each step lives in the folder of its concern; this class only orders them, reads
 * the heartbeats once per round (after observing, so that the plan and the machines' clock see fresh ones) and
 * keeps the round for explain and the summary. Any failure marks `Reconciled=False` and is rethrown to the loop. A
 * failed observation throws before anything is written, so the last good outputs stay in force.
 */
export class ClusterReconciler {
  readonly cluster: string;
  readonly status: ClusterStatus;
  private readonly ctx: ClusterContext;
  private readonly agents: AgentLiveness;
  private readonly intervalMs: number;
  private rounds = 0;

  constructor(deps: ClusterReconcilerDeps) {
    const { keyPrefix = KEY_PREFIX, dispatchConcurrency = 16, now = Date.now, intervalMs, ...collaborators } = deps;
    this.cluster = deps.cluster;
    this.intervalMs = intervalMs;
    this.status = new ClusterStatus({
      cluster: deps.cluster,
      generation: () => deps.specSource.current()?.generation,
      fencingToken: () => deps.lease.token,
      counts: () => stateCounts(deps.registry),
      now,
    });
    this.ctx = {
      ...collaborators,
      capacity: deps.capacity,
      keys: redisKeys(keyPrefix),
      status: this.status,
      dispatchConcurrency,
      now,
    };
    this.agents = new AgentLiveness(this.ctx);
  }

  async reconcile(): Promise<ReconcileOutcome> {
    const ctx = this.ctx;
    try {
      const spec = clusterSpecOf(ctx.specSource, ctx.cluster);
      const observed = await observeStep(ctx, spec);
      const { heartbeats } = await this.agents.refresh();
      const { planned, current } = planStep(spec, observed, ctx.registry.liveAgents(), heartbeats);
      const fullResync = this.rounds++ % FULL_RESYNC_EVERY === 0;
      applyPlanStep(ctx, planned, fullResync);
      await dispatchStep(ctx, spec, planned, fullResync);
      await settleMachinesStep(ctx, planned, observed);
      await publishOutputsStep(ctx, planned);
      await capacityStep(ctx, spec, observed);
      this.status.recordReconciled({ observed, planned, current, at: ctx.now() });
      await publishStatusStep(ctx);
      return { requeueAfterMs: this.intervalMs };
    } catch (error) {
      this.status.recordFailure(error);
      throw error;
    }
  }

  /**
   * Agent liveness between reconciles (the controller's tick), through the same single read path the reconcile
   * uses. Returns true when an agent was lost or came back, i.e. the plan's input changed.
   */
  async refreshAgents(): Promise<boolean> {
    const { lost, back } = await this.agents.refresh();
    return lost.length > 0 || back.length > 0;
  }

  /** Why each container of a task is or is not a target, from the last complete round. */
  explain(task: string): TaskExplanation | undefined {
    const round = this.status.lastRound();
    if (!round) return undefined;
    return explain(clusterSpecOf(this.ctx.specSource, this.cluster), round.observed, round.current, task);
  }

  /** Node ids of the last plan (for queue-depth metrics). */
  nodeIds(): string[] {
    const round = this.status.lastRound();
    return round ? [...round.planned.nodes.keys()] : [];
  }

  lastCapacity(): ClusterCapacity | undefined {
    return this.status.lastCapacity();
  }

  summary(holder: string | undefined): ClusterSummary {
    return this.status.summary(holder);
  }
}
