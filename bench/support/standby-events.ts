import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { startSim } from "../../sim/index.js";

/**
 * ADR 0068's measurement behind "standbys do not read the events queue": SQS is a queue of competing consumers, so
 * a standby that reads the leader's queue to keep its view current takes messages from the leader. Measured on the
 * simulator's SQS with the leader's consumer as ecsmon runs it (10 messages per long poll, delete in batches; the poll waits 1 s
 * instead of 20 so that the run ends promptly, which changes no latency: a long poll returns when a message arrives) and
 * MESSAGES events sent at a steady rate, three ways: no standby (baseline); a standby that receives and does not
 * delete (the message stays hidden from the leader for the queue's 30 s visibility timeout); a standby that peeks
 * with VisibilityTimeout=0 (the message stays visible, but every receive counts toward the redrive policy's
 * maxReceiveCount, and the standby spins on messages the leader has not deleted yet).
 */

const MESSAGES = 60;
const SEND_EVERY_MS = 100;
/** ecsmon's default maxReceiveCount (ADR 0011): a message received this often is moved to the DLQ by SQS. */
const MAX_RECEIVE_COUNT = 5;

export interface StandbyEventsRun {
  mode: "no standby" | "standby receives" | "standby peeks";
  /** Send → the leader received it, ms, per message the leader received in the window. */
  latencies: number[];
  /** Messages the leader never received within the window. */
  missed: number;
  /** Messages whose receive count reached maxReceiveCount by the time the leader received them. */
  overReceiveLimit: number;
  /** SQS requests the standby made per message sent. */
  standbyRequestsPerMessage: number;
  /** Distinct messages the standby received: how much of the cluster's change its view would have seen. */
  standbySaw: number;
}

async function measure(client: SQSClient, queueUrl: string, mode: StandbyEventsRun["mode"]): Promise<StandbyEventsRun> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let overReceiveLimit = 0;
  let standbyRequests = 0;
  const standbySaw = new Set<string>();
  let running = true;
  const leader = (async () => {
    while (running) {
      const out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        }),
      );
      const messages = out.Messages ?? [];
      for (const m of messages) {
        const sent = sentAt.get(m.Body ?? "");
        if (sent !== undefined && !latencies[Number(m.Body)]) latencies[Number(m.Body)] = performance.now() - sent;
        if (Number(m.Attributes?.ApproximateReceiveCount ?? 1) >= MAX_RECEIVE_COUNT) overReceiveLimit++;
      }
      if (messages.length > 0) {
        await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
          }),
        );
      }
    }
  })();
  const standby = (async () => {
    if (mode === "no standby") return;
    while (running) {
      standbyRequests++;
      const out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          ...(mode === "standby peeks" ? { VisibilityTimeout: 0 } : {}),
        }),
      );
      for (const m of out.Messages ?? []) standbySaw.add(m.Body ?? "");
    }
  })();
  for (let i = 0; i < MESSAGES; i++) {
    sentAt.set(String(i), performance.now());
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: String(i) }));
    await new Promise((resolve) => setTimeout(resolve, SEND_EVERY_MS));
  }
  // Long enough for a message hidden by the standby to become visible again (30 s visibility timeout) and be read.
  const deadline = performance.now() + 35_000;
  while (performance.now() < deadline && latencies.filter((l) => l !== undefined).length < MESSAGES) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  running = false;
  await Promise.all([leader, standby]);
  const received = latencies.filter((l) => l !== undefined);
  return {
    mode,
    latencies: received,
    missed: MESSAGES - received.length,
    overReceiveLimit,
    standbyRequestsPerMessage: standbyRequests / MESSAGES,
    standbySaw: standbySaw.size,
  };
}

export async function measureStandbyEvents(): Promise<StandbyEventsRun[]> {
  const sim = await startSim({ nodeSurfaces: false, transitionDelayMs: 0 });
  const client = new SQSClient({
    region: sim.region,
    endpoint: sim.endpoint,
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  });
  try {
    const runs: StandbyEventsRun[] = [];
    for (const mode of ["no standby", "standby receives", "standby peeks"] as const) {
      const created = await client.send(new CreateQueueCommand({ QueueName: `standby-${runs.length}` }));
      runs.push(await measure(client, created.QueueUrl ?? "", mode));
    }
    return runs;
  } finally {
    client.destroy();
    await sim.stop();
  }
}
