import {
  BatchEntryIdsNotDistinct,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  EmptyBatchRequest,
  GetQueueAttributesCommand,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiveMessageCommand,
  RequestThrottled,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSServiceException,
  TooManyEntriesInBatchRequest,
} from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { createSqsService } from "../../sim/aws/services/sqs.js";
import { SqsStore } from "../../sim/aws/services/sqs-store.js";
import { rejectionOf, useAwsFront } from "../helpers/use-sim.js";

const store = new SqsStore();
const fx = useAwsFront([createSqsService(store)]);
afterAll(() => store.close());

async function queue(name: string, attributes: Record<string, string> = {}): Promise<string> {
  const out = await fx.aws.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return out.QueueUrl as string;
}

const error = rejectionOf<SQSServiceException>;

describe("simulated SQS through @aws-sdk/client-sqs", () => {
  it("creates queues idempotently with <endpoint>/000000000000/<name> URLs", async () => {
    const url = await queue("events");
    expect(url).toBe(`${fx.server.url}/000000000000/events`);
    expect(await queue("events")).toBe(url);
    expect(
      await error(
        fx.aws.sqs.send(new CreateQueueCommand({ QueueName: "events", Attributes: { VisibilityTimeout: "5" } })),
      ),
    ).toBeInstanceOf(QueueNameExists);
    expect(
      await error(
        fx.aws.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: `${fx.server.url}/000000000000/missing`, AttributeNames: ["All"] }),
        ),
      ),
    ).toBeInstanceOf(QueueDoesNotExist);
    const attrs = await fx.aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }));
    expect(attrs.Attributes).toMatchObject({
      VisibilityTimeout: "30",
      QueueArn: "arn:aws:sqs:us-east-1:000000000000:events",
      ApproximateNumberOfMessages: "0",
    });
  });

  it("sends (with MD5s the SDK verifies), receives up to 10 and deletes in batches", async () => {
    const url = await queue("batch");
    await fx.aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: "héllo",
      }),
    );
    const batch = await fx.aws.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `body-${i}` })),
      }),
    );
    expect(batch.Successful).toHaveLength(10);
    expect(
      await error(
        fx.aws.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `x${i}`, MessageBody: "x" })),
          }),
        ),
      ),
    ).toBeInstanceOf(TooManyEntriesInBatchRequest);
    expect(
      await error(
        fx.aws.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: [
              { Id: "a", MessageBody: "1" },
              { Id: "a", MessageBody: "2" },
            ],
          }),
        ),
      ),
    ).toBeInstanceOf(BatchEntryIdsNotDistinct);
    expect(await error(fx.aws.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [] })))).toBeInstanceOf(
      EmptyBatchRequest,
    );

    const got = await fx.aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
    );
    expect(got.Messages).toHaveLength(10);
    expect(got.Messages?.[0]?.Body).toBe("héllo");
    expect(got.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe("1");
    const tooMany = await error(fx.aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })));
    expect(tooMany.name).toBe("InvalidParameterValue");

    const del = await fx.aws.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: (got.Messages ?? []).map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    expect(del.Successful).toHaveLength(10);
    const rest = await fx.aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(rest.Messages).toHaveLength(1);
    const last = await fx.aws.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: "last", ReceiptHandle: rest.Messages?.[0]?.ReceiptHandle },
          { Id: "bogus", ReceiptHandle: "bogus" },
        ],
      }),
    );
    expect(last.Successful?.map((e) => e.Id)).toEqual(["last"]);
    expect(last.Failed?.map((e) => [e.Id, e.Code])).toEqual([["bogus", "ReceiptHandleIsInvalid"]]);
  });

  it("long-polls: returns as soon as a message arrives, or empty at WaitTimeSeconds", async () => {
    const url = await queue("long-poll");
    const t0 = performance.now();
    const empty = await fx.aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    expect(empty.Messages ?? []).toEqual([]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(950);

    const t1 = performance.now();
    const pending = fx.aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    setTimeout(() => store.send(url, "wake up"), 150);
    const got = await pending;
    expect(got.Messages?.[0]?.Body).toBe("wake up");
    expect(performance.now() - t1).toBeLessThan(2000);
  });

  it("hides a received message for the visibility timeout, then delivers it again with a higher receive count", async () => {
    const url = await queue("visibility", { VisibilityTimeout: "1" });
    await fx.aws.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "retry me" }));
    const first = await fx.aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ["All"] }),
    );
    expect(first.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe("1");
    expect((await fx.aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? []).toHaveLength(0);
    const attrs = await fx.aws.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessagesNotVisible"] }),
    );
    expect(attrs.Attributes).toEqual({ ApproximateNumberOfMessagesNotVisible: "1" });
    const second = await fx.aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        WaitTimeSeconds: 5,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
    );
    expect(second.Messages?.[0]?.Body).toBe("retry me");
    expect(second.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe("2");
  });

  it("throttles with RequestThrottled", async () => {
    const url = await queue("throttled");
    fx.server.faults.set({ service: "sqs", operation: "SendMessage", throttlePct: 100 });
    try {
      expect(await error(fx.aws.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x" })))).toBeInstanceOf(
        RequestThrottled,
      );
    } finally {
      fx.server.faults.clear();
    }
  });
});
