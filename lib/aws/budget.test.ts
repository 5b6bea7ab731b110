import { describe, expect, it } from "vitest";
import { BudgetAbortedError, RegionBudgets, RequestBudget } from "./budget.js";

describe("RequestBudget", () => {
  it.each([
    [10, 20, 20],
    [5, 1, 1],
    [100, 3, 3],
  ])("rps=%i burst=%i grants %i at once", (rps, burst, immediate) => {
    let now = 0;
    const budget = new RequestBudget({ requestsPerSecond: rps, burst, now: () => now });
    let granted = 0;
    while (budget.tryAcquire()) granted += 1;
    expect(granted).toBe(immediate);
    now += 1000 / rps;
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
    budget.close();
  });

  it("serves waiters in FIFO order at the configured rate", async () => {
    const budget = new RequestBudget({ requestsPerSecond: 50, burst: 1 });
    const order: number[] = [];
    const started = performance.now();
    await Promise.all([0, 1, 2, 3, 4, 5].map((i) => budget.acquire().then(() => order.push(i))));
    const elapsed = performance.now() - started;
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    // 1 immediate + 5 at 50/s = ~100 ms.
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(1000);
    expect(budget.stats().granted).toBe(6);
  });

  it("rejects aborted and closed waiters", async () => {
    const budget = new RequestBudget({ requestsPerSecond: 1, burst: 1 });
    await budget.acquire();
    const controller = new AbortController();
    const aborted = budget.acquire(controller.signal);
    const closed = budget.acquire();
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(BudgetAbortedError);
    budget.close();
    await expect(closed).rejects.toBeInstanceOf(BudgetAbortedError);
    expect(budget.stats().waiting).toBe(0);
  });

  it("falls back to defaults for nonsense settings", () => {
    const budget = new RequestBudget({ requestsPerSecond: -1, burst: Number.NaN });
    expect([budget.requestsPerSecond, budget.burst]).toEqual([10, 20]);
  });
});

describe("RegionBudgets", () => {
  it("keeps one budget per region", () => {
    const budgets = new RegionBudgets({ requestsPerSecond: 1, burst: 1 });
    expect(budgets.get("eu-west-1")).toBe(budgets.get("eu-west-1"));
    expect(budgets.get("eu-west-1")).not.toBe(budgets.get("us-east-1"));
    expect(budgets.get("eu-west-1").tryAcquire()).toBe(true);
    expect(budgets.get("us-east-1").tryAcquire()).toBe(true);
    budgets.close();
  });
});

describe("RequestBudget.setRate", () => {
  it("applies the new rate and clamps the bucket", () => {
    let now = 0;
    const budget = new RequestBudget({ requestsPerSecond: 100, burst: 50, now: () => now });
    budget.setRate(10, 2);
    expect([budget.tryAcquire(), budget.tryAcquire(), budget.tryAcquire()]).toEqual([true, true, false]);
    now += 100;
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
  });
});
