import { existsSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ClusterObserver } from "../controller/observe/cluster-observer.js";
import { cloudMapApiFromClient, ec2ApiFromClient, ecsApiFromClient } from "../controller/observe/sdk-adapters.js";
import { plan } from "../controller/plan/plan.js";
import { ClusterSpec } from "../crds-like-schemas/index.js";
import { RequestBudget } from "../lib/aws/budget.js";
import { createAwsClients } from "../lib/aws/clients.js";
import { instrumentAwsClients } from "../lib/aws/instrument.js";
import { fromRoot } from "../lib/paths.js";
import { startSim } from "../sim/index.js";
import type { BenchResult } from "./types.js";

/**
 * Controller observe + plan on sim/scenarios/large.yaml (500 instances, 10,000 tasks, 2,000 task definitions),
 * with real SDK clients over HTTP through the request budget. The budget is raised to BENCH_RPS so that the
 * first sync (≈2,000 DescribeTaskDefinition calls, one per definition) fits the bench's time box; the time it
 * would take at the default 10 requests/s is reported next to it. Call counts come from the simulator.
 */
const BENCH_RPS = 100;
const DEFAULT_RPS = 10;
const AREA = "controller";

export async function run(): Promise<BenchResult[]> {
  const scenarioPath = fromRoot("sim/scenarios/large.yaml");
  if (!existsSync(scenarioPath)) {
    return [{ area: AREA, name: "skipped", value: 0, unit: "", note: "sim/scenarios/large.yaml not found" }];
  }
  forceGc();
  const heapBefore = process.memoryUsage().heapUsed;
  const sim = await startSim({ scenario: scenarioPath, nodeSurfaces: false, transitionDelayMs: 0 });
  const clients = createAwsClients({ region: sim.region, endpointUrl: sim.endpoint });
  const budget = new RequestBudget({ requestsPerSecond: BENCH_RPS, burst: BENCH_RPS });
  instrumentAwsClients(clients, { budget });
  const spec = ClusterSpec.parse({ name: sim.scenario.cluster, serviceMetrics: { period: "60s" } });
  const current = { liveAgents: new Set<string>(), sidecarTasks: new Set<string>() };
  const observer = new ClusterObserver({
    spec,
    region: sim.region,
    ecs: ecsApiFromClient(clients.ecs),
    ec2: ec2ApiFromClient(clients.ec2),
    cloudMap: cloudMapApiFromClient(clients.serviceDiscovery),
  });
  const calls = () => {
    const out: Record<string, number> = {};
    for (const c of sim.server.counters.snapshot()) out[c.operation] = (out[c.operation] ?? 0) + c.count;
    return out;
  };
  const delta = (before: Record<string, number>) => {
    const after = calls();
    const out: Record<string, number> = {};
    for (const [op, n] of Object.entries(after)) if (n - (before[op] ?? 0) > 0) out[op] = n - (before[op] ?? 0);
    return out;
  };
  const results: BenchResult[] = [];
  try {
    forceGc();
    const heapSimLoaded = process.memoryUsage().heapUsed;
    let before = calls();
    let started = performance.now();
    const first = await observer.observe();
    const firstPlan = plan(spec, first, current);
    const firstMs = performance.now() - started;
    const firstCalls = delta(before);
    const firstTotal = Object.values(firstCalls).reduce((a, b) => a + b, 0);
    results.push(
      {
        area: AREA,
        name: "first sync wall time (observe+plan)",
        value: Math.round(firstMs),
        unit: "ms",
        note: `budget ${BENCH_RPS} req/s; ${first.tasks.length} tasks, ${firstPlan.targets.length} targets`,
      },
      { area: AREA, name: "first sync AWS calls", value: firstTotal, unit: "calls", note: fmt(firstCalls) },
      {
        area: AREA,
        name: `first sync at default budget (${DEFAULT_RPS} req/s, projected)`,
        value: Math.round((Math.max(0, firstTotal - 20) / DEFAULT_RPS) * 1000),
        unit: "ms",
        note: "calls beyond the burst of 20 / rate",
      },
    );

    const steadyTimes: number[] = [];
    let steadyCalls: Record<string, number> = {};
    for (let i = 0; i < 3; i++) {
      before = calls();
      started = performance.now();
      const view = await observer.observe();
      plan(spec, view, current);
      steadyTimes.push(performance.now() - started);
      steadyCalls = delta(before);
    }
    const steadyTotal = Object.values(steadyCalls).reduce((a, b) => a + b, 0);
    results.push(
      {
        area: AREA,
        name: "steady cycle wall time (observe+plan)",
        value: Math.round(median(steadyTimes)),
        unit: "ms",
        note: `median of 3, budget ${BENCH_RPS} req/s`,
      },
      {
        area: AREA,
        name: "steady cycle AWS calls",
        value: steadyTotal,
        unit: "calls",
        goal: "ListTasks pages only",
        note: fmt(steadyCalls),
      },
      {
        area: AREA,
        name: "steady cycle DescribeTasks + DescribeTaskDefinition",
        value: (steadyCalls.DescribeTasks ?? 0) + (steadyCalls.DescribeTaskDefinition ?? 0),
        unit: "calls",
        goal: "0",
      },
      {
        area: AREA,
        name: `steady cycle at default budget (${DEFAULT_RPS} req/s, projected)`,
        value: Math.round((Math.max(0, steadyTotal - 20) / DEFAULT_RPS) * 1000),
        unit: "ms",
      },
    );

    // N task changes: stop N/2 running standalone tasks, start N/2 new ones.
    const n = 150;
    const running = sim.store
      .tasks()
      .filter((t) => t.desiredStatus === "RUNNING" && t.lastStatus === "RUNNING" && !t.serviceName);
    for (const t of running.slice(0, n / 2)) sim.store.stopTask(t.taskArn, "bench", "UserInitiated", true);
    const family = running[0]?.taskDefinitionArn ?? "";
    const startedTasks = sim.store.runTask({ cluster: sim.scenario.cluster, taskDefinition: family, count: n / 2 })
      .tasks.length;
    before = calls();
    started = performance.now();
    const changed = await observer.observe();
    plan(spec, changed, current);
    const changeMs = performance.now() - started;
    const changeCalls = delta(before);
    const changes = n / 2 + startedTasks;
    results.push(
      {
        area: AREA,
        name: `cycle after ${changes} task changes: DescribeTasks`,
        value: changeCalls.DescribeTasks ?? 0,
        unit: "calls",
        goal: `≤ ${Math.ceil(startedTasks / 100)} (⌈new/100⌉; stops need none)`,
        note: fmt(changeCalls),
      },
      { area: AREA, name: `cycle after ${changes} task changes: wall time`, value: Math.round(changeMs), unit: "ms" },
    );

    const planTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      plan(spec, changed, current);
      planTimes.push(performance.now() - t0);
    }
    results.push({
      area: AREA,
      name: "plan() on 10k tasks",
      value: Number(median(planTimes).toFixed(1)),
      unit: "ms",
      note: "median of 5, pure CPU",
    });

    forceGc();
    const rss = process.memoryUsage().rss / 1_048_576;
    const observerHeap = (process.memoryUsage().heapUsed - heapSimLoaded) / 1_048_576;
    results.push(
      {
        area: AREA,
        name: "process RSS after sync",
        value: Math.round(rss),
        unit: "MB",
        goal: "≤ 300 MB",
        note: "controller and simulator share this process",
      },
      {
        area: AREA,
        name: "heap held by observer + plan",
        value: Math.round(observerHeap),
        unit: "MB",
        note: `simulator state ${Math.round((heapSimLoaded - heapBefore) / 1_048_576)} MB excluded`,
      },
    );
  } finally {
    budget.close();
    clients.destroy();
    await sim.stop();
  }
  return results;
}

/** A full GC before reading memory figures, so that they count live data, not garbage. */
function forceGc(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (() => void) | undefined;
  gc?.();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function fmt(calls: Record<string, number>): string {
  return Object.entries(calls)
    .sort()
    .map(([op, n]) => `${op}=${n}`)
    .join(" ");
}
