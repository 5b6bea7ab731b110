import { Backoff } from "../../lib/backoff.js";
import type { Logger } from "../../lib/logger.js";
import { LeaseLostError } from "../leases/cluster-lease.js";
import type { ControllerMetrics, ReconcileResult } from "../outputs/controller-metrics.js";
import { TerminalError } from "./errors.js";

/**
 * What a reconcile returns (controller-runtime's `reconcile.Result`): `requeueAfterMs > 0` runs it again after
 * that delay; `requeue` alone runs it again rate-limited (the error backoff, without counting an error); neither
 * waits for a {@link ClusterLoop.trigger}.
 */
export interface ReconcileOutcome {
  requeueAfterMs?: number | undefined;
  requeue?: boolean | undefined;
}

/** Why a loop ended by itself. */
export type LoopStopReason = "terminal" | "lease_lost";

export interface ClusterLoopOptions {
  cluster: string;
  reconcile: () => Promise<ReconcileOutcome>;
  metrics: Pick<ControllerMetrics, "observeReconcile" | "countTerminalError">;
  logger: Logger;
  /** Called once when the loop ends by itself (terminal error or lost lease). */
  onStopped?: (reason: LoopStopReason, error: unknown) => void;
  /** First retry delay after an error. @defaultValue 1000 */
  backoffInitialMs?: number;
  /** Longest retry delay. @defaultValue 60000 */
  backoffMaxMs?: number;
  random?: () => number;
}

/**
 * Runs one key's reconcile until stopped, and turns each outcome into the next run in one `switch`, with
 * controller-runtime's `reconcileHandler` label meanings:
 * - `error`: the reconcile threw; retried after exponential backoff with jitter. A {@link TerminalError} is
 *   counted as `error` too, plus `ecsmon_reconcile_terminal_errors_total`, and is not retried: the loop stops.
 * - `requeue_after`: a timed requeue (`requeueAfterMs > 0`); the backoff resets.
 * - `requeue`: `requeue` without a delay; rate-limited by the backoff, as controller-runtime's `AddRateLimited`.
 * - `success`: no requeue; the backoff resets and the loop waits for {@link trigger}.
 * - `lease_lost` (ecsmon's own): another replica holds the cluster now; neither a failure nor a success of this
 *   key, so counted apart, and the loop stops.
 * {@link trigger} runs the reconcile as soon as the current run ends (coalesced).
 */
export class ClusterLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private pending = false;
  private readonly backoff: Backoff;

  constructor(private readonly options: ClusterLoopOptions) {
    this.backoff = new Backoff(
      { initialMs: options.backoffInitialMs ?? 1_000, maxMs: options.backoffMaxMs ?? 60_000 },
      options.random ?? Math.random,
    );
  }

  start(): void {
    this.schedule(0);
  }

  /** Reconcile as soon as possible: now when idle, right after the run in progress otherwise. */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) this.pending = true;
    else this.schedule(0);
  }

  /** Whether a reconcile is in progress. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Stops scheduling and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Resolves when the run in progress (if any) ends; for tests. */
  async idle(): Promise<void> {
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
  }

  private async runOnce(): Promise<void> {
    const { metrics, logger, cluster } = this.options;
    const started = performance.now();
    let outcome: ReconcileOutcome = {};
    let error: unknown;
    let failed = false;
    try {
      outcome = await this.options.reconcile();
    } catch (caught) {
      failed = true;
      error = caught;
    }
    const seconds = (performance.now() - started) / 1_000;
    const count = (result: ReconcileResult) => metrics.observeReconcile("cluster", result, seconds);
    /** Delay before the next run; undefined waits for a trigger. */
    let next: number | undefined;
    switch (verdict(outcome, failed, error)) {
      case "terminal":
        count("error");
        metrics.countTerminalError("cluster");
        this.end("terminal", error);
        return;
      case "lease_lost":
        count("lease_lost");
        this.end("lease_lost", error);
        return;
      case "error":
        count("error");
        next = this.backoff.next();
        logger.warn({ cluster, err: error, retryInMs: next, failures: this.backoff.attempts }, "reconcile failed");
        break;
      case "requeue_after":
        count("requeue_after");
        this.backoff.reset();
        next = outcome.requeueAfterMs;
        break;
      case "requeue":
        count("requeue");
        next = this.backoff.next();
        break;
      case "success":
        count("success");
        this.backoff.reset();
        break;
    }
    if (this.pending) {
      this.pending = false;
      next = 0;
    }
    if (next !== undefined) this.schedule(next);
  }

  private end(reason: LoopStopReason, error: unknown): void {
    this.options.logger.warn({ cluster: this.options.cluster, err: error, reason }, "reconcile loop stopped");
    this.stopped = true;
    this.options.onStopped?.(reason, error);
  }
}

/** Classifies one run, in controller-runtime's precedence: an error first, then a timed requeue, then a requeue. */
function verdict(outcome: ReconcileOutcome, failed: boolean, error: unknown): ReconcileResult | "terminal" {
  if (failed) {
    if (error instanceof LeaseLostError) return "lease_lost";
    return error instanceof TerminalError ? "terminal" : "error";
  }
  if ((outcome.requeueAfterMs ?? 0) > 0) return "requeue_after";
  return outcome.requeue ? "requeue" : "success";
}
