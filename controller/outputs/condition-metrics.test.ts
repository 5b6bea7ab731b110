import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { RegionBudgets } from "../../lib/aws/budget.js";
import { registerBudgetMetrics } from "../../lib/aws/budget-metrics.js";
import type { Condition } from "../model.js";
import { registerConditionMetrics } from "./condition-metrics.js";

const condition = (type: string, status: Condition["status"], reason: string): Condition => ({
  type,
  status,
  reason,
  message: "",
  lastTransitionTime: "2026-01-01T00:00:00Z",
});

describe("registerConditionMetrics", () => {
  it("exposes the current conditions at scrape time, dropping clusters no longer held", async () => {
    const registry = new Registry();
    let held: [string, Condition[]][] = [["a", [condition("EventsFlowing", "False", "NotConfigured")]]];
    registerConditionMetrics(registry, {
      specConditions: () => [condition("SpecValid", "False", "ValidationFailed")],
      specClusters: () => ["a", "b"],
      clusterConditions: () => held,
    });
    const text = await registry.metrics();
    expect(text).toContain('ecsmon_spec_condition{type="SpecValid",status="False",reason="ValidationFailed"} 1');
    expect(text).toContain(
      'ecsmon_cluster_condition{cluster="a",type="EventsFlowing",status="False",reason="NotConfigured"} 1',
    );
    expect(text).toContain("ecsmon_spec_clusters 2");
    held = [];
    expect(await registry.metrics()).not.toContain('cluster="a"');
  });
});

describe("registerBudgetMetrics", () => {
  it("reports each region's rate and counts waited seconds monotonically", async () => {
    const registry = new Registry();
    let t = 0;
    const budgets = new RegionBudgets({ requestsPerSecond: 2, burst: 1, now: () => t });
    registerBudgetMetrics(registry, () => budgets.entries());
    const budget = budgets.get("us-east-1");
    await budget.acquire();
    const waiting = budget.acquire();
    t = 500;
    await waiting;
    const text = await registry.metrics();
    expect(text).toContain('ecsmon_aws_budget_requests_per_second{region="us-east-1"} 2');
    expect(text).toContain('ecsmon_aws_budget_waiting{region="us-east-1"} 0');
    expect(text).toMatch(/ecsmon_aws_budget_wait_seconds_total\{region="us-east-1"\} 0\.5\n/);
    expect(await registry.metrics()).toMatch(/ecsmon_aws_budget_wait_seconds_total\{region="us-east-1"\} 0\.5\n/);
    budgets.close();
  });
});
