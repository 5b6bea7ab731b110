import type { Logger } from "../../lib/logger.js";
import { LeaseLostError } from "../leases/cluster-lease.js";
import type { ControllerMetrics, ReconcileResult } from "../outputs/controller-metrics.js";
import { TerminalError } from "./errors.js";

export interface ClusterLoopOptions {
  cluster: string;
  reconcile: () => Promise<{ requeueAfterMs: number }>;
  metrics: ControllerMetrics;
  logger: Logger;
  /** Called once when the loop ends by itself (terminal error or lost lease). */
  onStopped?: (result: ReconcileResult, error: unknown) => void;
  onError?: (error: unknown) => void;
  onSuccess?: () => void;
  /** First retry delay after an error. @defaultValue 1000 */
  backoffInitialMs?: number;
  /** @defaultValue 60000 */
  backoffMaxMs?: number;
  random?: () => number;
}

/**
 * Runs one key's reconcile forever: a returned `requeueAfterMs` schedules the next run, an exception retries
 * with exponential backoff and jitter, a {@link TerminalError} or a lost lease stops the loop. {@link trigger}
 * runs it as soon as the current run ends (coalesced). Each outcome is counted by exactly one `switch`.
 */
export class ClusterLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failures = 0;
  private pending = false;
  private readonly random: () => number;

  constructor(private readonly options: ClusterLoopOptions) {
    this.random = options.random ?? Math.random;
  }

  start(): void {
    this.schedule(0);
  }

  /** Reconcile as soon as possible. */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) this.pending = true;
    else this.schedule(0);
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
    let result: ReconcileResult;
    let next: number | undefined;
    let error: unknown;
    try {
      const outcome = await this.options.reconcile();
      result = outcome.requeueAfterMs > 0 ? "success" : "requeue";
      next = outcome.requeueAfterMs;
      this.failures = 0;
    } catch (caught) {
      error = caught;
      result = caught instanceof TerminalError ? "terminal" : caught instanceof LeaseLostError ? "lease_lost" : "error";
    }
    metrics.observeReconcile("cluster", result, (performance.now() - started) / 1_000);
    switch (result) {
      case "success":
      case "requeue":
        this.options.onSuccess?.();
        break;
      case "error": {
        this.failures++;
        const initial = this.options.backoffInitialMs ?? 1_000;
        const max = this.options.backoffMaxMs ?? 60_000;
        const base = Math.min(max, initial * 2 ** (this.failures - 1));
        next = Math.round(base / 2 + (this.random() * base) / 2);
        logger.warn({ cluster, err: error, retryInMs: next, failures: this.failures }, "reconcile failed");
        this.options.onError?.(error);
        break;
      }
      case "terminal":
      case "lease_lost":
        logger.warn({ cluster, err: error, result }, "reconcile loop stopped");
        this.options.onError?.(error);
        this.stopped = true;
        this.options.onStopped?.(result, error);
        return;
    }
    if (this.pending) {
      this.pending = false;
      next = 0;
    }
    this.schedule(next ?? 0);
  }
}
