import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import { createAwsClients } from "../../lib/aws/clients.js";
import { startAwsServer } from "../aws/server.js";
import { createSqsService } from "../aws/services/sqs.js";
import { SqsStore } from "../aws/services/sqs-store.js";
import { ClusterStore } from "../state/cluster-store.js";
import { type EcsEvent, type EventDelivery, startEventDelivery } from "./event-bridge.js";

function cluster(seed = 1) {
  const store = new ClusterStore({ seed, transitionDelayMs: 0, addressBase: 200 });
  store.createCluster("prod");
  store.registerContainerInstance({ cluster: "prod", instanceType: "m5.large" });
  store.registerTaskDefinition({
    family: "web",
    networkMode: "awsvpc",
    containerDefinitions: [
      { name: "app", image: "nginx", cpu: 128, memory: 128, portMappings: [{ containerPort: 8080 }] },
    ],
  });
  store.registerTaskDefinition({
    family: "bridge",
    networkMode: "bridge",
    containerDefinitions: [
      { name: "app", image: "nginx", cpu: 64, memory: 64, portMappings: [{ containerPort: 80, hostPort: 0 }] },
    ],
  });
  return store;
}

function drain(sqs: SqsStore, url: string): EcsEvent[] {
  const q = sqs.get(url);
  return sqs.take(q, 10_000, 300).map((m) => JSON.parse(m.body) as EcsEvent);
}

let delivery: EventDelivery | undefined;
afterEach(() => delivery?.stop());

describe("startEventDelivery", () => {
  it("sends the documented ECS Task State Change event with the full task as detail", () => {
    const store = cluster();
    const sqs = new SqsStore();
    sqs.create("events", "us-east-1");
    const url = "http://127.0.0.1:1/000000000000/events";
    delivery = startEventDelivery(store, sqs, { targets: [{ queueUrl: url }] });
    const [task] = store.runTask({ cluster: "prod", taskDefinition: "bridge" }).tasks;
    const events = drain(sqs, url).filter((e) => e["detail-type"] === "ECS Task State Change");
    expect(events.length).toBeGreaterThanOrEqual(2);
    const running = events.find((e) => e.detail.lastStatus === "RUNNING");
    expect(running).toMatchObject({
      version: "0",
      source: "aws.ecs",
      account: "000000000000",
      region: "us-east-1",
      resources: [task?.taskArn],
      detail: {
        taskArn: task?.taskArn,
        clusterArn: task?.clusterArn,
        desiredStatus: "RUNNING",
        group: "family:bridge",
      },
    });
    expect(running?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(running?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const containers = running?.detail.containers as { networkBindings: { hostPort: number }[]; runtimeId: string }[];
    expect(containers[0]?.networkBindings[0]?.hostPort).toBeGreaterThan(0);
    expect(containers[0]?.runtimeId).toMatch(/^[0-9a-f]{64}$/);
    const versions = events.map((e) => e.detail.version as number);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(typeof running?.detail.createdAt).toBe("string");
  });

  it("includes awsvpc ENI attachments, filters by cluster, and emits instance events", () => {
    const store = cluster();
    store.createCluster("other");
    const sqs = new SqsStore();
    sqs.create("prod-events", "us-east-1");
    sqs.create("other-events", "us-east-1");
    const prodArn = store.requireCluster("prod").clusterArn;
    delivery = startEventDelivery(store, sqs, {
      targets: [
        { queueUrl: "prod-events", clusterArn: prodArn },
        { queueUrl: "other-events", clusterArn: store.requireCluster("other").clusterArn },
      ],
    });
    store.runTask({ cluster: "prod", taskDefinition: "web" });
    store.registerContainerInstance({ cluster: "prod", instanceType: "t3.small" });
    const prod = drain(sqs, "prod-events");
    expect(drain(sqs, "other-events")).toEqual([]);
    const task = prod.find((e) => e["detail-type"] === "ECS Task State Change" && e.detail.lastStatus === "RUNNING");
    const attachments = task?.detail.attachments as
      | { type: string; details: { name: string; value: string }[] }[]
      | undefined;
    const attachment = attachments?.[0];
    expect(attachment?.type).toBe("ElasticNetworkInterface");
    expect(attachment?.details.find((d) => d.name === "privateIPv4Address")?.value).toMatch(/^127\./);
    const inst = prod.find((e) => e["detail-type"] === "ECS Container Instance State Change");
    expect(inst?.detail).toMatchObject({ clusterArn: prodArn, status: "ACTIVE", agentConnected: true });
    expect(inst?.detail.registeredResources).toBeDefined();
  });

  it("applies drop / duplicate / reorder / delay faults deterministically", async () => {
    const run = async (faults: Parameters<EventDelivery["setFaults"]>[0]) => {
      const store = cluster(3);
      const sqs = new SqsStore();
      sqs.create("q", "us-east-1");
      const d = startEventDelivery(store, sqs, { targets: [{ queueUrl: "q" }], faults, seed: 42 });
      for (let i = 0; i < 10; i++) store.runTask({ cluster: "prod", taskDefinition: "bridge" });
      await d.flush();
      d.stop();
      return { stats: d.stats(), events: drain(sqs, "q") };
    };
    const clean = await run({});
    expect(clean.stats.delivered).toBe(clean.stats.emitted);
    const dropped = await run({ dropPct: 50 });
    expect(dropped.stats.dropped).toBeGreaterThan(0);
    expect(dropped.events.length).toBe(dropped.stats.emitted - dropped.stats.dropped);
    expect((await run({ dropPct: 50 })).stats).toEqual(dropped.stats);
    const dup = await run({ duplicatePct: 100 });
    expect(dup.events.length).toBe(2 * dup.stats.emitted);
    const reordered = await run({ reorderPct: 30 });
    expect(reordered.stats.reordered).toBeGreaterThan(0);
    expect(reordered.events.length).toBe(reordered.stats.emitted);
    const order = (es: EcsEvent[]) => es.map((e) => e.id);
    expect(order(reordered.events)).not.toEqual(order(clean.events));
    expect([...order(reordered.events)].sort()).toEqual([...order(clean.events)].sort());

    const store = cluster();
    const sqs = new SqsStore();
    sqs.create("slow", "us-east-1");
    delivery = startEventDelivery(store, sqs, { targets: [{ queueUrl: "slow" }], faults: { delayMs: 200 } });
    store.runTask({ cluster: "prod", taskDefinition: "bridge" });
    expect(drain(sqs, "slow")).toEqual([]);
    await delivery.flush();
    expect(drain(sqs, "slow").length).toBeGreaterThan(0);
    expect(() => delivery?.setFaults({ dropPct: 101 })).toThrow(/dropPct/);
  });

  it("delivers to a queue the SQS client long-polls", async () => {
    const store = cluster();
    const sqsStore = new SqsStore();
    const server = await startAwsServer({ services: [createSqsService(sqsStore)] });
    const aws = createAwsClients({ region: "us-east-1", endpointUrl: server.url, maxAttempts: 1 });
    try {
      sqsStore.create("ecs-events", "us-east-1");
      const queueUrl = sqsStore.queueUrl(server.url, "ecs-events");
      delivery = startEventDelivery(store, sqsStore, { targets: [{ queueUrl }] });
      const poll = aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }),
      );
      setTimeout(() => store.runTask({ cluster: "prod", taskDefinition: "bridge" }), 100);
      const got = await poll;
      const event = JSON.parse(got.Messages?.[0]?.Body ?? "{}") as EcsEvent;
      expect(event["detail-type"]).toBe("ECS Task State Change");
      // A missing queue counts as a failed delivery and never throws into the store.
      delivery.configure({ queueUrl: "http://127.0.0.1:1/000000000000/gone" });
      store.runTask({ cluster: "prod", taskDefinition: "bridge" });
      expect(delivery.stats().failed).toBeGreaterThan(0);
    } finally {
      sqsStore.close();
      aws.destroy();
      await server.close();
    }
  });
});
