import { existsSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createClusterObserver } from "../controller/observe/create-observer.js";
import { plan } from "../controller/plan/plan.js";
import { ClusterSpec } from "../crds-like-schemas/index.js";
import { RequestBudget } from "../lib/aws/budget.js";
import { createAwsClients } from "../lib/aws/clients.js";
import { instrumentAwsClients } from "../lib/aws/instrument.js";
import { benchQuick } from "../lib/config.js";
import { MALLOC_TUNING } from "../lib/malloc-tuning.js";
import { fromRoot } from "../lib/paths.js";
import { startSim } from "../sim/index.js";
import { readScenario } from "../sim/scenario/parse.js";
import { byOperation, type Calls, diffCalls, formatCalls, totalCalls } from "./support/aws-calls.js";
import { type ControllerProcessRun, runControllerProcess } from "./support/controller-process.js";
import { tagCostFigures } from "./support/tag-cost.js";
import { type BenchResult, figureBuilder } from "./types.js";

/**
 * The controller on sim/scenarios/large.yaml (500 instances, 10,000 tasks, 2,000 task definitions), in two parts.
 *
 * 1. The headline figures come from the real `ecsmon controller` in its own process (bench/support/
 *    controller-process.ts, with `--file-sd` as docker-compose.yml runs it), with the simulator and a
 *    redis-server in processes of their own, so its RSS is the controller's alone: first sync, steady
 *    reconciles (wall time, AWS calls by operation) and RSS. During
 *    the steady phase emulated agents report every target's health (bench/support/health-reports.ts).
 * 2. Figures that need to drive the simulator's state or time plan() alone run in this process with a bare
 *    ClusterObserver + plan() and real SDK clients over HTTP: the cycle after N task changes, plan() time and
 *    the heap that observer + plan hold. (No RSS here: the simulator shares this process.)
 *
 * The AWS budget is raised to BENCH_RPS so that the first sync (≈2,000 DescribeTaskDefinition calls, one per
 * definition) fits the bench's time box; the time it would take at the default 10 requests/s is reported next to
 * it. The reconcile interval stays at the default 10 s, so that memory behaves between cycles as it does in use.
 */
const AREA = "controller";
const BENCH_RPS = 100;
const DEFAULT_RPS = 10;
const DEFAULT_BURST = 20;
const RECONCILE_INTERVAL = "10s";
/** Steady phase: at least 60 s and 6 reconciles (≈ 70 s at the 10 s interval); BENCH_QUICK=1 shortens it. */
const STEADY = benchQuick() ? { cycles: 3, ms: 20_000 } : { cycles: 6, ms: 60_000 };
const RSS_GOAL = "≤ 300 MB (286 MiB)";
/** Emulated agents report every target's health this often during the steady phase (a 5 s scrape interval). */
const HEALTH_REPORT_MS = 5_000;

export async function run(): Promise<BenchResult[]> {
  const scenarioPath = fromRoot("sim/scenarios/large.yaml");
  if (!existsSync(scenarioPath)) {
    return [{ area: AREA, name: "skipped", value: 0, unit: "", note: "sim/scenarios/large.yaml not found" }];
  }
  const scenario = readScenario(scenarioPath);
  const common = {
    scenario: scenarioPath,
    cluster: scenario.cluster,
    region: scenario.region,
    rps: BENCH_RPS,
    reconcileInterval: RECONCILE_INTERVAL,
    steadyCycles: STEADY.cycles,
    steadyMs: STEADY.ms,
    healthReportMs: HEALTH_REPORT_MS,
  };
  // As deployed (the image sets MALLOC_TUNING), then the same run under glibc's defaults as the baseline.
  const deployed = await runControllerProcess({ ...common, env: MALLOC_TUNING });
  const untuned = await runControllerProcess(common);
  return [
    ...controllerProcessFigures(deployed),
    ...rssFigures(deployed, "as deployed, MALLOC_MMAP_THRESHOLD_=65536"),
    ...rssFigures(untuned, "glibc defaults"),
    ...(await inProcessFigures(scenarioPath)),
    ...(await tagCostFigures(AREA)),
  ];
}

const row = figureBuilder(AREA);

/** The time the AWS calls alone would take at the default budget: those beyond the burst, at the rate. */
function projectedMs(calls: number): number {
  return Math.round((Math.max(0, calls - DEFAULT_BURST) / DEFAULT_RPS) * 1_000);
}

function controllerProcessFigures({ firstSync, steady }: ControllerProcessRun): BenchResult[] {
  const cycles = steady.cycleMs.length;
  const steadyTotal = totalCalls(steady.calls) / cycles;
  const firstTotal = totalCalls(firstSync.calls);
  const window = `${Math.round(steady.windowMs / 1_000)} s, ${cycles} reconciles`;
  const failed = steady.failedReconciles > 0 ? `; ${steady.failedReconciles} reconcile(s) FAILED in the window` : "";
  return [
    row("first sync wall time (controller process)", Math.round(firstSync.ms), "ms", {
      note: `spawn → first reconcile done (GET /api/v1/status); ${firstSync.targets} targets on ${firstSync.nodes} nodes; budget ${BENCH_RPS} req/s`,
    }),
    row("first sync AWS calls", firstTotal, "calls", { note: formatCalls(firstSync.calls) }),
    row(`first sync at default budget (${DEFAULT_RPS} req/s, projected)`, projectedMs(firstTotal), "ms", {
      note: `calls beyond the burst of ${DEFAULT_BURST} / rate`,
    }),
    row("steady cycle wall time (controller process)", Math.round(median(steady.cycleMs)), "ms", {
      note: `median of ${cycles} reconciles (ecsmon_reconcile_duration_seconds deltas); interval ${RECONCILE_INTERVAL}, budget ${BENCH_RPS} req/s${failed}`,
    }),
    row("steady cycle AWS calls", Number(steadyTotal.toFixed(1)), "calls/cycle", {
      goal: "ListTasks pages only",
      note: `mean over ${window} (simulator counters): ${formatCalls(steady.calls, cycles)}`,
    }),
    row(
      "steady cycle DescribeTasks + DescribeTaskDefinition",
      ((steady.calls.DescribeTasks ?? 0) + (steady.calls.DescribeTaskDefinition ?? 0)) / cycles,
      "calls/cycle",
      { goal: "0" },
    ),
    row(`steady cycle at default budget (${DEFAULT_RPS} req/s, projected)`, projectedMs(steadyTotal), "ms"),
  ];
}

/** RSS of the controller process over the steady window, and its peak since spawn. */
function rssFigures({ steady }: ControllerProcessRun, label: string): BenchResult[] {
  const window = `${Math.round(steady.windowMs / 1_000)} s, ${steady.cycleMs.length} reconciles`;
  return [
    row(`controller RSS, steady (median), ${label}`, Math.round(median(steady.rss)), "MiB", {
      goal: RSS_GOAL,
      note: `VmRSS every 250 ms over ${window}; ${steady.rss.length} samples; every target reports health every ${HEALTH_REPORT_MS / 1_000} s`,
    }),
    row(`controller RSS, steady (max), ${label}`, Math.round(Math.max(...steady.rss)), "MiB", { goal: RSS_GOAL }),
    row(`controller peak RSS (VmHWM, first sync included), ${label}`, Math.round(steady.peakRss ?? Number.NaN), "MiB", {
      goal: RSS_GOAL,
    }),
  ];
}

/**
 * In this process: one sync of a bare observer, then N task changes made directly in the simulator's store and
 * the cycle that follows (DescribeTasks only for the new tasks), plan() alone, and the heap observer + plan hold.
 */
async function inProcessFigures(scenarioPath: string): Promise<BenchResult[]> {
  forceGc();
  const heapBefore = process.memoryUsage().heapUsed;
  const sim = await startSim({ scenario: scenarioPath, nodeSurfaces: false, transitionDelayMs: 0 });
  const clients = createAwsClients({ region: sim.region, endpointUrl: sim.endpoint });
  const budget = new RequestBudget({ requestsPerSecond: BENCH_RPS, burst: BENCH_RPS });
  instrumentAwsClients(clients, { budget });
  const spec = ClusterSpec.parse({ name: sim.scenario.cluster, serviceMetrics: { period: "60s" } });
  const current = { liveAgents: new Set<string>(), sidecarTasks: new Set<string>() };
  const observer = createClusterObserver(spec, { region: sim.region, clients });
  const calls = (): Calls => byOperation(sim.server.counters.snapshot());
  try {
    forceGc();
    const heapSimLoaded = process.memoryUsage().heapUsed;
    await observer.observe();

    // N task changes: stop N/2 running standalone tasks, start N/2 new ones.
    const n = 150;
    const running = sim.store
      .tasks()
      .filter((t) => t.desiredStatus === "RUNNING" && t.lastStatus === "RUNNING" && !t.serviceName);
    for (const t of running.slice(0, n / 2)) sim.store.stopTask(t.taskArn, "bench", "UserInitiated", true);
    const family = running[0]?.taskDefinitionArn ?? "";
    const startedTasks = sim.store.runTask({ cluster: sim.scenario.cluster, taskDefinition: family, count: n / 2 })
      .tasks.length;
    const before = calls();
    const started = performance.now();
    const changed = await observer.observe();
    plan(spec, changed, current);
    const changeMs = performance.now() - started;
    const changeCalls = diffCalls(calls(), before);
    const changes = n / 2 + startedTasks;

    const planTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      plan(spec, changed, current);
      planTimes.push(performance.now() - t0);
    }
    forceGc();
    const observerHeap = process.memoryUsage().heapUsed - heapSimLoaded;
    return [
      row(`cycle after ${changes} task changes: DescribeTasks`, changeCalls.DescribeTasks ?? 0, "calls", {
        goal: `≤ ${Math.ceil(startedTasks / 100)} (⌈new/100⌉; stops need none)`,
        note: `in-process observer: ${formatCalls(changeCalls)}`,
      }),
      row(`cycle after ${changes} task changes: wall time`, Math.round(changeMs), "ms", {
        note: `in-process observe + plan, budget ${BENCH_RPS} req/s`,
      }),
      row("plan() on 10k tasks", Number(median(planTimes).toFixed(1)), "ms", { note: "median of 5, pure CPU" }),
      row("heap held by observer + plan (in-process)", Math.round(observerHeap / 1_048_576), "MiB", {
        note: `after GC; simulator state ${Math.round((heapSimLoaded - heapBefore) / 1_048_576)} MiB excluded`,
      }),
    ];
  } finally {
    budget.close();
    clients.destroy();
    await sim.stop();
  }
}

/** A full GC before reading memory figures, so that they count live data, not garbage. */
function forceGc(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (() => void) | undefined;
  gc?.();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
