import type { RequestCount } from "../../sim/aws/counters.js";

/** Simulator request counts by operation name (all services and outcomes summed). */
export type Calls = Record<string, number>;

export function byOperation(requests: readonly RequestCount[]): Calls {
  const out: Calls = {};
  for (const r of requests) out[r.operation] = (out[r.operation] ?? 0) + r.count;
  return out;
}

/** Calls made between two snapshots (operations with none left out). */
export function diffCalls(after: Calls, before: Calls): Calls {
  const out: Calls = {};
  for (const [op, n] of Object.entries(after)) if (n - (before[op] ?? 0) > 0) out[op] = n - (before[op] ?? 0);
  return out;
}

export function totalCalls(calls: Calls): number {
  return Object.values(calls).reduce((a, b) => a + b, 0);
}

/** "DescribeTasks=1 ListTasks=100", each count divided by `per` (e.g. cycles) and shown to one decimal. */
export function formatCalls(calls: Calls, per = 1): string {
  return Object.entries(calls)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => `${op}=${Number((n / per).toFixed(1))}`)
    .join(" ");
}
