import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { StatusDocument } from "../../controller/api/status-view.js";
import { freePort } from "../../lib/net.js";
import { fromRoot } from "../../lib/paths.js";
import type { RequestCount } from "../../sim/aws/counters.js";
import { byOperation, type Calls, diffCalls } from "./aws-calls.js";
import { emulateHealthReports } from "./health-reports.js";
import {
  type BenchChild,
  getJson,
  getText,
  procStatusMiB,
  sampleRss,
  spawnChild,
  startRedisChild,
  stopAll,
  untilWhileAlive,
  whenReady,
} from "./processes.js";

/**
 * The real `ecsmon controller` in its own process, as an operator runs it, against the simulator (also its own
 * process, so that its 10,000 tasks do not count in the controller's memory) and a throwaway redis-server. The
 * bench process only watches: the controller's status API and /metrics, the simulator's request counters
 * (/_sim/requests) and the controller's /proc/<pid>/status.
 */

export const CLI = fromRoot("dist/cli/ecsmon.js");
const FIRST_SYNC_TIMEOUT_MS = 180_000;
const RSS_SAMPLE_MS = 250;
const METRICS_POLL_MS = 500;

/** The smallest spec that monitors the scenario's cluster (defaults everywhere else). */
const specYaml = (cluster: string) => `apiVersion: ecsmon.dev/v1alpha1
kind: MonitoringSpec
spec:
  clusters:
    - name: ${cluster}
`;

export interface ControllerProcessOptions {
  scenario: string;
  /** The scenario's cluster (the spec monitors it) and region. */
  cluster: string;
  region: string;
  /** ECSMON_AWS_RPS and ECSMON_AWS_BURST of the controller. */
  rps: number;
  /** ECSMON_RECONCILE_INTERVAL of the controller, e.g. "10s". */
  reconcileInterval: string;
  /** The steady phase lasts at least this many reconciles and this long. */
  steadyCycles: number;
  steadyMs: number;
  /** Extra environment of the controller process (e.g. the image's malloc tuning). */
  env?: Readonly<Record<string, string>>;
  /** During the steady phase, every target reports a successful scrape this often (emulated agents). */
  healthReportMs: number;
}

export interface ControllerProcessRun {
  firstSync: { ms: number; targets: number; nodes: number; calls: Calls };
  steady: {
    /** Wall time of each steady reconcile. */
    cycleMs: number[];
    /** AWS calls over all of them. */
    calls: Calls;
    failedReconciles: number;
    windowMs: number;
    /** VmRSS samples over the window, MiB. */
    rss: number[];
    /** VmHWM at the end of the window (peak since spawn, first sync included), MiB. */
    peakRss: number | undefined;
  };
}

export async function runControllerProcess(options: ControllerProcessOptions): Promise<ControllerProcessRun> {
  const dir = mkdtempSync(join(tmpdir(), "ecsmon-bench-controller-"));
  const backends: Partial<Backends> = {};
  let controller: BenchChild | undefined;
  try {
    const { redisServer, endpoint } = await startBackends(options, dir, backends);

    const callsBefore = await simCalls(endpoint);
    const api = `http://127.0.0.1:${await freePort()}`;
    const spawnedAt = performance.now();
    controller = startControllerChild(options, endpoint, api, redisServer.url, join(dir, "file_sd.yml"));
    const published = await firstReconcile(controller, api);
    const firstSync = {
      ms: performance.now() - spawnedAt,
      ...published,
      calls: diffCalls(await simCalls(endpoint), callsBefore),
    };
    const health = await emulateHealthReports({
      api,
      redisUrl: redisServer.url,
      cluster: options.cluster,
      periodMs: options.healthReportMs,
    });
    try {
      return { firstSync, steady: await measureSteady(controller, api, endpoint, options) };
    } finally {
      await health.stop();
    }
  } finally {
    // Controller first: its SIGTERM handler waits on Redis, and would hang if Redis were already gone.
    await stopAll([controller, backends.sim, backends.redis]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The children a controller bench runs against: a redis-server and the simulator, with the spec applied. */
export interface Backends {
  redis: BenchChild;
  redisServer: { url: string };
  sim: BenchChild;
  endpoint: string;
}

/**
 * Starts redis-server and the simulator on free loopback ports and applies the bench spec. Each child is put in
 * `started` as soon as it runs, so the caller's `finally` stops what started even when a later step fails.
 */
export async function startBackends(
  options: ControllerProcessOptions,
  dir: string,
  started: Partial<Backends>,
): Promise<Backends> {
  const redisServer = await startRedisChild(await freePort(), dir);
  started.redis = redisServer.child;
  started.redisServer = redisServer;
  const endpoint = `http://127.0.0.1:${await freePort()}`;
  started.endpoint = endpoint;
  started.sim = await startSimChild(options, endpoint);
  await applySpec(options, endpoint, join(dir, "spec.yaml"));
  return started as Backends;
}

/** The environment of a child: this process's, minus settings of ours (and malloc tuning) a shell may carry. */
export function childEnv(region: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([key]) => !/^(AWS_|ECSMON_|REDIS_|MALLOC_|LOG_LEVEL$)/.test(key),
  );
  return {
    ...Object.fromEntries(inherited),
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
    ...extra,
  };
}

export async function startSimChild(options: ControllerProcessOptions, endpoint: string): Promise<BenchChild> {
  const { scenario } = options;
  const port = new URL(endpoint).port;
  const args = [CLI, "--log-level", "warn", "sim", "--scenario", scenario, "--port", port, "--no-node-surfaces"];
  const sim = spawnChild("simulator", process.execPath, args, childEnv(options.region));
  return whenReady(sim, "the simulator's endpoint", () => getJson(`${endpoint}/_sim/healthz`), 60_000);
}

/** `ecsmon spec apply`, through the CLI like an operator would. */
export async function applySpec(options: ControllerProcessOptions, endpoint: string, file: string): Promise<void> {
  writeFileSync(file, specYaml(options.cluster));
  await promisify(execFile)(process.execPath, [CLI, "--endpoint-url", endpoint, "spec", "apply", file], {
    env: childEnv(options.region),
    timeout: 30_000,
  });
}

function startControllerChild(
  options: ControllerProcessOptions,
  endpoint: string,
  api: string,
  redisUrl: string,
  fileSd: string,
): BenchChild {
  // With --file-sd, as docker-compose.yml runs it: both SD outputs are part of the memory figure.
  const args = [
    CLI,
    "--log-level",
    "warn",
    "controller",
    "--bind",
    new URL(api).host,
    "--redis-url",
    redisUrl,
    "--file-sd",
    fileSd,
  ];
  const env = childEnv(options.region, {
    AWS_ENDPOINT_URL: endpoint,
    ECSMON_AWS_RPS: String(options.rps),
    ECSMON_AWS_BURST: String(options.rps),
    ECSMON_RECONCILE_INTERVAL: options.reconcileInterval,
    ...options.env,
  });
  return spawnChild("controller", process.execPath, args, env);
}

async function simCalls(endpoint: string): Promise<Calls> {
  return byOperation((await getJson<{ requests: RequestCount[] }>(`${endpoint}/_sim/requests`)).requests);
}

/**
 * Waits for the first completed reconcile as the status API reports it: `lastReconcileAt` is set at the end of
 * a reconcile, after the http_sd targets were published. Returns what it published.
 */
async function firstReconcile(controller: BenchChild, api: string): Promise<{ targets: number; nodes: number }> {
  const probe = async () => {
    const status = await getJson<StatusDocument>(`${api}/api/v1/status`);
    const cluster = status.clusters[0];
    if (!cluster || "pending" in cluster || !cluster.lastReconcileAt) return undefined;
    return { targets: Object.values(cluster.targets).reduce((a, b) => a + b, 0), nodes: cluster.nodes };
  };
  return untilWhileAlive(controller, "the first reconcile", probe, FIRST_SYNC_TIMEOUT_MS);
}

interface ReconcileTotals {
  /** Completed periodic reconciles (`requeue_after`) and their summed wall time (ecsmon_reconcile_duration_seconds). */
  count: number;
  seconds: number;
  failed: number;
}

async function reconcileTotals(api: string): Promise<ReconcileTotals> {
  const text = await getText(`${api}/metrics`);
  return {
    count: sample(text, 'ecsmon_reconcile_duration_seconds_count{result="requeue_after"}'),
    seconds: sample(text, 'ecsmon_reconcile_duration_seconds_sum{result="requeue_after"}'),
    failed: sample(text, 'ecsmon_reconcile_total{controller="cluster",result="error"}'),
  };
}

/** The value of one series, given exactly as prom-client prints it. */
function sample(exposition: string, series: string): number {
  const line = exposition.split("\n").find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`${series} not in the controller's /metrics`);
  return Number(line.slice(series.length + 1));
}

/** Waits until more than `after` reconciles have succeeded. */
function reconcileAfter(controller: BenchChild, api: string, after: number): Promise<ReconcileTotals> {
  const probe = async () => {
    const totals = await reconcileTotals(api);
    return totals.count > after ? totals : undefined;
  };
  return untilWhileAlive(controller, `reconcile ${after + 1}`, probe, 120_000, METRICS_POLL_MS);
}

/**
 * The steady phase: one warm-up reconcile after the first sync, then whole reconciles until both minimums are
 * met. Each reconcile's wall time is the delta of the duration histogram's sum between two /metrics reads that
 * differ by one reconcile (a read every 500 ms against a 10 s interval); AWS calls are the simulator's counters
 * at the two ends of the window, read between reconciles so that none is cut in half. RSS is sampled
 * throughout from /proc, which costs the controller nothing.
 */
async function measureSteady(
  controller: BenchChild,
  api: string,
  endpoint: string,
  options: ControllerProcessOptions,
): Promise<ControllerProcessRun["steady"]> {
  let totals = await reconcileAfter(controller, api, (await reconcileTotals(api)).count);
  const first = totals;
  const callsBefore = await simCalls(endpoint);
  const rss = sampleRss(controller.pid, RSS_SAMPLE_MS);
  const started = performance.now();
  const cycleMs: number[] = [];
  let samples: number[];
  try {
    while (cycleMs.length < options.steadyCycles || performance.now() - started < options.steadyMs) {
      const next = await reconcileAfter(controller, api, totals.count);
      // Two reconciles between reads would only happen with a very short interval; each gets their mean.
      const n = next.count - totals.count;
      for (let i = 0; i < n; i++) cycleMs.push(((next.seconds - totals.seconds) / n) * 1_000);
      totals = next;
    }
  } finally {
    samples = rss.stop();
  }
  const windowMs = performance.now() - started;
  return {
    cycleMs,
    calls: diffCalls(await simCalls(endpoint), callsBefore),
    failedReconciles: totals.failed - first.failed,
    windowMs,
    rss: samples,
    peakRss: procStatusMiB(controller.pid, "VmHWM"),
  };
}
