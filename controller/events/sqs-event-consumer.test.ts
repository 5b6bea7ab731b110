import { describe, expect, it } from "vitest";
import { parseEcsEvent } from "./ecs-events.js";
import { type EcsEventSink, type SqsApi, SqsEventConsumer } from "./sqs-event-consumer.js";

const CLUSTER = "arn:aws:ecs:us-east-1:000000000000:cluster/demo";

function taskEvent(id: string, version: number, lastStatus = "RUNNING", extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: "0",
    id: `evt-${id}-${version}`,
    "detail-type": "ECS Task State Change",
    source: "aws.ecs",
    account: "000000000000",
    time: "2026-01-01T00:00:00Z",
    region: "us-east-1",
    resources: [`arn:aws:ecs:us-east-1:000000000000:task/demo/${id}`],
    detail: {
      clusterArn: CLUSTER,
      taskArn: `arn:aws:ecs:us-east-1:000000000000:task/demo/${id}`,
      taskDefinitionArn: "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1",
      lastStatus,
      desiredStatus: "RUNNING",
      version,
      containers: [{ name: "app", networkBindings: [{ containerPort: 8080, hostPort: 32768 }] }],
      ...extra,
    },
  });
}

describe("parseEcsEvent", () => {
  it.each([
    [taskEvent("a", 1), "task"],
    [
      JSON.stringify({
        "detail-type": "ECS Container Instance State Change",
        source: "aws.ecs",
        detail: { containerInstanceArn: "arn:ci/1", clusterArn: CLUSTER, status: "DRAINING", version: 3 },
      }),
      "containerInstance",
    ],
    [
      JSON.stringify({
        "detail-type": "ECS Service Action",
        source: "aws.ecs",
        resources: ["arn:svc/web"],
        detail: { eventName: "SERVICE_STEADY_STATE", clusterArn: CLUSTER },
      }),
      "service",
    ],
    [JSON.stringify({ "detail-type": "ECS Deployment State Change", source: "aws.ecs", detail: {} }), "other"],
  ])("%s → %s", (body, type) => {
    const result = parseEcsEvent(body);
    expect(result.ok && result.event.type).toBe(type);
  });

  it.each([
    [undefined, "empty message body"],
    ["{not json", "not JSON"],
    [JSON.stringify({ "detail-type": "x", source: "aws.ec2", detail: {} }), "source"],
    [taskEvent("a", -1), "version"],
    [JSON.stringify({ "detail-type": "ECS Task State Change", source: "aws.ecs", detail: { taskArn: 5 } }), "taskArn"],
  ])("%j is malformed (%s)", (body, fragment) => {
    const result = parseEcsEvent(body);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain(fragment);
  });
});

/** An in-memory queue behind the narrow SqsApi: messages stay until deleted, receive counts grow per receive. */
class FakeQueue implements SqsApi {
  messages: { id: string; body: string; receives: number }[] = [];
  deleted: string[] = [];
  failReceives = 0;
  private seq = 0;

  send(body: string): void {
    this.messages.push({ id: `m${this.seq++}`, body, receives: 0 });
  }

  async receiveMessage(input: { MaxNumberOfMessages?: number }) {
    if (this.failReceives > 0) {
      this.failReceives -= 1;
      throw Object.assign(new Error("connect ECONNREFUSED"), { $metadata: {} });
    }
    const batch = this.messages.slice(0, input.MaxNumberOfMessages ?? 1);
    for (const m of batch) m.receives += 1;
    return {
      Messages: batch.map((m) => ({
        MessageId: m.id,
        ReceiptHandle: `rh-${m.id}`,
        Body: m.body,
        Attributes: { ApproximateReceiveCount: String(m.receives) },
      })),
    };
  }

  async deleteMessageBatch(input: { Entries?: { Id?: string; ReceiptHandle?: string }[] }) {
    expect(input.Entries?.length).toBeLessThanOrEqual(10);
    for (const entry of input.Entries ?? []) {
      const id = entry.ReceiptHandle?.replace("rh-", "");
      this.messages = this.messages.filter((m) => m.id !== id);
      if (id) this.deleted.push(id);
    }
    return { Successful: [], Failed: [] };
  }
}

class RecordingSink implements EcsEventSink {
  versions = new Map<string, number>();
  servicesDue = 0;
  applyTaskEvent(detail: { taskArn: string; version: number; lastStatus: string }) {
    const last = this.versions.get(detail.taskArn);
    if (last !== undefined && detail.version < last) return "stale" as const;
    if (last === detail.version) return "duplicate" as const;
    this.versions.set(detail.taskArn, detail.version);
    return detail.lastStatus === "STOPPED" ? ("removed" as const) : ("applied" as const);
  }
  applyContainerInstanceEvent() {
    return "applied";
  }
  markServicesDue() {
    this.servicesDue += 1;
  }
}

describe("SqsEventConsumer", () => {
  it("applies events, ignores stale and duplicate ones, and deletes them all", async () => {
    const queue = new FakeQueue();
    const sink = new RecordingSink();
    const changes: unknown[] = [];
    const consumer = new SqsEventConsumer({ sqs: queue, queueUrl: "q", sink, onChange: (s) => changes.push(s) });
    queue.send(taskEvent("a", 2));
    queue.send(taskEvent("a", 1, "PENDING"));
    queue.send(taskEvent("a", 2));
    queue.send(taskEvent("b", 5, "STOPPED"));
    expect(await consumer.pollOnce()).toEqual({ applied: 1, stale: 1, duplicate: 1, removed: 1 });
    expect(queue.messages).toEqual([]);
    expect(changes).toHaveLength(1);
    expect(consumer.status().counts).toMatchObject({ applied: 1, stale: 1, duplicate: 1, removed: 1 });
  });

  it("leaves malformed messages for redrive, then drops them at maxReceiveCount", async () => {
    const queue = new FakeQueue();
    const consumer = new SqsEventConsumer({ sqs: queue, queueUrl: "q", sink: new RecordingSink(), maxReceiveCount: 3 });
    queue.send("garbage");
    queue.send(taskEvent("a", 1));
    expect(await consumer.pollOnce()).toEqual({ malformed: 1, applied: 1 });
    expect(queue.messages.map((m) => m.body)).toEqual(["garbage"]);
    expect(await consumer.pollOnce()).toEqual({ malformed: 1 });
    expect(await consumer.pollOnce()).toEqual({ dropped: 1 });
    expect(queue.messages).toEqual([]);
  });

  it("keeps polling after receive failures and reports whether events flow", async () => {
    const queue = new FakeQueue();
    queue.failReceives = 2;
    const consumer = new SqsEventConsumer({
      sqs: queue,
      queueUrl: "q",
      sink: new RecordingSink(),
      retryBaseMs: 5,
      waitTimeSeconds: 0,
    });
    expect(consumer.status().flowing).toBe(false);
    consumer.start();
    queue.send(taskEvent("a", 1));
    const deadline = Date.now() + 5000;
    while (queue.messages.length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(queue.messages).toEqual([]);
    expect(consumer.status().flowing).toBe(true);
    expect(consumer.status().consecutiveErrors).toBe(0);
    await consumer.stop();
    expect(consumer.status().running).toBe(false);
    expect(consumer.status().flowing).toBe(false);
  });

  it("a sink that throws does not stop the consumer", async () => {
    const queue = new FakeQueue();
    const sink = new RecordingSink();
    sink.applyTaskEvent = () => {
      throw new Error("boom");
    };
    const consumer = new SqsEventConsumer({ sqs: queue, queueUrl: "q", sink });
    queue.send(taskEvent("a", 1));
    expect(await consumer.pollOnce()).toEqual({ malformed: 1 });
  });
});
