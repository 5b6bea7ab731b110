import {
  BatchEntryIdsNotDistinct,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  EmptyBatchRequest,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  MessageNotInflight,
  PurgeQueueCommand,
  PurgeQueueInProgress,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  RequestThrottled,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSServiceException,
  TooManyEntriesInBatchRequest,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwsClients, createAwsClients } from "../../lib/aws/clients.js";
import { type AwsServer, startAwsServer } from "../../sim/aws/server.js";
import { createSqsService } from "../../sim/aws/services/sqs.js";
import { SqsStore } from "../../sim/aws/services/sqs-store.js";

let server: AwsServer;
let aws: AwsClients;
const store = new SqsStore();

beforeAll(async () => {
  server = await startAwsServer({ services: [createSqsService(store)] });
  aws = createAwsClients({ region: "us-east-1", endpointUrl: server.url, maxAttempts: 1 });
});
afterAll(async () => {
  store.close();
  aws.destroy();
  await server.close();
});

async function error(p: Promise<unknown>): Promise<SQSServiceException> {
  try {
    await p;
  } catch (err) {
    return err as SQSServiceException;
  }
  throw new Error("expected the call to fail");
}

async function queue(name: string, attributes: Record<string, string> = {}): Promise<string> {
  const out = await aws.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return out.QueueUrl as string;
}

describe("simulated SQS through @aws-sdk/client-sqs", () => {
  it("creates queues idempotently with <endpoint>/000000000000/<name> URLs", async () => {
    const url = await queue("events");
    expect(url).toBe(`${server.url}/000000000000/events`);
    expect(await queue("events")).toBe(url);
    expect((await aws.sqs.send(new GetQueueUrlCommand({ QueueName: "events" }))).QueueUrl).toBe(url);
    expect(
      await error(
        aws.sqs.send(new CreateQueueCommand({ QueueName: "events", Attributes: { VisibilityTimeout: "5" } })),
      ),
    ).toBeInstanceOf(QueueNameExists);
    expect(await error(aws.sqs.send(new GetQueueUrlCommand({ QueueName: "missing" })))).toBeInstanceOf(
      QueueDoesNotExist,
    );
    const attrs = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }));
    expect(attrs.Attributes).toMatchObject({
      VisibilityTimeout: "30",
      QueueArn: "arn:aws:sqs:us-east-1:000000000000:events",
      ApproximateNumberOfMessages: "0",
    });
  });

  it("sends (with MD5s the SDK verifies), receives up to 10 and deletes in batches", async () => {
    const url = await queue("batch");
    await aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: "héllo",
        MessageAttributes: {
          kind: { DataType: "String", StringValue: "task" },
          n: { DataType: "Number", StringValue: "3" },
        },
      }),
    );
    const batch = await aws.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `body-${i}` })),
      }),
    );
    expect(batch.Successful).toHaveLength(10);
    expect(
      await error(
        aws.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `x${i}`, MessageBody: "x" })),
          }),
        ),
      ),
    ).toBeInstanceOf(TooManyEntriesInBatchRequest);
    expect(
      await error(
        aws.sqs.send(
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
    expect(await error(aws.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [] })))).toBeInstanceOf(
      EmptyBatchRequest,
    );

    const got = await aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
    );
    expect(got.Messages).toHaveLength(10);
    expect(got.Messages?.[0]?.Body).toBe("héllo");
    expect(got.Messages?.[0]?.MessageAttributes?.kind?.StringValue).toBe("task");
    expect(got.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe("1");
    const tooMany = await error(aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })));
    expect(tooMany.name).toBe("InvalidParameterValue");

    const del = await aws.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: (got.Messages ?? []).map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    expect(del.Successful).toHaveLength(10);
    const rest = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(rest.Messages).toHaveLength(1);
    await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: rest.Messages?.[0]?.ReceiptHandle }));
    expect(
      await error(aws.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: "bogus" }))),
    ).toBeInstanceOf(ReceiptHandleIsInvalid);
  });

  it("long-polls: returns as soon as a message arrives, or empty at WaitTimeSeconds", async () => {
    const url = await queue("long-poll");
    const t0 = performance.now();
    const empty = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    expect(empty.Messages ?? []).toEqual([]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(950);

    const t1 = performance.now();
    const pending = aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    setTimeout(() => store.send(url, "wake up"), 150);
    const got = await pending;
    expect(got.Messages?.[0]?.Body).toBe("wake up");
    expect(performance.now() - t1).toBeLessThan(2000);
  });

  it("hides received messages for the visibility timeout and redrives to the DLQ after maxReceiveCount", async () => {
    const dlqUrl = await queue("events-dlq");
    const dlqArn = (
      await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }))
    ).Attributes?.QueueArn;
    const url = await queue("redrive", {
      VisibilityTimeout: "1",
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
    });
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "poison" }));

    const first = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ["All"] }),
    );
    expect(first.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe("1");
    expect((await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? []).toHaveLength(0);
    // ChangeMessageVisibility to 0 makes it visible again at once.
    await aws.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: first.Messages?.[0]?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const second = await aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
    );
    expect(second.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe("2");
    // After the visibility timeout expires, the third receive moves it to the DLQ instead.
    const third = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2 }));
    expect(third.Messages ?? []).toHaveLength(0);
    const dead = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, MessageSystemAttributeNames: ["All"] }),
    );
    expect(dead.Messages?.[0]?.Body).toBe("poison");
    expect(dead.Messages?.[0]?.Attributes?.DeadLetterQueueSourceArn).toBe("arn:aws:sqs:us-east-1:000000000000:redrive");
    expect(
      await error(
        aws.sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: first.Messages?.[0]?.ReceiptHandle,
            VisibilityTimeout: 5,
          }),
        ),
      ),
    ).toBeInstanceOf(MessageNotInflight);
  });

  it("purges once per 60 s and throttles with RequestThrottled", async () => {
    const url = await queue("purge");
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x" }));
    await aws.sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect((await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? []).toHaveLength(0);
    expect(await error(aws.sqs.send(new PurgeQueueCommand({ QueueUrl: url })))).toBeInstanceOf(PurgeQueueInProgress);
    server.faults.set({ service: "sqs", operation: "SendMessage", throttlePct: 100 });
    try {
      expect(await error(aws.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x" })))).toBeInstanceOf(
        RequestThrottled,
      );
    } finally {
      server.faults.clear();
    }
  });
});
