import { Agent, createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { AwsQueryProtocol } from "@aws-sdk/core/protocols";
import { createAwsClients } from "../lib/aws/clients.js";
import { benchQuick } from "../lib/config.js";
import { startAwsServer } from "../sim/aws/server.js";
import type { SimService } from "../sim/aws/service.js";
import { createCloudWatchService } from "../sim/aws/services/cloudwatch.js";
import { createSqsService } from "../sim/aws/services/sqs.js";
import { SqsStore } from "../sim/aws/services/sqs-store.js";
import { startEventDelivery } from "../sim/events/event-bridge.js";
import { ClusterStore } from "../sim/state/cluster-store.js";
import type { BenchResult } from "./types.js";

/**
 * The simulator's AWS front (issue 3) and SQS/event delivery (issue 10). Baselines measured in the same run:
 * a bare node:http server answering the same JSON body (the HTTP floor) for the front's overhead.
 */

const AREA = "sim";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const TASK_ARNS = Array.from(
  { length: 100 },
  (_, i) => `arn:aws:ecs:us-east-1:000000000000:task/bench/${i.toString(16).padStart(32, "0")}`,
);

function post(agent: Agent, port: number, headers: Record<string, string>, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method: "POST", path: "/", agent, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve());
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Requests per second over `durationMs` with `concurrency` keep-alive workers; median of `rounds`. */
async function throughput(
  port: number,
  headers: Record<string, string>,
  body: string,
  durationMs: number,
  rounds = 3,
  concurrency = 8,
) {
  const figures: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    let done = 0;
    const started = Date.now();
    const deadline = started + durationMs;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < deadline) {
          await post(agent, port, headers, body);
          done++;
        }
      }),
    );
    agent.destroy();
    figures.push(done / ((Date.now() - started) / 1000));
  }
  return median(figures);
}

async function frontOverhead(durationMs: number): Promise<BenchResult[]> {
  const ecsLike: SimService = {
    signingName: "ecs",
    targetPrefix: "AmazonEC2ContainerServiceV20141113",
    operations: { ListTasks: () => ({ taskArns: TASK_ARNS }) },
  };
  const server = await startAwsServer({ services: [ecsLike] });
  const payload = JSON.stringify({ taskArns: TASK_ARNS });
  const floor = createServer((_req, res) => {
    _req.resume();
    _req.on("end", () => {
      res.writeHead(200, {
        "content-type": "application/x-amz-json-1.1",
        "content-length": Buffer.byteLength(payload),
      });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => floor.listen(0, "127.0.0.1", resolve));
  const headers = {
    "content-type": "application/x-amz-json-1.1",
    "x-amz-target": "AmazonEC2ContainerServiceV20141113.ListTasks",
    authorization:
      "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0",
  };
  try {
    // Interleaved rounds so that load from elsewhere on the machine hits both sides alike.
    const bases: number[] = [];
    const fronts: number[] = [];
    for (let round = 0; round < 3; round++) {
      bases.push(await throughput((floor.address() as AddressInfo).port, headers, "{}", durationMs, 1));
      fronts.push(await throughput(server.port, headers, '{"cluster":"bench"}', durationMs, 1));
    }
    const base = median(bases);
    const front = median(fronts);
    return [
      {
        area: AREA,
        name: "aws front JSON 1.1 req/s (100-ARN page, 8 keep-alive clients)",
        value: Math.round(front),
        unit: "req/s",
        goal: ">= 2000",
        note: `${((front / base) * 100).toFixed(0)}% of a bare node:http server (${Math.round(base)} req/s) in the same run`,
      },
    ];
  } finally {
    await server.close();
    await new Promise<void>((resolve) => floor.close(() => resolve()));
  }
}

async function putMetricData(rounds: number): Promise<BenchResult[]> {
  const cw = createCloudWatchService();
  const server = await startAwsServer({ services: [cw] });
  const results: BenchResult[] = [];
  try {
    for (const [label, protocol] of [
      ["JSON 1.0", undefined],
      ["query", AwsQueryProtocol],
    ] as const) {
      const client = new CloudWatchClient({
        region: "us-east-1",
        endpoint: server.url,
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
        ...(protocol ? { protocol } : {}),
      });
      const data = Array.from({ length: 1000 }, (_, i) => ({
        MetricName: "CpuUtilized",
        Dimensions: [
          { Name: "ClusterName", Value: "bench" },
          { Name: "TaskId", Value: String(i % 100) },
        ],
        Value: i,
        StorageResolution: 1,
      }));
      const times: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        await client.send(new PutMetricDataCommand({ Namespace: "Bench", MetricData: data }));
        times.push(performance.now() - t0);
      }
      client.destroy();
      results.push({
        area: AREA,
        name: `PutMetricData 1,000 datums over ${label} (SDK round trip)`,
        value: Number(median(times).toFixed(2)),
        unit: "ms",
        note: `${Math.round(1000 / (median(times) / 1000))} datums/s; gzip + validation + storage`,
      });
    }
  } finally {
    await server.close();
  }
  return results;
}

async function eventLatency(events: number): Promise<BenchResult[]> {
  const store = new ClusterStore({ seed: 1, transitionDelayMs: 0, addressBase: 251 });
  store.createCluster("bench");
  for (let i = 0; i < 4; i++) store.registerContainerInstance({ cluster: "bench", instanceType: "m5.4xlarge" });
  store.registerTaskDefinition({
    family: "web",
    networkMode: "bridge",
    containerDefinitions: [
      { name: "app", image: "nginx", cpu: 16, memory: 16, portMappings: [{ containerPort: 80, hostPort: 0 }] },
    ],
  });
  const sqs = new SqsStore();
  const server = await startAwsServer({ services: [createSqsService(sqs)] });
  const aws = createAwsClients({ region: "us-east-1", endpointUrl: server.url });
  sqs.create("events", "us-east-1");
  const queueUrl = sqs.queueUrl(server.url, "events");
  const delivery = startEventDelivery(store, sqs, { targets: [{ queueUrl }] });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < events; i++) {
      const poll = aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }),
      );
      await new Promise((r) => setTimeout(r, 2));
      const t0 = performance.now();
      store.runTask({ cluster: "bench", taskDefinition: "web" });
      const got = await poll;
      latencies.push(performance.now() - t0);
      const entries = (got.Messages ?? []).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle }));
      if (entries.length > 0)
        await aws.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      // Drain the remaining lifecycle events of this task.
      for (;;) {
        const rest = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
        const more = (rest.Messages ?? []).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle }));
        if (more.length === 0) break;
        await aws.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: more }));
      }
    }
    const t0 = performance.now();
    const batches = 50;
    for (let b = 0; b < batches; b++) {
      await aws.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: `m${b}-${i}` })),
        }),
      );
      const got = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
      await aws.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: (got.Messages ?? []).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    const perSecond = (batches * 10) / ((performance.now() - t0) / 1000);
    return [
      {
        area: AREA,
        name: "event delivery: task change → SQS long poll returns, p50",
        value: Number(median(latencies).toFixed(2)),
        unit: "ms",
        note: `p99 ${percentile(latencies, 99).toFixed(2)} ms over ${events} events (SDK client, one long poll in flight)`,
      },
      {
        area: AREA,
        name: "SQS messages through send+receive+delete batches of 10 (sequential SDK calls)",
        value: Math.round(perSecond),
        unit: "msg/s",
      },
    ];
  } finally {
    delivery.stop();
    sqs.close();
    aws.destroy();
    await server.close();
    store.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  const quick = benchQuick();
  return [
    ...(await frontOverhead(quick ? 500 : 2_000)),
    ...(await putMetricData(quick ? 5 : 20)),
    ...(await eventLatency(quick ? 10 : 50)),
  ];
}
