import { Counter, Gauge, type Registry } from "prom-client";
import type { RequestBudget } from "./budget.js";

/**
 * The request budgets as metrics, read at scrape time: `ecsmon_aws_budget_requests_per_second{region}` (the
 * sustained rate, so an alert compares `rate(ecsmon_aws_requests_total[5m])` with it instead of a copied number),
 * `ecsmon_aws_budget_waiting{region}` (callers queued for a token) and
 * `ecsmon_aws_budget_wait_seconds_total{region}` (time spent waiting; a rising rate means the budget is saturated).
 */
export function registerBudgetMetrics(
  registry: Registry,
  budgets: () => Iterable<[region: string, RequestBudget]>,
): void {
  new Gauge({
    name: "ecsmon_aws_budget_requests_per_second",
    help: "Sustained AWS request rate allowed per region.",
    labelNames: ["region"],
    registers: [registry],
    collect() {
      for (const [region, budget] of budgets()) this.set({ region }, budget.requestsPerSecond);
    },
  });
  new Gauge({
    name: "ecsmon_aws_budget_waiting",
    help: "AWS requests waiting for a budget token, per region.",
    labelNames: ["region"],
    registers: [registry],
    collect() {
      for (const [region, budget] of budgets()) this.set({ region }, budget.stats().waiting);
    },
  });
  /** Waited seconds already counted per region; the counter adds the difference at each scrape. */
  const seen = new Map<string, number>();
  const waited = new Counter({
    name: "ecsmon_aws_budget_wait_seconds_total",
    help: "Time AWS requests spent waiting for a budget token, per region.",
    labelNames: ["region"],
    registers: [registry],
    collect() {
      for (const [region, budget] of budgets()) {
        const seconds = budget.stats().waitedMs / 1000;
        const current = seen.get(region) ?? 0;
        if (seconds > current) waited.inc({ region }, seconds - current);
        else waited.inc({ region }, 0);
        seen.set(region, Math.max(seconds, current));
      }
    },
  });
}
