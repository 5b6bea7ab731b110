import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { StatusDocument } from "../controller/api/status-view.js";
import { benchQuick } from "../lib/config.js";
import { freePort } from "../lib/net.js";
import { fromRoot } from "../lib/paths.js";
import { startSim } from "../sim/index.js";
import { startChurn } from "../sim/scenario/churn.js";
import { startHttpSdPoller } from "./support/http-sd-poller.js";
import { type BenchChild, getJson, startRedisChild, stopAll, untilWhileAlive } from "./support/processes.js";
import { applyClustersSpec, percentile, startControllerReplica } from "./support/scale-processes.js";
import { type BenchResult, figureBuilder } from "./types.js";

/**
 * Issue 19 part 3: events end to end at scale. sim/scenarios/large.yaml (10,000 tasks) runs in this process, with
 * churn of 100 task starts and 100 stops per minute; the real `ecsmon controller` runs in its own process at the
 * default AWS budget (10 req/s, burst 20), and a client polls its `/sd/prometheus` every second the way Prometheus's
 * http_sd does (bench/support/http-sd-poller.ts). Time-to-target is, per task, from the simulator's state change
 * (RUNNING for a start; desiredStatus STOPPED for a stop, which is when ECS emits the event and the task leaves
 * ListTasks) until the first http_sd response that lists it / no longer lists it. Both clocks are this process's.
 *
 * Two phases in the same run, same churn, same budget, each with a fresh controller process: polling only (spec
 * without events, reconcile every 10 s) and events (SQS queue fed by the simulator's EventBridge stand-in, resync
 * every minute so that resyncs are inside the window). Before them a warm-up controller at a raised budget does
 * the first sync (≈1,640 calls) and leaves the shared observer cache (ADR 0068) in Redis, so each phase's controller
 * starts warm instead of spending 165 s at 10 req/s on task definitions. ECS requests are the simulator's counters
 * over each window.
 */
const AREA = "events";
const WINDOW_MS = benchQuick() ? 45_000 : 120_000;
/** After the window, changes made near its end get this long to show up. */
const SETTLE_MS = 45_000;
const CHURN = { startsPerMinute: 100, stopsPerMinute: 100, taskDefinitions: ["app-1500", "app-1501", "app-1502"] };
const RESYNC = "1m";
const QUEUE_NAME = "large-ecs-events";
const RESYNC_MS = 60_000;
const DEFAULT_RESYNC_MS = 5 * 60_000;

interface PhaseResult {
  /** Where the time goes: reconciles in the window (mean wall time), event backlog, SQS calls. */
  diagnosis: string;
  appear: number[];
  disappear: number[];
  missing: number;
  ecsCalls: Record<string, number>;
  windowS: number;
  refreshes: number;
  failures: number;
  targets: number;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "ecsmon-bench-events-"));
  const sim = await startSim({ scenario: fromRoot("sim/scenarios/large.yaml"), nodeSurfaces: false, churn: false });
  const cluster = sim.scenario.cluster;
  const children: (BenchChild | undefined)[] = [];
  try {
    const redisServer = await startRedisChild(await freePort(), dir);
    children.push(redisServer.child);
    sim.sqs.create(QUEUE_NAME, sim.region);
    const queueUrl = sim.sqs.queueUrl(sim.endpoint, QUEUE_NAME);
    const specFile = join(dir, "spec.yaml");
    const controller = async (id: string, env: Record<string, string> = {}) => {
      const api = `http://127.0.0.1:${await freePort()}`;
      const spawnedAt = Date.now();
      const child = startControllerReplica({
        id,
        api,
        redisUrl: redisServer.url,
        endpoint: sim.endpoint,
        region: sim.region,
        env,
      });
      children.unshift(child);
      await reconciledSince(child, api, spawnedAt);
      return { child, api };
    };

    // Warm-up: first sync at a raised budget, which leaves the shared observer cache in Redis.
    await applyClustersSpec(sim.endpoint, sim.region, specFile, [{ name: cluster }]);
    const warm = await controller("warm-up", { ECSMON_AWS_RPS: "100", ECSMON_AWS_BURST: "100" });
    await warm.child.stop();

    progress("warm-up done; polling phase");
    const polling = await phase(await controller("polling"));
    progress("polling phase done; events phase");
    await stopAll(children.slice(0, 1));

    sim.events.configure({ queueUrl });
    const events = `      events:\n        queueUrl: ${queueUrl}\n        resyncPeriod: ${RESYNC}\n`;
    await applyClustersSpec(sim.endpoint, sim.region, specFile, [{ name: cluster, extra: events }]);
    const withEvents = await phase(await controller("events"));
    progress("events phase done");
    return figures(polling, withEvents);
  } finally {
    await stopAll(children);
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  /** One measured window: churn on, http_sd polled every second, simulator counters before and after. */
  async function phase({ api }: { api: string }): Promise<PhaseResult> {
    const changedAt = { running: new Map<string, number>(), stopped: new Map<string, number>() };
    let measuring = true;
    const unsubscribe = sim.store.subscribe((event) => {
      if (event.type !== "taskChanged" || !measuring) return;
      const { task, previousStatus } = event;
      if (task.lastStatus === "RUNNING" && previousStatus !== "RUNNING")
        changedAt.running.set(task.taskArn, Date.now());
      if (task.desiredStatus === "STOPPED" && previousStatus === "RUNNING" && !changedAt.stopped.has(task.taskArn))
        changedAt.stopped.set(task.taskArn, Date.now());
    });
    const poller = startHttpSdPoller(`${api}/sd/prometheus`);
    await sleep(3_000); // the poller's first responses list what is already there
    const before = ecsCalls();
    const sqsBefore = sqsCalls();
    const reconcilesBefore = await reconcileTotals(api);
    const delivered0 = sim.events.stats().delivered;
    let maxDepth = 0;
    const depthTimer = setInterval(() => {
      maxDepth = Math.max(maxDepth, sim.sqs.queues.get(QUEUE_NAME)?.messages.length ?? 0);
    }, 250);
    const churn = startChurn(sim.store, CHURN, sim.scenario);
    progress("window started");
    const started = Date.now();
    await sleep(WINDOW_MS);
    churn.stop();
    clearInterval(depthTimer);
    const windowS = (Date.now() - started) / 1_000;
    const calls = diff(ecsCalls(), before);
    const reconciles = await reconcileTotals(api);
    const n = reconciles.count - reconcilesBefore.count;
    const meanMs = n > 0 ? ((reconciles.seconds - reconcilesBefore.seconds) / n) * 1_000 : Number.NaN;
    const sqs = diff(sqsCalls(), sqsBefore);
    const reconcileNote = Number.isFinite(meanMs)
      ? `${n} reconciles in the window, mean ${Math.round(meanMs)} ms each; `
      : "";
    const diagnosis = `${reconcileNote}${sim.events.stats().delivered - delivered0} events delivered to SQS, most waiting at once ${maxDepth}; SQS calls ${format(sqs) || "none"}`;
    measuring = false;
    await sleep(SETTLE_MS);
    const seen = await poller.stop();
    const { refreshes, failures, lastTargets } = seen;
    progress(`window done: ${JSON.stringify({ refreshes, failures, lastTargets })}`);
    unsubscribe();
    const appear: number[] = [];
    const disappear: number[] = [];
    let missing = 0;
    for (const [arn, at] of changedAt.running) {
      if (changedAt.stopped.has(arn)) continue; // started and stopped again inside the window
      const first = seen.firstSeen.get(arn);
      if (first === undefined) missing++;
      else appear.push(first - at);
    }
    for (const [arn, at] of changedAt.stopped) {
      if (!seen.firstSeen.has(arn)) continue; // never listed (stopped before it was published)
      const gone = seen.goneAt.get(arn);
      if (gone === undefined) missing++;
      else disappear.push(gone - at);
    }
    return {
      diagnosis,
      appear,
      disappear,
      missing,
      ecsCalls: calls,
      windowS,
      refreshes,
      failures,
      targets: lastTargets,
    };
  }

  function ecsCalls(): Record<string, number> {
    return callsOf("ecs");
  }

  function sqsCalls(): Record<string, number> {
    return callsOf("sqs");
  }

  function callsOf(service: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of sim.server.counters.snapshot())
      if (c.service === service) out[c.operation] = (out[c.operation] ?? 0) + c.count;
    return out;
  }
}

/** Successful reconciles and their summed wall time, from the controller's /metrics. */
async function reconcileTotals(api: string): Promise<{ count: number; seconds: number }> {
  try {
    // A controller busy reconciling 10,000 targets on a loaded machine answers late: a generous timeout.
    const text = await (await fetch(`${api}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
    const value = (series: string) =>
      Number(
        text
          .split("\n")
          .find((l) => l.startsWith(`${series} `))
          ?.slice(series.length + 1) ?? Number.NaN,
      );
    return {
      count: value('ecsmon_reconcile_duration_seconds_count{result="success"}'),
      seconds: value('ecsmon_reconcile_duration_seconds_sum{result="success"}'),
    };
  } catch {
    return { count: Number.NaN, seconds: Number.NaN };
  }
}

function progress(message: string): void {
  process.stderr.write(`bench: events: ${new Date().toISOString()} ${message}\n`);
}

/** Waits for a reconcile of the (only) cluster completed by this controller after it was spawned. */
function reconciledSince(child: BenchChild, api: string, spawnedAt: number): Promise<true> {
  return untilWhileAlive(
    child,
    "a reconcile by the new controller",
    async () => {
      const status = await getJson<StatusDocument>(`${api}/api/v1/status`);
      const c = status.clusters[0];
      if (!c || "pending" in c || !c.lastReconcileAt) return undefined;
      return Date.parse(c.lastReconcileAt) > spawnedAt && c.holder === status.replica ? true : undefined;
    },
    300_000,
    500,
  );
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, n] of Object.entries(after)) if (n - (before[op] ?? 0) > 0) out[op] = n - (before[op] ?? 0);
  return out;
}

const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
const format = (calls: Record<string, number>) =>
  Object.entries(calls)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => `${op}=${n}`)
    .join(" ");

function figures(polling: PhaseResult, events: PhaseResult): BenchResult[] {
  const figure = figureBuilder(AREA);
  const row = (name: string, value: number, unit: string, extra: Partial<BenchResult> = {}) =>
    figure(name, Math.round(value * 100) / 100, unit, extra);
  const how = (p: PhaseResult) =>
    `${p.appear.length} starts, ${p.disappear.length} stops in ${Math.round(p.windowS)} s${p.missing ? `, ${p.missing} NEVER seen changing` : ""}; ${p.refreshes} http_sd refreshes (${p.failures} failed or over 1 s), ${p.targets} targets`;
  const rate = (p: PhaseResult) => total(p.ecsCalls) / p.windowS;
  // Projection to the default 5 min resync: ListTasks pages come from resyncs only (events) — scale them.
  const listTasks = events.ecsCalls.ListTasks ?? 0;
  const projected = (total(events.ecsCalls) - listTasks * (1 - RESYNC_MS / DEFAULT_RESYNC_MS)) / events.windowS;
  const changes = [...events.appear, ...events.disappear];
  const pollChanges = [...polling.appear, ...polling.disappear];
  const loaded = "machine loaded (2 cores shared with other work)";
  return [
    row("time-to-target to /sd/prometheus p50, events, 10k tasks", percentile(changes, 50), "ms", {
      note: `state change in the simulator → first 1 s http_sd refresh reflecting it (appear and disappear together; the 1 s poll adds 0–1 s); ${how(events)}; controller at the default 10 req/s`,
    }),
    row("time-to-target to /sd/prometheus p99, events, 10k tasks", percentile(changes, 99), "ms", {
      goal: "≤ 2000 ms",
      note: `appear p50/p99 ${Math.round(percentile(events.appear, 50))}/${Math.round(percentile(events.appear, 99))} ms, disappear p50/p99 ${Math.round(percentile(events.disappear, 50))}/${Math.round(percentile(events.disappear, 99))} ms; ${events.diagnosis}; ${loaded}`,
    }),
    row("time-to-target to /sd/prometheus p50, polling only (baseline)", percentile(pollChanges, 50), "ms", {
      note: `same run, same churn, events off, reconcile every 10 s at 10 req/s; ${how(polling)}`,
    }),
    row("time-to-target to /sd/prometheus p99, polling only (baseline)", percentile(pollChanges, 99), "ms", {
      note: polling.diagnosis,
    }),
    row(`ECS requests/s with events (resync every ${RESYNC}, measured)`, rate(events), "req/s", {
      goal: "≤ 1",
      note: `${Math.round(events.windowS)} s window, resyncs inside it: ${format(events.ecsCalls)}`,
    }),
    row("ECS requests/s with events (default 5 min resync, projected)", projected, "req/s", {
      goal: "≤ 1",
      note: `the measured window with its ListTasks pages (resyncs only) scaled from one per ${RESYNC} to one per 5 min`,
    }),
    row("ECS requests/s polling only (baseline)", rate(polling), "req/s", {
      note: `same run, budget-bound at 10 req/s: ${format(polling.ecsCalls)}`,
    }),
  ];
}
