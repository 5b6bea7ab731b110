import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import type { StatusDocument } from "../controller/api/status-view.js";
import { benchQuick } from "../lib/config.js";
import { MALLOC_TUNING } from "../lib/malloc-tuning.js";
import { freePort } from "../lib/net.js";
import { fromRoot } from "../lib/paths.js";
import { readScenario } from "../sim/scenario/parse.js";
import { emulateHealthReports } from "./support/health-reports.js";
import { type BenchChild, procStatusMiB, sampleRss, startRedisChild, stopAll } from "./support/processes.js";
import {
  allReconciled,
  applyClustersSpec,
  cpuSeconds,
  heldCounts,
  leaseHolders,
  median,
  startControllerReplica,
  startSimProcess,
} from "./support/scale-processes.js";
import { type BenchResult, figureBuilder } from "./types.js";

/**
 * Issue 19 part 4, in two runs of real processes (simulator, redis-server and `ecsmon controller`s each in their own):
 *
 * 1. Many clusters, many replicas: sim/scenarios/fleet-20.yaml (20 clusters × 2,500 tasks = 50,000) and 3 controller
 *    replicas started together with the default lease TTL (15 s). The bench reads the lease keys in Redis every
 *    100 ms: clusters held per replica once the spread is stable, the time it took, then each replica's RSS and CPU
 *    over a steady window, then `kill -9` of the fullest replica and, for each of its clusters, the time from the
 *    kill until another replica holds the lease (goal ≤ TTL), and the survivors' spread.
 * 2. Controller memory by cluster size: one controller on one cluster of 10k (large.yaml), 25k and 50k tasks
 *    (large-25k.yaml, large-50k.yaml: large.yaml scaled), as deployed (MALLOC_TUNING), emulated agents reporting
 *    every target's health every 5 s like bench/controller.ts; VmRSS median over a steady window and VmHWM.
 *
 * The AWS budget is raised (BENCH_RPS) so that first syncs fit the time box; it does not change memory or leases.
 */
const AREA = "replicas";
const BENCH_RPS = "200";
const TTL_MS = 15_000;
const REPLICAS = 3;
const STEADY_MS = benchQuick() ? 15_000 : 30_000;
const RSS_STEADY_MS = benchQuick() ? 12_000 : 25_000;
const HEALTH_REPORT_MS = 5_000;
const RSS_GOAL = "≤ 300 MB (286 MiB) at 10k; linear";

const row = figureBuilder(AREA);

export async function run(): Promise<BenchResult[]> {
  return [...(await fleetFigures()), ...(await rssBySize())];
}

async function fleetFigures(): Promise<BenchResult[]> {
  const scenarioPath = fromRoot("sim/scenarios/fleet-20.yaml");
  const scenario = readScenario(scenarioPath);
  const clusters = [scenario.cluster, ...scenario.clusters];
  const ids = Array.from({ length: REPLICAS }, (_, i) => `replica-${i + 1}`);
  const dir = mkdtempSync(join(tmpdir(), "ecsmon-bench-replicas-"));
  const children: (BenchChild | undefined)[] = [];
  let redis: Redis | undefined;
  try {
    const redisServer = await startRedisChild(await freePort(), dir);
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const sim = await startSimProcess(scenarioPath, scenario.region, endpoint);
    children.push(sim, redisServer.child);
    await applyClustersSpec(
      endpoint,
      scenario.region,
      join(dir, "spec.yaml"),
      clusters.map((name) => ({ name })),
    );
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });

    const apis = await Promise.all(ids.map(async () => `http://127.0.0.1:${await freePort()}`));
    const spawnedAt = performance.now();
    const replicas = ids.map((id, i) =>
      startControllerReplica({
        id,
        api: apis[i]!,
        redisUrl: redisServer.url,
        endpoint,
        region: scenario.region,
        env: { ECSMON_AWS_RPS: BENCH_RPS, ECSMON_AWS_BURST: BENCH_RPS, ECSMON_LEASE_TTL: `${TTL_MS / 1000}s` },
      }),
    );
    children.unshift(...replicas);
    const spread = await stableSpread(redis, clusters, ids, 180_000);
    const spreadMs = performance.now() - spawnedAt;
    const reconciled = await reconciledClusters(apis, clusters.length, 240_000);

    // Steady window: RSS and CPU of every replica.
    const cpu0 = replicas.map((r) => cpuSeconds(r.pid) ?? Number.NaN);
    const rss = replicas.map((r) => sampleRss(r.pid, 500));
    const t0 = performance.now();
    await sleep(STEADY_MS);
    const windowS = (performance.now() - t0) / 1_000;
    const rssSamples = rss.map((s) => s.stop());
    const cpu = replicas.map((r, i) => ((cpuSeconds(r.pid) ?? Number.NaN) - cpu0[i]!) / windowS);
    const held = heldCounts(await leaseHolders(redis, clusters), ids);
    const health = await Promise.all(apis.map((api) => replicaMetrics(api)));

    // kill -9 the fullest replica; time until each of its clusters has another holder.
    const victimIndex = held.indexOf(Math.max(...held));
    const victim = ids[victimIndex]!;
    const before = await leaseHolders(redis, clusters);
    const orphans = clusters.filter((c) => before.get(c) === victim);
    const killedAt = performance.now();
    process.kill(replicas[victimIndex]!.pid, "SIGKILL");
    const reowned = new Map<string, number>();
    while (reowned.size < orphans.length && performance.now() - killedAt < 4 * TTL_MS) {
      const now = await leaseHolders(redis, orphans);
      for (const c of orphans) {
        const h = now.get(c);
        if (h && h !== victim && !reowned.has(c)) reowned.set(c, performance.now() - killedAt);
      }
      await sleep(50);
    }
    const survivors = ids.filter((id) => id !== victim);
    const after = await stableSpread(redis, clusters, survivors, 60_000);
    const worst = reowned.size === orphans.length ? Math.max(...reowned.values()) : Number.POSITIVE_INFINITY;

    const perReplica = ids.map(
      (id, i) =>
        `${id}: ${held[i]} clusters, RSS ${Math.round(median(rssSamples[i]!))} MiB, CPU ${cpu[i]!.toFixed(2)} cores, ${health[i]}`,
    );
    const loaded = "machine loaded (2 cores shared with other work)";
    return [
      row("3 replicas × 20 clusters: clusters per replica (max ÷ min)", ratio(held), "×", {
        goal: "≤ 2×",
        note: `held ${held.join("/")} after the steady window (${perReplica.join("; ")}); 50,000 tasks (fleet-20.yaml); replicas started together; ${reconciled} of 20 clusters reconciled before the window`,
      }),
      row("3 replicas × 20 clusters: start → stable even spread", Math.round(spreadMs), "ms", {
        note: `${spread.stable ? "first stable spread" : "NOT stable within 180 s, last"} ${spread.counts.join("/")} (every cluster held, counts unchanged for 5 s; lease keys read in Redis every 100 ms)`,
      }),
      row("3 replicas × 20 clusters: max time unowned after kill -9", Math.round(worst), "ms", {
        goal: `≤ lease TTL (${TTL_MS} ms)`,
        note: `kill -9 of ${victim} (${orphans.length} clusters) → each lease held by a survivor, median ${Math.round(median([...reowned.values()]))} ms; survivors then ${after.counts.join("/")}${after.stable ? "" : " (not stable within 60 s)"}; ${loaded}`,
      }),
      ...ids.map((id, i) =>
        row(`3 replicas × 20 clusters: ${id} RSS (median)`, Math.round(median(rssSamples[i]!)), "MiB", {
          note: `${held[i]} clusters held; VmRSS every 500 ms over ${Math.round(windowS)} s; every replica also serves all 50,000 targets' http_sd`,
        }),
      ),
      ...ids.map((id, i) =>
        row(`3 replicas × 20 clusters: ${id} CPU`, Number(cpu[i]!.toFixed(3)), "cores", {
          note: `utime+stime from /proc over ${Math.round(windowS)} s, reconcile every 10 s; ${loaded}`,
        }),
      ),
    ];
  } finally {
    redis?.disconnect();
    await stopAll(children);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Polls the lease keys until every cluster is held and the per-replica counts stay the same for 5 s; at the
 * deadline, the last counts marked unstable (a loaded machine can keep replicas from renewing in time).
 */
async function stableSpread(
  redis: Redis,
  clusters: string[],
  ids: string[],
  timeoutMs: number,
): Promise<{ counts: number[]; stable: boolean }> {
  const deadline = performance.now() + timeoutMs;
  let last = "";
  let counts: number[] = [];
  let since = performance.now();
  while (performance.now() < deadline) {
    counts = heldCounts(await leaseHolders(redis, clusters), ids);
    const key = counts.join("/");
    const complete = counts.reduce((a, b) => a + b, 0) === clusters.length;
    if (key !== last || !complete) {
      last = complete ? key : "";
      since = performance.now();
    } else if (performance.now() - since >= 5_000) return { counts, stable: true };
    await sleep(100);
  }
  return { counts, stable: false };
}

/** How many clusters the replicas' status APIs show reconciled, once all are or at the deadline. */
async function reconciledClusters(apis: string[], clusters: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let best = 0;
  while (performance.now() < deadline) {
    for (const api of apis) {
      try {
        const response = await fetch(`${api}/api/v1/status`, { signal: AbortSignal.timeout(30_000) });
        const status = (await response.json()) as StatusDocument;
        best = Math.max(best, status.clusters.filter((c) => !("pending" in c) && c.lastReconcileAt).length);
      } catch {
        // A replica whose event loop is busy answers late; ask the next one.
      }
      if (best >= clusters) return best;
    }
    await sleep(2_000);
  }
  return best;
}

/** Lease acquisitions and losses since start and the worst event-loop lag, from a replica's /metrics. */
async function replicaMetrics(api: string): Promise<string> {
  try {
    const response = await fetch(`${api}/metrics`, { signal: AbortSignal.timeout(30_000) });
    const text = await response.text();
    const value = (series: string) =>
      Number(/^(\S+) (\S+)$/m.exec(text.split("\n").find((l) => l.startsWith(`${series} `)) ?? "")?.[2]);
    const acquired = value('ecsmon_lease_events_total{event="acquired"}');
    const lost = value('ecsmon_lease_events_total{event="lost"}');
    const lag = value("nodejs_eventloop_lag_max_seconds");
    return `leases acquired ${acquired}/lost ${lost} since start, event-loop lag max ${lag.toFixed(1)} s`;
  } catch {
    return "metrics unavailable";
  }
}

function ratio(counts: number[]): number {
  return Number((Math.max(...counts) / Math.max(1e-9, Math.min(...counts))).toFixed(2));
}

/** One controller on one cluster of each size; RSS median over a steady window and the peak. */
async function rssBySize(): Promise<BenchResult[]> {
  const sizes = [
    { tasks: 10_000, file: "sim/scenarios/large.yaml" },
    { tasks: 25_000, file: "sim/scenarios/large-25k.yaml" },
    { tasks: 50_000, file: "sim/scenarios/large-50k.yaml" },
  ];
  const measured: { tasks: number; rss: number; peak: number; targets: number }[] = [];
  for (const size of sizes) measured.push({ tasks: size.tasks, ...(await controllerRss(fromRoot(size.file))) });
  const base = measured[0]!;
  const results = measured.map((m) =>
    row(`controller RSS, one cluster of ${m.tasks / 1000}k tasks (median)`, Math.round(m.rss), "MiB", {
      goal: RSS_GOAL,
      note: `peak (VmHWM, first sync included) ${Math.round(m.peak)} MiB; ${m.targets} targets; ${(m.rss / base.rss).toFixed(2)}× the 10k figure for ${(m.tasks / base.tasks).toFixed(1)}× the tasks; as deployed (${Object.entries(MALLOC_TUNING).map(([k, v]) => `${k}=${v}`)}), health reports every ${HEALTH_REPORT_MS / 1000} s, VmRSS every 500 ms over ${RSS_STEADY_MS / 1000} s`,
    }),
  );
  // Linear fit through the three points: MiB per 1,000 tasks and the fixed part.
  const xs = measured.map((m) => m.tasks / 1000);
  const ys = measured.map((m) => m.rss);
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ys.reduce((a, b) => a + b) / ys.length;
  const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const residual = Math.max(...xs.map((x, i) => Math.abs(ys[i]! - (my + slope * (x - mx)))));
  results.push(
    row("controller RSS growth per 1,000 tasks (least squares, 10k/25k/50k)", Number(slope.toFixed(2)), "MiB", {
      goal: "linear",
      note: `fixed part ${Math.round(my - slope * mx)} MiB; largest residual ${residual.toFixed(1)} MiB`,
    }),
  );
  return results;
}

async function controllerRss(scenarioPath: string): Promise<{ rss: number; peak: number; targets: number }> {
  const scenario = readScenario(scenarioPath);
  const dir = mkdtempSync(join(tmpdir(), "ecsmon-bench-rss-"));
  const children: (BenchChild | undefined)[] = [];
  try {
    const redisServer = await startRedisChild(await freePort(), dir);
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    children.push(await startSimProcess(scenarioPath, scenario.region, endpoint), redisServer.child);
    await applyClustersSpec(endpoint, scenario.region, join(dir, "spec.yaml"), [{ name: scenario.cluster }]);
    const api = `http://127.0.0.1:${await freePort()}`;
    const controller = startControllerReplica({
      id: "rss",
      api,
      redisUrl: redisServer.url,
      endpoint,
      region: scenario.region,
      env: { ECSMON_AWS_RPS: BENCH_RPS, ECSMON_AWS_BURST: BENCH_RPS, ...MALLOC_TUNING },
    });
    children.unshift(controller);
    await allReconciled(controller, api, 1, 600_000);
    const health = await emulateHealthReports({
      api,
      redisUrl: redisServer.url,
      cluster: scenario.cluster,
      periodMs: HEALTH_REPORT_MS,
    });
    try {
      const targets = await countTargets(api);
      const sampler = sampleRss(controller.pid, 500);
      await sleep(RSS_STEADY_MS);
      const samples = sampler.stop();
      return { rss: median(samples), peak: procStatusMiB(controller.pid, "VmHWM") ?? Number.NaN, targets };
    } finally {
      await health.stop();
    }
  } finally {
    await stopAll(children);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function countTargets(api: string): Promise<number> {
  const response = await fetch(`${api}/sd/prometheus`, { signal: AbortSignal.timeout(30_000) });
  return ((await response.json()) as unknown[]).length;
}
