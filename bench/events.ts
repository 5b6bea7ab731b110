import { existsSync } from "node:fs";
import { CreateQueueCommand } from "@aws-sdk/client-sqs";
import { EventDrivenObserver } from "../controller/events/event-driven-observer.js";
import { sqsApiFromClient } from "../controller/events/sqs-event-consumer.js";
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
 * Issue 10 on large.yaml with churn (120 task starts/min): time from a task reaching RUNNING in the simulator
 * until its target is in the controller's plan (the target set http_sd publishes in the same reconcile), and ECS
 * requests per minute, with events off (polling every 10 s, ListTasks every cycle) and on (SQS events, resync
 * every 5 min). Both phases run at the default budget of 10 requests/s after a first sync at a raised budget.
 * The events phase is shorter than a resync period, so its calls per minute are also reported with one resync
 * (ListTasks pages) amortized over the 5 minutes.
 */
const AREA = "events";
const RECONCILE_INTERVAL_MS = 10_000;
const PHASE_MS = { polling: 30_000, events: 30_000 };
const RESYNC_MS = 5 * 60_000;

export async function run(): Promise<BenchResult[]> {
  const scenarioPath = fromRoot("sim/scenarios/large.yaml");
  if (!existsSync(scenarioPath)) {
    return [{ area: AREA, name: "skipped", value: 0, unit: "", note: "sim/scenarios/large.yaml not found" }];
  }
  const sim = await startSim({ scenario: scenarioPath, nodeSurfaces: false, churn: true });
  const clients = createAwsClients({ region: sim.region, endpointUrl: sim.endpoint });
  const budget = new RequestBudget({ requestsPerSecond: 100, burst: 100 });
  instrumentAwsClients(clients, { budget });
  const queueUrl = (await clients.sqs.send(new CreateQueueCommand({ QueueName: "large-ecs-events" }))).QueueUrl!;
  const spec = ClusterSpec.parse({ name: sim.scenario.cluster, events: { queueUrl, resyncPeriod: "5m" } });
  const current = { liveAgents: new Set<string>(), sidecarTasks: new Set<string>() };
  const observer = new ClusterObserver({
    spec,
    region: sim.region,
    ecs: ecsApiFromClient(clients.ecs),
    ec2: ec2ApiFromClient(clients.ec2),
    cloudMap: cloudMapApiFromClient(clients.serviceDiscovery),
  });

  // When each task reached RUNNING (simulator truth), and when its target first entered the plan.
  const runningAt = new Map<string, number>();
  const unsubscribe = sim.store.subscribe((event) => {
    if (event.type === "taskChanged" && event.task.lastStatus === "RUNNING" && event.previousStatus !== "RUNNING") {
      runningAt.set(event.task.taskArn, performance.now());
    }
  });
  const seen = new Set<string>();
  const latencies: number[] = [];
  const recordPlan = (view: Awaited<ReturnType<ClusterObserver["observe"]>>, phaseStart: number) => {
    const now = performance.now();
    for (const target of plan(spec, view, current).targets) {
      const arn = target.taskArn;
      if (!arn || seen.has(arn)) continue;
      seen.add(arn);
      const at = runningAt.get(arn);
      if (at !== undefined && at >= phaseStart) latencies.push(now - at);
    }
  };
  const ecsCalls = () => sim.server.counters.total({ service: "ecs" });
  const byOperation = () => {
    const out: Record<string, number> = {};
    for (const c of sim.server.counters.snapshot())
      if (c.service === "ecs") out[c.operation] = (out[c.operation] ?? 0) + c.count;
    return out;
  };
  const opsDelta = (before: Record<string, number>) =>
    Object.entries(byOperation())
      .map(([op, n]) => [op, n - (before[op] ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .map(([op, n]) => `${op}=${n}`)
      .join(" ");
  const results: BenchResult[] = [];
  let events: EventDrivenObserver | undefined;
  try {
    recordPlan(await observer.observe(), Number.POSITIVE_INFINITY);
    budget.setRate(10, 20);

    // Phase 1: polling.
    let start = performance.now();
    let calls0 = ecsCalls();
    latencies.length = 0;
    while (performance.now() - start < PHASE_MS.polling) {
      recordPlan(await observer.observe(), start);
      await sleep(RECONCILE_INTERVAL_MS);
    }
    const pollingMinutes = (performance.now() - start) / 60_000;
    const polling = { latencies: [...latencies], perMinute: (ecsCalls() - calls0) / pollingMinutes };

    // Phase 2: events (reconcile on change, and at the interval).
    sim.events.configure({ queueUrl });
    events = new EventDrivenObserver({ observer, spec, sqs: sqsApiFromClient(clients.sqs), waitTimeSeconds: 20 });
    // Like the runtime's ClusterLoop: a change during a reconcile runs another one right after it (coalesced).
    let wake: (() => void) | undefined;
    let pending = false;
    events.start(() => {
      if (wake) wake();
      else pending = true;
    });
    recordPlan(await events.observe(), Number.POSITIVE_INFINITY);
    start = performance.now();
    calls0 = ecsCalls();
    const ops0 = byOperation();
    latencies.length = 0;
    while (performance.now() - start < PHASE_MS.events) {
      recordPlan(await events.observe(), start);
      if (pending) {
        pending = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, RECONCILE_INTERVAL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
    const eventsMinutes = (performance.now() - start) / 60_000;
    const eventCalls = ecsCalls() - calls0;
    const listPages = Math.ceil(sim.store.tasks().filter((t) => t.desiredStatus === "RUNNING").length / 100);
    const withEvents = {
      ops: opsDelta(ops0),
      latencies: [...latencies],
      perMinute: eventCalls / eventsMinutes,
      amortized: eventCalls / eventsMinutes + listPages / (RESYNC_MS / 60_000),
    };

    const row = (name: string, value: number, unit: string, extra: Partial<BenchResult> = {}): BenchResult => ({
      area: AREA,
      name,
      value: Math.round(value * 10) / 10,
      unit,
      ...extra,
    });
    results.push(
      row("time-to-target p50, events on", percentile(withEvents.latencies, 50), "ms", {
        note: `${withEvents.latencies.length} tasks`,
      }),
      row("time-to-target p99, events on", percentile(withEvents.latencies, 99), "ms", { goal: "≤ 2000 ms" }),
      row("time-to-target p50, polling", percentile(polling.latencies, 50), "ms", {
        note: `${polling.latencies.length} tasks; reconcile every 10 s`,
      }),
      row("time-to-target p99, polling", percentile(polling.latencies, 99), "ms"),
      row("ECS requests/min, events on (measured)", withEvents.perMinute, "req/min", {
        note: `${Math.round(eventsMinutes * 60)} s window, no resync inside it: ${withEvents.ops}`,
      }),
      row("ECS requests/min, events on (incl. one resync per 5 min)", withEvents.amortized, "req/min", {
        goal: "≤ 60 req/min (1 req/s)",
        note: `resync = ${listPages} ListTasks pages`,
      }),
      row("ECS requests/min, polling", polling.perMinute, "req/min", { note: "10 req/s budget" }),
    );
  } finally {
    unsubscribe();
    await events?.stop();
    budget.close();
    clients.destroy();
    await sim.stop();
  }
  return results;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
