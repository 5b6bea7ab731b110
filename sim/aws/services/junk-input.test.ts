import { describe, expect, it } from "vitest";
import { AwsError, type SimRequestContext, type SimService } from "../service.js";
import { createCloudWatchService } from "./cloudwatch.js";
import { createServiceDiscoveryService } from "./servicediscovery.js";
import { createSqsService } from "./sqs.js";
import { SqsStore } from "./sqs-store.js";
import { createSsmService } from "./ssm.js";

const ctx: SimRequestContext = {
  region: "us-east-1",
  accountId: "000000000000",
  protocol: "json1.1",
  endpoint: "http://127.0.0.1:1",
};

/** Inputs a careless or hostile client could send; every operation must answer them with an AwsError. */
const JUNK: Record<string, unknown>[] = [
  {},
  { Name: 1, Value: {}, QueueUrl: [], ServiceId: null, Id: true },
  { Name: "", QueueName: "", NamespaceName: "", Namespace: "", MetricData: "x", MetricDataQueries: {} },
  { Name: "/a", Value: "x".repeat(10_000), Type: "Nope", MaxResults: -1, NextToken: "%%%" },
  {
    MetricData: [null, 3, "x", { MetricName: {} }],
    Namespace: "N",
    MetricDataQueries: [null],
    StartTime: "yesterday",
    EndTime: {},
  },
  {
    Entries: [null, 1, { Id: {} }],
    QueueUrl: "http://x/000000000000/none",
    Attributes: "nope",
    Filters: [null, { Name: 1 }],
  },
  {
    QueueUrl: "q",
    Entries: [null, 1, { Id: "a", ReceiptHandle: 5 }],
    ReceiptHandle: 5,
    MessageBody: {},
    MessageAttributes: { a: null, b: 3 },
  },
  {
    QueueUrl: "q",
    Name: "/existing",
    ServiceId: "srv",
    NamespaceName: "ns",
    ServiceName: "svc",
    Labels: [null],
    ParameterVersion: "x",
  },
  {
    MaxNumberOfMessages: "lots",
    WaitTimeSeconds: 99,
    ReceiptHandle: "\u0000",
    VisibilityTimeout: -5,
    AttributeNames: "All",
  },
];

/** Each operation gets fresh, seeded state so that one operation's success (DeleteQueue…) cannot hide another's crash. */
const factories: (() => SimService)[] = [
  () => {
    const ssm = createSsmService();
    ssm.store.region("us-east-1").set("/existing", [
      {
        name: "/existing",
        type: "String",
        value: "v",
        version: 1,
        tier: "Standard",
        dataType: "text",
        lastModifiedDate: new Date(),
      },
    ]);
    return ssm;
  },
  () => createCloudWatchService(),
  () => {
    const cloudMap = createServiceDiscoveryService();
    cloudMap.registry.createService({
      namespaceId: cloudMap.registry.createNamespace({ name: "ns", type: "HTTP" }).id,
      name: "svc",
    });
    return cloudMap;
  },
  () => {
    const sqs = new SqsStore();
    sqs.create("q", "us-east-1");
    sqs.send("q", "hello");
    return createSqsService(sqs);
  },
];

describe("junk input", () => {
  for (const factory of factories) {
    const template = factory();
    for (const operation of Object.keys(template.operations)) {
      it(`${template.signingName}.${operation} answers junk with AwsError, never a crash`, async () => {
        for (const input of JUNK) {
          const handler = factory().operations[operation];
          if (!handler) throw new Error(`no handler ${operation}`);
          try {
            await handler(input, ctx);
          } catch (err) {
            if (!(err instanceof AwsError))
              throw new Error(`${operation}(${JSON.stringify(input).slice(0, 120)}) threw ${String(err)}`);
            expect(err.status).toBeLessThan(500);
          }
        }
      });
    }
  }
});
