/**
 * A per-region AWS request budget: a token bucket refilled continuously at `requestsPerSecond`, holding at
 * most `burst` tokens. Every AWS request attempt (retries included) takes one token; callers beyond the
 * budget wait in FIFO order. ECS allows about 20 requests/s per account and region, shared with everything
 * else in the account, so ecsmon defaults to half of that.
 */

export interface RequestBudgetOptions {
  /** Sustained rate. @defaultValue 10 */
  requestsPerSecond?: number;
  /** Bucket size: requests allowed at once after an idle period. @defaultValue 20 */
  burst?: number;
  /** Milliseconds clock; tests inject one. @defaultValue performance.now */
  now?: () => number;
}

export class BudgetAbortedError extends Error {
  constructor() {
    super("request budget wait aborted");
    this.name = "BudgetAbortedError";
  }
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
  signal?: AbortSignal | undefined;
  onAbort?: (() => void) | undefined;
}

export class RequestBudget {
  /** Current sustained rate (see {@link setRate}). */
  requestsPerSecond: number;
  /** Current bucket size. */
  burst: number;
  private readonly now: () => number;
  private tokens: number;
  private updatedAt: number;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private granted = 0;
  private waitedMs = 0;

  constructor(options: RequestBudgetOptions = {}) {
    this.requestsPerSecond = positive(options.requestsPerSecond, 10);
    this.burst = Math.max(1, positive(options.burst, 20));
    this.now = options.now ?? (() => performance.now());
    this.tokens = this.burst;
    this.updatedAt = this.now();
  }

  /** Resolves when a token is available (at once if the bucket has one and nobody waits). */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new BudgetAbortedError());
    if (this.queue.length === 0 && this.take()) return Promise.resolve();
    const startedAt = this.now();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          this.waitedMs += this.now() - startedAt;
          resolve();
        },
        reject,
        signal,
      };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(new BudgetAbortedError());
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.schedule();
    });
  }

  /** Changes the rate and burst from now on (tokens beyond the new burst are dropped). */
  setRate(requestsPerSecond: number, burst = this.burst): void {
    this.refill();
    this.requestsPerSecond = positive(requestsPerSecond, this.requestsPerSecond);
    this.burst = Math.max(1, positive(burst, this.burst));
    this.tokens = Math.min(this.tokens, this.burst);
  }

  /** Takes a token if one is available right now and nobody is waiting. */
  tryAcquire(): boolean {
    return this.queue.length === 0 && this.take();
  }

  /** Counters for self-metrics: tokens granted, callers waiting now, total milliseconds spent waiting. */
  stats(): { granted: number; waiting: number; waitedMs: number; tokens: number } {
    this.refill();
    return { granted: this.granted, waiting: this.queue.length, waitedMs: this.waitedMs, tokens: this.tokens };
  }

  /** Rejects every waiter and stops the timer. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const waiter of this.queue.splice(0)) {
      if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.reject(new BudgetAbortedError());
    }
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.updatedAt = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.requestsPerSecond) / 1000);
  }

  private take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    this.granted += 1;
    return true;
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    this.refill();
    const missing = Math.max(0, 1 - this.tokens);
    const delay = Math.ceil((missing * 1000) / this.requestsPerSecond);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, delay);
  }

  private drain(): void {
    while (this.queue.length > 0 && this.take()) {
      const waiter = this.queue.shift()!;
      if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.resolve();
    }
    this.schedule();
  }
}

/** One {@link RequestBudget} per region, created on first use with the same settings. */
export class RegionBudgets {
  private readonly budgets = new Map<string, RequestBudget>();

  constructor(private readonly options: RequestBudgetOptions = {}) {}

  get(region: string): RequestBudget {
    let budget = this.budgets.get(region);
    if (!budget) {
      budget = new RequestBudget(this.options);
      this.budgets.set(region, budget);
    }
    return budget;
  }

  /** The budgets created so far, by region. */
  entries(): IterableIterator<[string, RequestBudget]> {
    return this.budgets.entries();
  }

  close(): void {
    for (const budget of this.budgets.values()) budget.close();
  }
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
