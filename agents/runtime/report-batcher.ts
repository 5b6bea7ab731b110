import { TARGET_HEALTH_CONTRACT, type TargetHealth, type TargetHealthReport } from "../../crds-like-schemas/index.js";
import type { Logger } from "../../lib/logger.js";

export interface ReportBatcherOptions {
  cluster: string;
  nodeId: string;
  /** The generation the results belong to (the applied one). */
  generation: () => number;
  /** Sends one batch; a rejection keeps the batch for the next flush. */
  send: (report: TargetHealthReport) => Promise<void>;
  logger: Logger;
  /** @defaultValue 2_000 */
  flushIntervalMs?: number;
  /** Most results per report. @defaultValue 500 */
  maxBatch?: number;
}

/**
 * Batches target health results into TargetHealthReports. Keeps only the latest result per target, so the
 * buffer is bounded by the number of assigned targets even through a long Redis outage; a failed send puts
 * its results back unless a newer result for the same target arrived meanwhile.
 */
export class ReportBatcher {
  private pending = new Map<string, TargetHealth>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;

  constructor(private readonly options: ReportBatcherOptions) {}

  add(result: TargetHealth): void {
    this.pending.set(result.targetId, result);
  }

  /** Drops buffered results of targets no longer assigned. */
  retain(targetIds: ReadonlySet<string>): void {
    for (const id of this.pending.keys()) if (!targetIds.has(id)) this.pending.delete(id);
  }

  get buffered(): number {
    return this.pending.size;
  }

  start(): void {
    const every = this.options.flushIntervalMs ?? 2_000;
    this.timer = setInterval(() => void this.flush(), every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flushing;
  }

  /** Sends what is buffered; concurrent calls share one flush. Never throws. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.size === 0) return Promise.resolve();
    this.flushing = this.doFlush().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async doFlush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const results = [...batch.values()];
    const max = this.options.maxBatch ?? 500;
    for (let i = 0; i < results.length; i += max) {
      const chunk = results.slice(i, i + max);
      try {
        await this.options.send({
          contract: TARGET_HEALTH_CONTRACT,
          cluster: this.options.cluster,
          nodeId: this.options.nodeId,
          generation: Math.max(0, this.options.generation()),
          results: chunk,
        });
        this.failures = 0;
      } catch (error) {
        for (const r of results.slice(i)) if (!this.pending.has(r.targetId)) this.pending.set(r.targetId, r);
        if (this.failures++ % 30 === 0) {
          this.options.logger.warn(
            { err: (error as Error).message, buffered: this.pending.size },
            "health report not sent; kept for retry",
          );
        }
        return;
      }
    }
  }
}
