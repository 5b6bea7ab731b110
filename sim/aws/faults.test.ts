import { describe, expect, it } from "vitest";
import { FaultInjector, FaultRuleError } from "./faults.js";

describe("FaultInjector", () => {
  it("picks the most specific rule", () => {
    const f = new FaultInjector();
    f.set({ service: "*", operation: "*", latencyMs: 1 });
    f.set({ service: "ecs", operation: "*", latencyMs: 2 });
    f.set({ service: "*", operation: "ListTasks", latencyMs: 3 });
    f.set({ service: "ecs", operation: "DescribeTasks", latencyMs: 4 });
    expect(f.decide("ecs", "DescribeTasks")?.latencyMs).toBe(4);
    expect(f.decide("ecs", "ListTasks")?.latencyMs).toBe(2);
    expect(f.decide("ec2", "ListTasks")?.latencyMs).toBe(3);
    expect(f.decide("ssm", "GetParameter")?.latencyMs).toBe(1);
    f.clear();
    expect(f.decide("ssm", "GetParameter")).toBeUndefined();
  });

  it.each([
    ["ecs", "ThrottlingException", 400],
    ["ec2", "RequestLimitExceeded", 503],
    ["ssm", "ThrottlingException", 400],
    ["monitoring", "Throttling", 400],
    ["servicediscovery", "ThrottlingException", 400],
    ["sqs", "RequestThrottled", 403],
  ])("throttles %s with %s (%i)", (service, code, status) => {
    const f = new FaultInjector();
    f.set({ service, operation: "*", throttlePct: 100 });
    const d = f.decide(service, "Any");
    expect(d?.error?.code).toBe(code);
    expect(d?.error?.status).toBe(status);
  });

  it("is deterministic for a seed and close to the configured rate", () => {
    const run = (seed: number) => {
      const f = new FaultInjector(seed);
      f.set({ service: "ecs", operation: "ListTasks", errorPct: 30 });
      return Array.from({ length: 2000 }, () => (f.decide("ecs", "ListTasks")?.error ? 1 : 0));
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
    const rate = a.reduce<number>((s, x) => s + x, 0) / a.length;
    expect(rate).toBeGreaterThan(0.25);
    expect(rate).toBeLessThan(0.35);
  });

  it.each([
    ["ecs", 500, "InternalFailure"],
    ["ecs", 503, "ServiceUnavailable"],
    ["ec2", 500, "InternalError"],
    ["ec2", 503, "Unavailable"],
    ["monitoring", 500, "InternalServiceFault"],
  ] as const)("injects %s %i as %s", (service, status, code) => {
    const f = new FaultInjector();
    f.set({ service, operation: "*", errorPct: 100, errorStatus: status });
    expect(f.decide(service, "X")?.error).toMatchObject({ code, status });
  });

  it("rejects invalid rules with a message naming the field", () => {
    const f = new FaultInjector();
    expect(() => f.set({ service: "ecs", operation: "*", throttlePct: 150 })).toThrow(/throttlePct/);
    expect(() => f.set({ service: "ecs", operation: "*", latencyMs: -1 })).toThrow(FaultRuleError);
    expect(f.rules()).toEqual([]);
  });
});
