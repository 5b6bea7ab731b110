/** How a call ended. `throttled`/`injected` are faults the FaultInjector produced. */
export type RequestOutcome = "ok" | "client_error" | "server_error" | "throttled" | "injected";

export interface RequestCount {
  service: string;
  operation: string;
  outcome: RequestOutcome;
  count: number;
}

/** Counts simulator requests per service, operation and outcome. */
export class RequestCounters {
  private readonly counts = new Map<string, RequestCount>();

  record(service: string, operation: string, outcome: RequestOutcome): void {
    const key = `${service}\u0000${operation}\u0000${outcome}`;
    const entry = this.counts.get(key);
    if (entry) entry.count++;
    else this.counts.set(key, { service, operation, outcome, count: 1 });
  }

  /** All counts, sorted by service, operation, outcome. */
  snapshot(): RequestCount[] {
    return [...this.counts.values()]
      .map((c) => ({ ...c }))
      .sort((a, b) =>
        a.service === b.service
          ? a.operation === b.operation
            ? a.outcome.localeCompare(b.outcome)
            : a.operation.localeCompare(b.operation)
          : a.service.localeCompare(b.service),
      );
  }

  /** Sum of counts matching the filter (all outcomes unless given). */
  total(filter: { service?: string; operation?: string; outcome?: RequestOutcome } = {}): number {
    let sum = 0;
    for (const c of this.counts.values()) {
      if (filter.service !== undefined && c.service !== filter.service) continue;
      if (filter.operation !== undefined && c.operation !== filter.operation) continue;
      if (filter.outcome !== undefined && c.outcome !== filter.outcome) continue;
      sum += c.count;
    }
    return sum;
  }

  reset(): void {
    this.counts.clear();
  }
}
