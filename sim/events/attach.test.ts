import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { createAwsClients } from "../../lib/aws/clients.js";
import { startAwsServer } from "../aws/server.js";
import { ClusterStore } from "../state/cluster-store.js";
import { attachEventPipeline } from "./attach.js";
import type { EcsEvent } from "./event-bridge.js";

describe("attachEventPipeline", () => {
  it("adds SQS to a running server and delivers task events to a queue with a DLQ redrive policy", async () => {
    const store = new ClusterStore({ seed: 5, transitionDelayMs: 0, addressBase: 201 });
    store.createCluster("c");
    store.registerContainerInstance({ cluster: "c", instanceType: "m5.large" });
    store.registerTaskDefinition({
      family: "w",
      networkMode: "host",
      containerDefinitions: [{ name: "a", image: "x", cpu: 10, memory: 10 }],
    });
    const server = await startAwsServer({ services: [] });
    const events = attachEventPipeline({ store, server }, { maxReceiveCount: 3 });
    const aws = createAwsClients({ region: "us-east-1", endpointUrl: server.url, maxAttempts: 1 });
    try {
      expect(events.queueUrl).toBe(`${server.url}/000000000000/ecsmon-ecs-events`);
      const attrs = await aws.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: events.queueUrl, AttributeNames: ["RedrivePolicy"] }),
      );
      expect(JSON.parse(attrs.Attributes?.RedrivePolicy ?? "{}")).toEqual({
        deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:ecsmon-ecs-events-dlq",
        maxReceiveCount: 3,
      });
      const poll = aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: events.queueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }),
      );
      setTimeout(() => store.runTask({ cluster: "c", taskDefinition: "w" }), 50);
      const got = await poll;
      const first = JSON.parse(got.Messages?.[0]?.Body ?? "{}") as EcsEvent;
      expect(first.source).toBe("aws.ecs");
      await aws.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: events.queueUrl,
          Entries: (got.Messages ?? []).map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    } finally {
      events.stop();
      aws.destroy();
      await server.close();
    }
  });
});
