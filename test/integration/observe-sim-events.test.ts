import { CreateQueueCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventDrivenObserver } from "../../controller/events/event-driven-observer.js";
import { createObserver } from "../../controller/observe/create-observer.js";
import { ClusterSpec } from "../../crds-like-schemas/index.js";
import { type AwsClients, createAwsClients } from "../../lib/aws/clients.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { until } from "../helpers/until.js";

/**
 * The simulator's own EventBridge delivery (every task and instance change → SQS) feeding the observer:
 * new tasks appear without ListTasks, and with dropped, duplicated and reordered events the view still
 * converges to the simulator's truth after one resync.
 */

let sim: RunningSim;
let clients: AwsClients;
let observer: EventDrivenObserver;
let clock = Date.now();

function listTasksCalls(): number {
  return sim.server.counters.total({ service: "ecs", operation: "ListTasks" });
}

/** RUNNING tasks the simulator holds with desired status RUNNING: the independent truth. */
function truth(): string[] {
  return sim.store
    .tasks()
    .filter((t) => t.desiredStatus === "RUNNING" && t.lastStatus === "RUNNING")
    .map((t) => t.taskArn)
    .sort();
}

async function viewRunning(): Promise<string[]> {
  const view = await observer.observe();
  return view.tasks
    .filter((t) => t.lastStatus === "RUNNING")
    .map((t) => t.taskArn)
    .sort();
}

beforeAll(async () => {
  sim = await startSim({ nodeSurfaces: false, transitionDelayMs: [5, 20] });
  clients = createAwsClients({ region: sim.region, endpointUrl: sim.endpoint });
  const queueUrl = (await clients.sqs.send(new CreateQueueCommand({ QueueName: "demo-ecs-events" }))).QueueUrl!;
  sim.events.configure({ queueUrl });
  const spec = ClusterSpec.parse({ name: "demo", events: { queueUrl, resyncPeriod: "5m" } });
  observer = createObserver(spec, {
    region: sim.region,
    clients,
    observer: { now: () => clock },
    events: { waitTimeSeconds: 1, now: () => clock },
  });
  await observer.observe();
  observer.start();
  await until("EventsFlowing", async () => observer.eventsStatus()?.flowing === true);
});

afterAll(async () => {
  await observer?.stop();
  clients?.destroy();
  await sim?.stop();
});

describe("events from the simulator's EventBridge delivery", () => {
  it("new and stopped tasks show up without ListTasks", async () => {
    await observer.observe();
    const before = listTasksCalls();
    const started = sim.store.runTask({
      cluster: "demo",
      taskDefinition: "reports",
      count: 5,
      launchType: "FARGATE",
    }).tasks;
    const victim = sim.store
      .tasks()
      .find((t) => t.taskDefinitionArn.includes("/batch:") && t.desiredStatus === "RUNNING");
    if (victim) sim.store.stopTask(victim.taskArn, "test");
    await until("the started tasks running and the victim gone", async () => {
      const running = await viewRunning();
      return started.every((t) => running.includes(t.taskArn)) && (!victim || !running.includes(victim.taskArn));
    });
    expect(listTasksCalls()).toBe(before);
  });

  it("with dropped, duplicated and reordered events, one resync converges to the truth", async () => {
    sim.events.setFaults({ dropPct: 30, duplicatePct: 30, reorderPct: 30 });
    const started = sim.store.runTask({
      cluster: "demo",
      taskDefinition: "reports",
      count: 20,
      launchType: "FARGATE",
    }).tasks;
    for (const t of started.slice(0, 8)) sim.store.stopTask(t.taskArn, "test");
    await until("every task RUNNING or STOPPED", async () =>
      sim.store.tasks().every((t) => t.lastStatus === "RUNNING" || t.lastStatus === "STOPPED"),
    );
    await sim.events.flush();
    sim.events.setFaults({});
    clock += 5 * 60_000;
    const before = listTasksCalls();
    expect(await viewRunning()).toEqual(truth());
    expect(listTasksCalls()).toBeGreaterThan(before);
    expect(observer.lastCycle()?.resync).toBe(true);
  });
});
