import type { Logger } from "./logger.js";

/**
 * Prometheus's `discovery/refresh` pattern, written once: a ticker calls `run` every `intervalMs`, skips a tick
 * while the previous run is still going (no overlap, no pile-up), counts failures and reports each run's
 * duration. Callers supply only the work.
 */
export interface PeriodicOptions {
  name: string;
  intervalMs: number;
  run: () => Promise<void> | void;
  logger?: Logger | undefined;
  /** Called after each run with its outcome and duration in seconds (for metrics). */
  onRun?: ((outcome: "success" | "failure", seconds: number) => void) | undefined;
  /** Run once at start instead of waiting a first interval. @defaultValue false */
  immediate?: boolean;
}

export class PeriodicRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failuresInARow = 0;
  private skipped = 0;

  constructor(private readonly options: PeriodicOptions) {}

  start(): this {
    if (this.timer) return this;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref?.();
    if (this.options.immediate) this.tick();
    return this;
  }

  /** Stops the ticker and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Ticks skipped because the previous run was still going. */
  get overlapsSkipped(): number {
    return this.skipped;
  }

  get consecutiveFailures(): number {
    return this.failuresInARow;
  }

  /** Runs now unless a run is in progress; resolves when this tick's run (or the one in progress) ends. */
  tick(): Promise<void> {
    if (this.running) {
      this.skipped++;
      return this.running;
    }
    const started = performance.now();
    const run = async (): Promise<void> => {
      let outcome: "success" | "failure" = "success";
      try {
        await this.options.run();
        this.failuresInARow = 0;
      } catch (error) {
        outcome = "failure";
        this.failuresInARow++;
        this.options.logger?.warn(
          { err: error, task: this.options.name, failures: this.failuresInARow },
          "periodic run failed",
        );
      }
      this.options.onRun?.(outcome, (performance.now() - started) / 1_000);
    };
    this.running = run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
