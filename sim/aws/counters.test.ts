import { describe, expect, it } from "vitest";
import { RequestCounters } from "./counters.js";

describe("RequestCounters", () => {
  it("counts per service, operation and outcome; totals filter; reset clears", () => {
    const c = new RequestCounters();
    c.record("ecs", "ListTasks", "ok");
    c.record("ecs", "ListTasks", "ok");
    c.record("ecs", "ListTasks", "throttled");
    c.record("ssm", "GetParameter", "client_error");
    expect(c.snapshot()).toEqual([
      { service: "ecs", operation: "ListTasks", outcome: "ok", count: 2 },
      { service: "ecs", operation: "ListTasks", outcome: "throttled", count: 1 },
      { service: "ssm", operation: "GetParameter", outcome: "client_error", count: 1 },
    ]);
    expect(c.total({ service: "ecs" })).toBe(3);
    expect(c.total({ outcome: "ok" })).toBe(2);
    expect(c.total()).toBe(4);
    c.reset();
    expect(c.total()).toBe(0);
  });
});
