import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningAgent } from "../../agents/agent.js";
import type { AgentView } from "../../controller/machines/views.js";
import { nodeQueueName } from "../../crds-like-schemas/index.js";
import type { RedisClient } from "../../lib/redis.js";
import type { RunningSim } from "../../sim/index.js";
import { expectedDemoEndpoints } from "../helpers/demo-expected.js";
import { demoSpec, type InProcessStack, startInProcessStack } from "../helpers/in-process-stack.js";
import { putSimSpec } from "../helpers/put-spec.js";
import type { RedisServer } from "../helpers/redis-server.js";
import { type Probe, until as pollUntil } from "../helpers/until.js";
import { recordFigure } from "./record-figure.js";

/**
 * Issue 9 fault drills against the simulator (real SDK clients over HTTP) and a real redis-server, with the
 * controller and one agent per container instance in-process:
 * - 50% ECS ThrottlingException for 2 minutes;
 * - 5xx bursts plus added latency on every AWS service;
 * - Redis killed for 30 s, then restarted.
 * Throughout, http_sd is polled and must never list fewer targets than the steady set (no partial list is ever
 * published), the AWS calls the simulator saw must stay within the ECSMON_AWS_RPS/ECSMON_AWS_BURST budget, and
 * the system must recover afterwards (a task started after the fault is discovered).
 */

const RPS = 5;
const BURST = 10;
const THROTTLE_MS = 120_000;
const ERROR_BURSTS = 6;
const REDIS_OUTAGE_MS = 30_000;
const spec = (interval: string) => demoSpec(interval);

let stack: InProcessStack;
let sim: RunningSim;
let redisServer: RedisServer;
let redis: RedisClient;
let agents: RunningAgent[];

const until = <T>(what: string, probe: Probe<T>, timeoutMs = 60_000) => pollUntil(what, probe, timeoutMs);

const api = <T>(path: string) => stack.api<T>(path);
const sdKeys = () => stack.sdKeys();
const expectedKeys = () =>
  expectedDemoEndpoints(sim)
    .map((e) => `${e.address}${e.path}`)
    .sort();
const awsCalls = () => sim.server.counters.total();

/**
 * Polls http_sd every 100 ms while `during` runs: returns the smallest target count seen, every list that was
 * not a superset of `steady` (a partial list), and the most AWS calls the simulator saw in any one-second window.
 */
async function watchSd(steady: string[], during: () => Promise<void>) {
  let min = Number.POSITIVE_INFINITY;
  const partial: string[] = [];
  let running = true;
  const samples: { at: number; calls: number }[] = [{ at: performance.now(), calls: awsCalls() }];
  const sampler = setInterval(() => samples.push({ at: performance.now(), calls: awsCalls() }), 100);
  const poller = (async () => {
    while (running) {
      try {
        const keys = await sdKeys();
        min = Math.min(min, keys.length);
        const missing = steady.filter((k) => !keys.includes(k));
        if (missing.length > 0) partial.push(`${new Date().toISOString()} missing ${missing.slice(0, 3).join(", ")}`);
      } catch (error) {
        partial.push(`http_sd unreachable: ${String(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    await during();
  } finally {
    running = false;
    clearInterval(sampler);
    await poller;
  }
  let maxPerSecond = 0;
  for (const [i, start] of samples.entries()) {
    const end = samples.slice(i).findLast((x) => x.at - start.at <= 1_000) ?? start;
    maxPerSecond = Math.max(maxPerSecond, end.calls - start.calls);
  }
  return { min, partial, maxPerSecond };
}

/** Stops a service task (the scheduler replaces it) and waits until http_sd lists exactly the new set (recovery). */
async function recoveryMs(): Promise<number> {
  const victim = expectedDemoEndpoints(sim).find((e) => e.service === "web");
  expect(victim).toBeDefined();
  const gone = `${victim?.address}${victim?.path}`;
  const started = performance.now();
  sim.store.stopTask(victim?.taskArn ?? "", "drill", "UserInitiated", true);
  await until("the replacement task's targets", async () => {
    const want = expectedKeys();
    if (expectedDemoEndpoints(sim).some((e) => e.taskArn === victim?.taskArn)) return false;
    const got = await sdKeys();
    return got.join() === want.join() && !got.includes(gone);
  });
  return Math.round(performance.now() - started);
}

beforeAll(async () => {
  stack = await startInProcessStack({
    spec: spec("1s"),
    env: {
      ECSMON_SPEC_POLL_INTERVAL: "1s",
      ECSMON_RECONCILE_INTERVAL: "1s",
      ECSMON_AWS_RPS: String(RPS),
      ECSMON_AWS_BURST: String(BURST),
      ECSMON_LEASE_TTL: "5s",
      ECSMON_CONTROLLER_ID: "drill",
      ECSMON_HEARTBEAT_INTERVAL: "1s",
      ECSMON_HEARTBEAT_TTL: "5s",
    },
    agents: "nodes",
    agentOptions: { reportFlushIntervalMs: 500 },
  });
  ({ sim, redisServer, redis, agents } = stack);
  await until("every target published", async () => (await sdKeys()).join() === expectedKeys().join());
}, 120_000);

afterAll(() => stack?.stop());

/**
 * Runs an AWS fault while watching http_sd, then asserts the drills' rules: never a partial list, never fewer
 * targets, the AWS calls within the budget (overall and in any one second), and recovery afterwards. Records the
 * figures under `name`.
 */
async function awsFaultDrill(name: string, fault: () => Promise<void>, rpsGoal: string): Promise<void> {
  const steady = await sdKeys();
  const callsBefore = awsCalls();
  const started = performance.now();
  const { min, partial, maxPerSecond } = await watchSd(steady, fault);
  const seconds = (performance.now() - started) / 1000;
  const calls = awsCalls() - callsBefore;
  expect(partial).toEqual([]);
  expect(min).toBe(steady.length);
  expect(calls).toBeLessThanOrEqual(BURST + RPS * seconds);
  expect(maxPerSecond).toBeLessThanOrEqual(BURST + RPS);
  const recovery = await recoveryMs();
  recordFigure({ name: `${name}: min targets / steady`, value: min / steady.length, unit: "ratio", goal: "1" });
  recordFigure({
    name: `${name}: AWS calls per second`,
    value: Math.round((calls / seconds) * 10) / 10,
    unit: "calls/s",
    goal: rpsGoal,
  });
  recordFigure({
    name: `${name}: most AWS calls in any 1 s`,
    value: maxPerSecond,
    unit: "calls",
    goal: `<= burst + RPS = ${BURST + RPS}`,
  });
  recordFigure({ name: `${name}: recovery (new task listed)`, value: recovery, unit: "ms" });
}

describe("AWS fault drills", () => {
  it("50% ECS ThrottlingException for 2 minutes: never a partial list, within the budget, recovers", async () => {
    await awsFaultDrill(
      "throttle 50% ECS 2 min",
      async () => {
        sim.server.faults.set({ service: "ecs", operation: "*", throttlePct: 50 });
        await new Promise((resolve) => setTimeout(resolve, THROTTLE_MS));
        sim.server.faults.remove("ecs", "*");
      },
      `<= ${RPS} (ECSMON_AWS_RPS)`,
    );
  });

  it("bursts of 5xx and latency on every AWS service: same rules", async () => {
    await awsFaultDrill(
      "5xx+latency bursts",
      async () => {
        for (let i = 0; i < ERROR_BURSTS; i++) {
          sim.server.faults.set({
            service: "*",
            operation: "*",
            errorPct: 60,
            errorStatus: i % 2 ? 503 : 500,
            latencyMs: 400,
          });
          await new Promise((resolve) => setTimeout(resolve, 5_000));
          sim.server.faults.remove("*", "*");
          await new Promise((resolve) => setTimeout(resolve, 2_000));
        }
      },
      `<= ${RPS}`,
    );
  });
});

describe("Redis drill", () => {
  it("Redis killed for 30 s: agents keep serving, no target lost, controller resumes, queues drain", async () => {
    const steady = await sdKeys();
    const metricsBefore = await Promise.all(agents.map(async (a) => (await fetch(a.metricsUrl)).status));
    expect(metricsBefore.every((s) => s === 200)).toBe(true);
    let agentFailures = 0;
    const { min, partial } = await watchSd(steady, async () => {
      await redisServer.stop(true);
      const deadline = Date.now() + REDIS_OUTAGE_MS;
      while (Date.now() < deadline) {
        for (const a of agents) {
          const res = await fetch(a.metricsUrl).catch(() => undefined);
          const body = res ? await res.text() : "";
          if (res?.status !== 200 || body.length === 0) agentFailures++;
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      await redisServer.restart();
    });
    expect(partial).toEqual([]);
    expect(min).toBe(steady.length);
    expect(agentFailures).toBe(0);

    const restarted = performance.now();
    // Resumed: every agent is ready again, and a spec change reaches every agent through its queue.
    await until("agents ready after the restart", async () => {
      const { agents: views } = await api<{ agents: AgentView[] }>("/api/v1/agents?cluster=demo");
      const ready = views.filter((a) => a.state === "ready").map((a) => a.nodeId);
      return sim.store.instances().every((i) => ready.includes(i.id));
    });
    const resumeMs = Math.round(performance.now() - restarted);
    const generations = agents.map((a) => a.generation());
    await putSimSpec(sim, spec("2s"));
    await until("every agent to apply the new generation", async () =>
      agents.every((a, i) => a.generation() > (generations[i] ?? 0)),
    );
    const convergeMs = Math.round(performance.now() - restarted);
    const queues = sim.store.instances().map((i) => new Queue(nodeQueueName(i.id), { connection: redis }));
    try {
      await until("node queues to drain", async () => {
        const counts = await Promise.all(queues.map((q) => q.getJobCounts("wait", "active", "delayed")));
        return counts.every((c) => (c.wait ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0);
      });
    } finally {
      await Promise.all(queues.map((q) => q.close()));
    }
    expect((await sdKeys()).length).toBeGreaterThanOrEqual(steady.length);
    recordFigure({
      name: "redis down 30 s: min targets / steady",
      value: min / steady.length,
      unit: "ratio",
      goal: "1",
    });
    recordFigure({ name: "redis down 30 s: agent /metrics failures", value: agentFailures, unit: "count", goal: "0" });
    recordFigure({ name: "redis down 30 s: agents ready after restart", value: resumeMs, unit: "ms" });
    recordFigure({
      name: "redis down 30 s: new generation on every agent after restart",
      value: convergeMs,
      unit: "ms",
    });
  });
});
