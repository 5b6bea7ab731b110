/**
 * Exponential backoff with equal jitter: attempt n (1-based) waits between half and all of
 * `min(maxMs, initialMs * 2^(n-1))`. Half fixed, half random, so replicas and agents that failed together do
 * not retry in lockstep (the AWS Architecture Blog's "equal jitter"). The one backoff every retry loop uses.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** The delay before retry `attempt` (1-based; values below 1 count as 1). `random` returns [0, 1). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Counts consecutive failures and hands out the next delay; `reset()` after a success. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  /** Records a failure and returns how long to wait before the next attempt. */
  next(): number {
    this.failures++;
    return backoffDelay(this.policy, this.failures, this.random);
  }

  reset(): void {
    this.failures = 0;
  }

  /** Consecutive failures since the last reset. */
  get attempts(): number {
    return this.failures;
  }
}
