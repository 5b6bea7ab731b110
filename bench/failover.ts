import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { parseLeaseValue } from "../controller/leases/cluster-lease.js";
import { KEY_PREFIX, redisKeys } from "../crds-like-schemas/contracts/redis-keys.js";
import { benchQuick } from "../lib/config.js";
import { freePort } from "../lib/net.js";
import { fromRoot } from "../lib/paths.js";
import { seededRandom } from "../lib/rng.js";
import { readScenario } from "../sim/scenario/parse.js";
import { type Calls, diffCalls, formatCalls, totalCalls } from "./support/aws-calls.js";
import { type BenchChild, startRedisChild, stopAll, untilWhileAlive } from "./support/processes.js";
import {
  applyClustersSpec,
  median,
  percentile,
  startControllerReplica,
  startSimProcess,
} from "./support/scale-processes.js";
import { measureStandbyEvents, type StandbyEventsRun } from "./support/standby-events.js";
import {
  freshReconcile,
  metricSum,
  publishedState,
  republished,
  sharedCacheFootprint,
  simCalls,
} from "./support/takeover-probes.js";
import { type BenchResult, figureBuilder } from "./types.js";

/**
 * Issue 19 parts 1–2: the warm standby and the warm restart on sim/scenarios/large.yaml (10,000 tasks, 2,000 task
 * definitions, 500 instances). Every component is its own process: the simulator, a redis-server and each
 * `ecsmon controller` replica; the bench only watches (status API, /metrics, the simulator's request counters,
 * Redis).
 *
 * 1. Restart at the default budget (10 req/s, burst 20): a lone controller starts cold (empty Redis: the same-run
 *    baseline), stops (SIGTERM), and a new process starts against the same Redis, RESTARTS times. Figure: spawn →
 *    first reconcile completed by the new process (observation started after the spawn), and its AWS calls.
 * 2. Failover: 2 replicas; the lease holder is killed with SIGKILL at a random point of its 10 s reconcile
 *    interval; a fresh replica replaces it as the next standby, FAILOVERS times, at the bench's budget and at the
 *    default budget. Figures: kill → the new holder completed a reconcile whose observation started after the
 *    kill (so it was published fresh); its AWS calls by operation (simulator counters between the kill and then:
 *    only the new holder is alive); and what it published again: sync jobs it sent (node generation counters),
 *    among them those with a payload hash equal to the one already published, and http_sd rewrites
 *    (ecsmon_sd_writes_total of the new holder, and whether the digest in Redis moved).
 * 3. The Redis memory of the shared observer cache (MEMORY USAGE of its two hashes) once large.yaml is cached.
 * 4. What a standby reading the leader's events queue would cost the leader (bench/support/standby-events.ts).
 */
const AREA = "failover";
const LEASE_TTL_MS = 15_000;
const RECONCILE_INTERVAL_MS = 10_000;
const BENCH_RPS = 100;
const RESTARTS = benchQuick() ? 1 : 3;
const FAILOVERS = benchQuick() ? 1 : 3;
const COLD_TIMEOUT_MS = 420_000;
const WARM_TIMEOUT_MS = 180_000;

interface Context {
  endpoint: string;
  region: string;
  cluster: string;
  redisUrl: string;
  redis: Redis;
  children: BenchChild[];
}

interface Replica {
  id: string;
  api: string;
  child: BenchChild;
  spawnedAt: number;
  spawnedEpoch: number;
}

interface Takeover {
  ms: number;
  /** Kill → the new holder's status shows the lease. */
  acquiredMs: number;
  calls: Calls;
  jobs: number;
  samePayload: number;
  sdWrites: number;
  sdChanged: boolean;
  tokens: [number | undefined, number | undefined];
}

let replicaCount = 0;

async function startReplica(ctx: Context, rps: number | undefined): Promise<Replica> {
  const id = `bench-${++replicaCount}`;
  const api = `http://127.0.0.1:${await freePort()}`;
  const env: Record<string, string> = {
    ECSMON_LEASE_TTL: `${LEASE_TTL_MS}ms`,
    ECSMON_RECONCILE_INTERVAL: `${RECONCILE_INTERVAL_MS}ms`,
  };
  if (rps !== undefined) Object.assign(env, { ECSMON_AWS_RPS: String(rps), ECSMON_AWS_BURST: String(rps) });
  const spawnedEpoch = Date.now();
  const spawnedAt = performance.now();
  const child = startControllerReplica({
    id,
    api,
    redisUrl: ctx.redisUrl,
    endpoint: ctx.endpoint,
    region: ctx.region,
    env,
  });
  ctx.children.push(child);
  return { id, api, child, spawnedAt, spawnedEpoch };
}

/** Spawn → first fresh reconcile of a lone controller at the default budget, and its AWS calls. */
async function restartOnce(ctx: Context, timeoutMs: number): Promise<{ ms: number; calls: Calls }> {
  const before = await simCalls(ctx.endpoint);
  const replica = await startReplica(ctx, undefined);
  const published = await freshReconcile(replica.child, replica.api, replica.id, replica.spawnedEpoch, timeoutMs);
  const calls = diffCalls(await simCalls(ctx.endpoint), before);
  await replica.child.stop();
  return { ms: published.at - replica.spawnedAt, calls };
}

/** Waits until a standby has registered itself (the replica set in Redis), so that it can take over. */
function registered(ctx: Context, replica: Replica): Promise<true> {
  return untilWhileAlive(
    replica.child,
    `${replica.id} to register`,
    async () => ((await ctx.redis.zscore(redisKeys(KEY_PREFIX).replicas(), replica.id)) !== null ? true : undefined),
    60_000,
  );
}

async function failovers(ctx: Context, rps: number | undefined, runs: number, seed: number): Promise<Takeover[]> {
  const random = seededRandom(seed);
  let leader = await startReplica(ctx, rps);
  await freshReconcile(leader.child, leader.api, leader.id, leader.spawnedEpoch, WARM_TIMEOUT_MS);
  let standby = await startReplica(ctx, rps);
  const out: Takeover[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      await registered(ctx, standby);
      // A random point of the leader's reconcile interval: mid-reconcile or between two.
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * RECONCILE_INTERVAL_MS)));
      const before = await publishedState(ctx.redis, ctx.cluster);
      const callsBefore = await simCalls(ctx.endpoint);
      const tokenBefore = parseLeaseValue(await ctx.redis.get(redisKeys(KEY_PREFIX).lease(ctx.cluster)))?.token;
      process.kill(leader.child.pid, "SIGKILL");
      const killedEpoch = Date.now();
      const killedAt = performance.now();
      const published = await freshReconcile(standby.child, standby.api, standby.id, killedEpoch, WARM_TIMEOUT_MS);
      const calls = diffCalls(await simCalls(ctx.endpoint), callsBefore);
      const dup = republished(before, await publishedState(ctx.redis, ctx.cluster));
      out.push({
        ms: published.at - killedAt,
        acquiredMs: published.heldAt - killedAt,
        calls,
        jobs: dup.jobs,
        samePayload: dup.samePayload,
        sdWrites: await metricSum(standby.api, "ecsmon_sd_writes_total", ['output="http_sd"']),
        sdChanged: dup.sdChanged,
        tokens: [tokenBefore, published.fencingToken],
      });
      await leader.child.stop();
      leader = standby;
      standby = await startReplica(ctx, rps);
    }
  } finally {
    await stopAll([standby.child, leader.child]);
  }
  return out;
}

const row = figureBuilder(AREA);

function sumCalls(runs: readonly { calls: Calls }[]): Calls {
  const out: Calls = {};
  for (const r of runs) for (const [op, n] of Object.entries(r.calls)) out[op] = (out[op] ?? 0) + n;
  return out;
}

function failoverFigures(takeovers: Takeover[], budget: string): BenchResult[] {
  const n = takeovers.length;
  const calls = sumCalls(takeovers);
  const ms = takeovers.map((t) => Math.round(t.ms));
  const goal = `≤ lease TTL + 5 s (${(LEASE_TTL_MS + 5_000) / 1_000} s)`;
  const tokens = takeovers.map((t) => `${t.tokens[0]}→${t.tokens[1]}`).join(", ");
  return [
    row(`failover kill -9 → fresh reconcile published (${budget})`, median(ms), "ms", {
      goal,
      note: `median of ${n} (${ms.join(", ")} ms); lease acquired after ${takeovers.map((t) => Math.round(t.acquiredMs)).join(", ")} ms; TTL ${LEASE_TTL_MS / 1_000} s, renewals every TTL/3, reconcile interval ${RECONCILE_INTERVAL_MS / 1_000} s, 2 replica processes, leader killed at a random point of its interval; fencing tokens ${tokens}`,
    }),
    row(
      `failover: DescribeTaskDefinition calls on takeover (${budget})`,
      median(takeovers.map((t) => t.calls.DescribeTaskDefinition ?? 0)),
      "calls",
      {
        goal: "0",
        note: `median of ${n}; new holder's AWS calls per takeover (simulator counters, kill → published, mean): ${formatCalls(calls, n)}`,
      },
    ),
    row(`failover: AWS calls on takeover (${budget})`, median(takeovers.map((t) => totalCalls(t.calls))), "calls", {
      note: "median; the standby's spec polls (GetParameter) in the window included",
    }),
    row(
      `failover: payloads published twice (${budget})`,
      takeovers.reduce((a, t) => a + t.samePayload + (t.sdChanged ? 0 : t.sdWrites), 0),
      "payloads",
      {
        goal: "0",
        note: `sum over ${n} takeovers: sync jobs sent by the new holder ${takeovers.map((t) => t.jobs).join(", ")} (generation counters of all nodes), of which same payload hash as already published ${takeovers.map((t) => t.samePayload).join(", ")}; http_sd rewrites ${takeovers.map((t) => t.sdWrites).join(", ")} with digest ${takeovers.map((t) => (t.sdChanged ? "changed" : "unchanged")).join(", ")}`,
      },
    ),
  ];
}

function standbyEventsFigures(runs: StandbyEventsRun[]): BenchResult[] {
  return runs.map((r) =>
    row(`leader's event delivery p99 with ${r.mode}`, Math.round(percentile(r.latencies, 99)), "ms", {
      note: `SQS on the simulator, 60 events at 10/s: p50 ${Math.round(percentile(r.latencies, 50))} ms; ${r.missed} never reached the leader within 35 s; ${r.overReceiveLimit} reached receive count 5 (a redrive policy would move them to the DLQ); standby SQS requests per event ${r.standbyRequestsPerMessage.toFixed(1)}; the standby saw ${r.standbySaw} of 60 events`,
    }),
  );
}

export async function run(): Promise<BenchResult[]> {
  const scenarioPath = fromRoot("sim/scenarios/large.yaml");
  if (!existsSync(scenarioPath)) {
    return [{ area: AREA, name: "skipped", value: 0, unit: "", note: "sim/scenarios/large.yaml not found" }];
  }
  const scenario = readScenario(scenarioPath);
  const dir = mkdtempSync(join(tmpdir(), "ecsmon-bench-failover-"));
  const children: BenchChild[] = [];
  let redis: Redis | undefined;
  try {
    const redisServer = await startRedisChild(await freePort(), dir);
    children.push(redisServer.child);
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    children.push(await startSimProcess(scenarioPath, scenario.region, endpoint));
    await applyClustersSpec(endpoint, scenario.region, join(dir, "spec.yaml"), [{ name: scenario.cluster }]);
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: 2 });
    const ctx: Context = {
      endpoint,
      region: scenario.region,
      cluster: scenario.cluster,
      redisUrl: redisServer.url,
      redis,
      children,
    };

    const cold = await restartOnce(ctx, COLD_TIMEOUT_MS);
    const footprint = await sharedCacheFootprint(redis, scenario.cluster);
    const warm: { ms: number; calls: Calls }[] = [];
    for (let i = 0; i < RESTARTS; i++) warm.push(await restartOnce(ctx, WARM_TIMEOUT_MS));
    const atBench = await failovers(ctx, BENCH_RPS, FAILOVERS, 19);
    const atDefault = await failovers(ctx, undefined, FAILOVERS, 20);

    const standbyEvents = await measureStandbyEvents();
    const warmMs = warm.map((w) => Math.round(w.ms));
    return [
      row("warm restart at the default 10 req/s: start → first reconcile", median(warmMs), "ms", {
        goal: "≤ 30 s",
        note: `median of ${warm.length} (${warmMs.join(", ")} ms): a new controller process against the Redis of the previous one (SIGTERM), large.yaml; AWS calls per restart (mean): ${formatCalls(sumCalls(warm), warm.length)}`,
      }),
      row(
        "cold start at the default 10 req/s: start → first reconcile (same-run baseline)",
        Math.round(cold.ms),
        "ms",
        {
          note: `one run, empty Redis; AWS calls: ${formatCalls(cold.calls)}`,
        },
      ),
      row(
        "warm restart: DescribeTaskDefinition calls",
        median(warm.map((w) => w.calls.DescribeTaskDefinition ?? 0)),
        "calls",
        {
          goal: "0",
          note: `cold start: ${cold.calls.DescribeTaskDefinition ?? 0}`,
        },
      ),
      ...failoverFigures(atBench, `${BENCH_RPS} req/s`),
      ...failoverFigures(atDefault, "default 10 req/s"),
      row(
        "shared observer cache in Redis: task definitions + instance facts (large.yaml)",
        Math.round(footprint.factsBytes / 1024),
        "KiB",
        {
          note: `MEMORY USAGE after the cold start: ${footprint.taskDefinitions} task definitions, ${footprint.instanceEntries} EC2 facts + instance types`,
        },
      ),
      row(
        "shared observer cache in Redis: task snapshot (large.yaml)",
        Math.round(footprint.tasksBytes / 1024),
        "KiB",
        {
          note: `MEMORY USAGE after the cold start: ${footprint.tasks} settled tasks`,
        },
      ),
      ...standbyEventsFigures(standbyEvents),
    ];
  } finally {
    redis?.disconnect();
    // Controllers first (their SIGTERM handler talks to Redis), then the simulator and Redis.
    await stopAll([...children].reverse());
    rmSync(dir, { recursive: true, force: true });
  }
}
