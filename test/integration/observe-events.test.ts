import { DescribeTasksCommand } from "@aws-sdk/client-ecs";
import { CreateQueueCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventDrivenObserver } from "../../controller/events/event-driven-observer.js";
import { createObserver } from "../../controller/observe/create-observer.js";
import { ClusterSpec } from "../../crds-like-schemas/index.js";
import { type AwsClients, createAwsClients } from "../../lib/aws/clients.js";
import { type AwsServer, startAwsServer } from "../../sim/aws/server.js";
import { createSqsService } from "../../sim/aws/services/sqs.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { until } from "../helpers/until.js";

/**
 * Issue 10 against the simulator: ECS over HTTP for polling, and the simulated SQS (JSON protocol, long polling)
 * carrying EventBridge `aws.ecs` events. The events are built from the simulator's own DescribeTasks output,
 * which is what EventBridge puts in `detail`.
 */

let sim: RunningSim;
let sqsServer: AwsServer;
let clients: AwsClients;
let sqsClients: AwsClients;
let queueUrl: string;
let observer: EventDrivenObserver;
let changes = 0;

function ecsCalls(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of sim.server.counters.snapshot())
    if (c.service === "ecs") out[c.operation] = (out[c.operation] ?? 0) + c.count;
  return out;
}

async function taskEventBody(taskArn: string): Promise<string> {
  const described = await clients.ecs.send(new DescribeTasksCommand({ cluster: "demo", tasks: [taskArn] }));
  const task = described.tasks?.[0];
  if (!task) throw new Error(`no task ${taskArn}`);
  return JSON.stringify({
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": "ECS Task State Change",
    source: "aws.ecs",
    account: "000000000000",
    time: new Date().toISOString(),
    region: sim.region,
    resources: [taskArn],
    detail: task,
  });
}

async function send(body: string): Promise<void> {
  await sqsClients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}

beforeAll(async () => {
  sim = await startSim({ nodeSurfaces: false, transitionDelayMs: 0 });
  sqsServer = await startAwsServer({
    services: [createSqsService()],
    host: "127.0.0.1",
    port: 0,
    defaultRegion: sim.region,
  });
  clients = createAwsClients({ region: sim.region, endpointUrl: sim.endpoint });
  sqsClients = createAwsClients({ region: sim.region, endpointUrl: sqsServer.url });
  queueUrl = (await sqsClients.sqs.send(new CreateQueueCommand({ QueueName: "ecs-events" }))).QueueUrl!;
  const spec = ClusterSpec.parse({ name: "demo", events: { queueUrl, resyncPeriod: "5m" } });
  observer = createObserver(spec, {
    region: sim.region,
    clients: { ...clients, sqs: sqsClients.sqs },
    events: { waitTimeSeconds: 1, retryBaseMs: 50 },
  });
  observer.start(() => {
    changes += 1;
  });
  await observer.observe();
});

afterAll(async () => {
  await observer?.stop();
  clients?.destroy();
  sqsClients?.destroy();
  await sqsServer?.close();
  await sim?.stop();
});

describe("event-driven observation", () => {
  it("reports EventsFlowing once the queue answers", async () => {
    await until("EventsFlowing", () => observer.eventsStatus()?.flowing === true);
    expect(observer.conditions()[0]).toMatchObject({ type: "EventsFlowing", status: "True", reason: "Receiving" });
  });

  it("a task event updates the view with no ListTasks or DescribeTasks call", async () => {
    const [started] = sim.store.runTask({ cluster: "demo", taskDefinition: "reports", launchType: "FARGATE" }).tasks;
    const before = changes;
    await send(await taskEventBody(started!.taskArn));
    await until("a change", () => changes > before);
    const calls = ecsCalls();
    const view = await observer.observe();
    const after = ecsCalls();
    expect(view.tasks.map((t) => t.taskArn)).toContain(started!.taskArn);
    expect(after.ListTasks ?? 0).toBe(calls.ListTasks ?? 0);
    expect(after.DescribeTasks ?? 0).toBe(calls.DescribeTasks ?? 0);
    expect(observer.lastCycle()?.resync).toBe(false);
  });

  it("ignores an older event and applies the stop", async () => {
    const [task] = sim.store.runTask({ cluster: "demo", taskDefinition: "reports", launchType: "FARGATE" }).tasks;
    const runningEvent = await taskEventBody(task!.taskArn);
    sim.store.stopTask(task!.taskArn, "test", "UserInitiated", true);
    const stoppedEvent = await taskEventBody(task!.taskArn);
    const before = observer.eventsStatus()!.counts;
    await send(runningEvent);
    await until("an applied event", () => observer.eventsStatus()!.counts.applied > before.applied);
    await send(stoppedEvent);
    await until("a removed event", () => observer.eventsStatus()!.counts.removed > before.removed);
    await send(runningEvent);
    await until("a stale event", () => observer.eventsStatus()!.counts.stale > before.stale);
    const view = await observer.observe();
    expect(view.tasks.map((t) => t.taskArn)).not.toContain(task!.taskArn);
  });

  it("a malformed message does not stop the consumer", async () => {
    const before = observer.eventsStatus()!.counts.malformed;
    await send("this is not an event");
    await until("a malformed event", () => observer.eventsStatus()!.counts.malformed > before);
    const [task] = sim.store.runTask({ cluster: "demo", taskDefinition: "reports", launchType: "FARGATE" }).tasks;
    const applied = observer.eventsStatus()!.counts.applied;
    await send(await taskEventBody(task!.taskArn));
    await until("another applied event", () => observer.eventsStatus()!.counts.applied > applied);
    const view = await observer.observe();
    expect(view.tasks.map((t) => t.taskArn)).toContain(task!.taskArn);
  });

  it("falls back to polling when the queue is unreachable", async () => {
    await sqsServer.close();
    await until("EventsFlowing to drop", () => observer.eventsStatus()?.flowing === false, 10_000);
    expect(observer.conditions()[0]).toMatchObject({ status: "False", reason: "QueueUnreachable" });
    const calls = ecsCalls();
    await observer.observe();
    expect((ecsCalls().ListTasks ?? 0) - (calls.ListTasks ?? 0)).toBeGreaterThanOrEqual(1);
    expect(observer.lastCycle()?.resync).toBe(true);
  });
});
