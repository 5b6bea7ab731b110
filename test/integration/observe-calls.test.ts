import { Registry } from "prom-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ObservationError } from "../../controller/errors/observation-error.js";
import type { ClusterObserver } from "../../controller/observe/cluster-observer.js";
import { createClusterObserver } from "../../controller/observe/create-observer.js";
import { plan } from "../../controller/plan/plan.js";
import { ClusterSpec } from "../../crds-like-schemas/index.js";
import { RequestBudget } from "../../lib/aws/budget.js";
import { type AwsClients, createAwsClients } from "../../lib/aws/clients.js";
import { createAwsRequestCounter, instrumentAwsClients } from "../../lib/aws/instrument.js";
import { type RunningSim, startSim } from "../../sim/index.js";

/**
 * AWS call budget of the observer against the simulator, measured by the simulator's own per-operation
 * counters (independent of ecsmon's bookkeeping).
 */

let sim: RunningSim;
let clients: AwsClients;
let registry: Registry;
let observer: ClusterObserver;

function simCalls(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of sim.server.counters.snapshot()) {
    const key = `${c.service}:${c.operation}`;
    out[key] = (out[key] ?? 0) + c.count;
  }
  return out;
}

function diff(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const delta = value - (before[key] ?? 0);
    if (delta > 0) out[key] = delta;
  }
  return out;
}

async function cycle(fn?: () => void): Promise<Record<string, number>> {
  fn?.();
  const before = simCalls();
  await observer.observe();
  return diff(before, simCalls());
}

beforeAll(async () => {
  sim = await startSim({ nodeSurfaces: false, transitionDelayMs: 0 });
  clients = createAwsClients({ region: sim.region, endpointUrl: sim.endpoint, maxAttempts: 2 });
  registry = new Registry();
  instrumentAwsClients(clients, {
    budget: new RequestBudget({ requestsPerSecond: 1000, burst: 100 }),
    counter: createAwsRequestCounter(registry),
  });
  const spec = ClusterSpec.parse({ name: "demo" });
  observer = createClusterObserver(spec, { region: sim.region, clients });
  await observer.observe();
});

afterAll(async () => {
  clients?.destroy();
  await sim?.stop();
});

beforeEach(() => {
  sim.server.faults.clear();
});

describe("observer call budget", () => {
  it("a steady cycle makes only ListTasks calls", async () => {
    const calls = await cycle();
    expect(calls).toEqual({ "ecs:ListTasks": 1 });
  });

  it.each([1, 99, 150])("%i new tasks cost at most ⌈N/100⌉ DescribeTasks and no DescribeTaskDefinition", async (n) => {
    const calls = await cycle(() => {
      const result = sim.store.runTask({ cluster: "demo", taskDefinition: "reports", count: n, launchType: "FARGATE" });
      expect(result.tasks).toHaveLength(n);
    });
    expect(calls["ecs:DescribeTasks"]).toBeLessThanOrEqual(Math.ceil(n / 100));
    expect(calls["ecs:DescribeTasks"]).toBeGreaterThanOrEqual(1);
    expect(calls["ecs:DescribeTaskDefinition"]).toBeUndefined();
    expect(observer.lastGood()?.tasks.filter((t) => t.lastStatus === "RUNNING").length).toBe(
      sim.store.tasks().filter((t) => t.desiredStatus === "RUNNING" && t.lastStatus === "RUNNING").length,
    );
  });

  it("stopped tasks leave the view without any Describe call", async () => {
    const victims = sim.store
      .tasks()
      .filter((t) => t.taskDefinitionArn.includes("/reports:") && t.desiredStatus === "RUNNING")
      .slice(0, 20);
    const calls = await cycle(() => {
      for (const t of victims) sim.store.stopTask(t.taskArn, "test", "UserInitiated", true);
    });
    expect(Object.keys(calls).filter((k) => k.includes("Describe"))).toEqual([]);
    const arns = new Set(observer.lastGood()?.tasks.map((t) => t.taskArn));
    for (const t of victims) expect(arns.has(t.taskArn)).toBe(false);
  });

  it("throttled ECS: observe throws, the last good view and target list stay", async () => {
    const good = observer.lastGood()!;
    const goodTargets = plan(ClusterSpec.parse({ name: "demo" }), good, {
      liveAgents: new Set(),
      sidecarTasks: new Set(),
    }).targets.length;
    sim.store.runTask({ cluster: "demo", taskDefinition: "reports", count: 5, launchType: "FARGATE" });
    sim.server.faults.set({ service: "ecs", operation: "DescribeTasks", throttlePct: 100 });
    const error = await observer.observe().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObservationError);
    expect((error as ObservationError).reason).toBe("Throttled");
    expect((error as ObservationError).operation).toBe("ecs:DescribeTasks");
    expect(observer.lastGood()).toBe(good);
    expect(observer.lastCycle()?.ok).toBe(false);
    expect(
      plan(ClusterSpec.parse({ name: "demo" }), observer.lastGood()!, {
        liveAgents: new Set(),
        sidecarTasks: new Set(),
      }).targets.length,
    ).toBe(goodTargets);

    sim.server.faults.clear();
    const view = await observer.observe();
    expect(view.tasks.length).toBe(good.tasks.length + 5);
  });

  it("counts every attempt in ecsmon_aws_requests_total, as the simulator saw them", async () => {
    const metric = await registry.getSingleMetric("ecsmon_aws_requests_total")!.get();
    const ours: Record<string, number> = {};
    for (const v of metric.values) {
      const key = `${v.labels.service}:${v.labels.operation}`;
      ours[key] = (ours[key] ?? 0) + v.value;
    }
    const theirs = simCalls();
    for (const [key, count] of Object.entries(ours)) expect([key, theirs[key]]).toEqual([key, count]);
    const throttled = metric.values.find(
      (v) => v.labels.operation === "DescribeTasks" && v.labels.outcome === "throttled",
    )?.value;
    expect(throttled).toBe(2);
  });
});
