import {
  DeleteMessageBatchCommand,
  type DeleteMessageBatchCommandInput,
  type DeleteMessageBatchCommandOutput,
  ReceiveMessageCommand,
  type ReceiveMessageCommandInput,
  type ReceiveMessageCommandOutput,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { backoffDelay } from "../../lib/backoff.js";
import type { Logger } from "../../lib/logger.js";
import type { TaskEventResult } from "../observe/task-cache.js";
import { type EcsEvent, parseEcsEvent } from "./ecs-events.js";

/** The SQS calls the consumer makes. */
export interface SqsApi {
  receiveMessage(
    input: ReceiveMessageCommandInput,
    signal?: AbortSignal,
  ): Promise<Omit<ReceiveMessageCommandOutput, "$metadata">>;
  deleteMessageBatch(
    input: DeleteMessageBatchCommandInput,
  ): Promise<Omit<DeleteMessageBatchCommandOutput, "$metadata">>;
}

export function sqsApiFromClient(client: SQSClient): SqsApi {
  return {
    receiveMessage: (input, signal) => client.send(new ReceiveMessageCommand(input), { abortSignal: signal }),
    deleteMessageBatch: (input) => client.send(new DeleteMessageBatchCommand(input)),
  };
}

/** Where events go: {@link ClusterObserver} implements this. */
export interface EcsEventSink {
  applyTaskEvent(detail: EcsEventTaskDetail): TaskEventResult;
  applyContainerInstanceEvent(detail: EcsEventInstanceDetail): string;
  markServicesDue(): void;
}
type EcsEventTaskDetail = Extract<EcsEvent, { type: "task" }>["detail"];
type EcsEventInstanceDetail = Extract<EcsEvent, { type: "containerInstance" }>["detail"];

/** Outcome of one message, as counted in {@link EventConsumerStatus.counts}. */
export type MessageOutcome = "applied" | "removed" | "stale" | "duplicate" | "ignored" | "malformed" | "dropped";

export interface EventConsumerOptions {
  sqs: SqsApi;
  queueUrl: string;
  sink: EcsEventSink;
  /** ReceiveMessage long-poll wait, seconds (0–20). @defaultValue 20 */
  waitTimeSeconds?: number;
  /** Messages per receive (1–10). @defaultValue 10 */
  maxMessages?: number;
  /**
   * A malformed message is left in the queue (so that the queue's redrive policy moves it to the DLQ) until
   * its ApproximateReceiveCount reaches this; then the consumer deletes it itself, in case no DLQ exists.
   * Set it to the queue's maxReceiveCount. @defaultValue 5
   */
  maxReceiveCount?: number;
  /** Back-off after a failed receive: starts here, doubles to 30 s, with jitter. @defaultValue 1000 */
  retryBaseMs?: number;
  /** Called after each received batch that changed the cache (to reconcile promptly). */
  onChange?: (summary: Partial<Record<MessageOutcome, number>>) => void;
  logger?: Logger | undefined;
  now?: () => number;
}

export interface EventConsumerStatus {
  running: boolean;
  /** A receive succeeded within the last long-poll period plus a margin, and the last receive did not fail. */
  flowing: boolean;
  lastReceiveAt?: string | undefined;
  lastError?: string | undefined;
  consecutiveErrors: number;
  counts: Record<MessageOutcome, number>;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Long-polls one cluster's SQS queue of EventBridge `aws.ecs` events and feeds them to the observer's cache
 * (issue 10). Messages are deleted in batches after they were applied (or recognised as irrelevant, stale or
 * duplicate). A failing receive backs off and retries forever; {@link status} tells the runtime whether
 * events flow, so that it can fall back to normal polling when they do not.
 */
export class SqsEventConsumer {
  private running = false;
  private loop: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private lastReceiveAt: number | undefined;
  private lastError: string | undefined;
  private consecutiveErrors = 0;
  private readonly counts: Record<MessageOutcome, number> = {
    applied: 0,
    removed: 0,
    stale: 0,
    duplicate: 0,
    ignored: 0,
    malformed: 0,
    dropped: 0,
  };
  private readonly now: () => number;

  constructor(private readonly options: EventConsumerOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
  }

  status(): EventConsumerStatus {
    const wait = (this.options.waitTimeSeconds ?? 20) * 1000;
    const fresh = this.lastReceiveAt !== undefined && this.now() - this.lastReceiveAt <= wait + 10_000;
    return {
      running: this.running,
      flowing: this.running && fresh && this.consecutiveErrors === 0,
      lastReceiveAt: this.lastReceiveAt === undefined ? undefined : new Date(this.lastReceiveAt).toISOString(),
      lastError: this.lastError,
      consecutiveErrors: this.consecutiveErrors,
      counts: { ...this.counts },
    };
  }

  /** One receive → apply → delete round. Exposed for tests; the loop calls it repeatedly. */
  async pollOnce(): Promise<Partial<Record<MessageOutcome, number>>> {
    this.abort = new AbortController();
    const out = await this.options.sqs.receiveMessage(
      {
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: clamp(this.options.maxMessages ?? 10, 1, 10),
        WaitTimeSeconds: clamp(this.options.waitTimeSeconds ?? 20, 0, 20),
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        AttributeNames: ["All"],
      },
      this.abort.signal,
    );
    this.lastReceiveAt = this.now();
    const summary: Partial<Record<MessageOutcome, number>> = {};
    const deletions: { Id: string; ReceiptHandle: string }[] = [];
    for (const [index, message] of (out.Messages ?? []).entries()) {
      const outcome = this.handle(message.Body, Number(message.Attributes?.ApproximateReceiveCount ?? "1"));
      this.counts[outcome] += 1;
      summary[outcome] = (summary[outcome] ?? 0) + 1;
      if (outcome !== "malformed" && message.ReceiptHandle) {
        deletions.push({ Id: String(index), ReceiptHandle: message.ReceiptHandle });
      }
      if (outcome === "malformed") {
        this.options.logger?.warn(
          { queueUrl: this.options.queueUrl, messageId: message.MessageId },
          "malformed ECS event left for redrive",
        );
      }
    }
    if (deletions.length > 0) {
      const result = await this.options.sqs.deleteMessageBatch({ QueueUrl: this.options.queueUrl, Entries: deletions });
      for (const failed of result.Failed ?? []) {
        this.options.logger?.warn(
          { id: failed.Id, code: failed.Code },
          "could not delete an SQS message; it will be redelivered",
        );
      }
    }
    if ((summary.applied ?? 0) + (summary.removed ?? 0) > 0) this.options.onChange?.(summary);
    return summary;
  }

  /** A sink that throws is treated like a malformed message: left for redelivery, then redrive. */
  private handle(body: string | undefined, receiveCount: number): MessageOutcome {
    try {
      return this.apply(body, receiveCount);
    } catch (error) {
      this.options.logger?.error({ err: (error as Error).message }, "applying an ECS event failed");
      return receiveCount >= (this.options.maxReceiveCount ?? 5) ? "dropped" : "malformed";
    }
  }

  private apply(body: string | undefined, receiveCount: number): MessageOutcome {
    const parsed = parseEcsEvent(body);
    if (!parsed.ok) {
      this.options.logger?.warn({ error: parsed.error }, "malformed ECS event");
      const limit = this.options.maxReceiveCount ?? 5;
      return receiveCount >= limit ? "dropped" : "malformed";
    }
    const event = parsed.event;
    switch (event.type) {
      case "task":
        return this.options.sink.applyTaskEvent(event.detail);
      case "containerInstance": {
        const result = this.options.sink.applyContainerInstanceEvent(event.detail);
        return result === "applied" || result === "refresh" ? "applied" : result === "stale" ? "stale" : "ignored";
      }
      case "service":
        this.options.sink.markServicesDue();
        return "applied";
      default:
        return "ignored";
    }
  }

  private async run(): Promise<void> {
    const base = this.options.retryBaseMs ?? 1000;
    while (this.running) {
      try {
        await this.pollOnce();
        this.consecutiveErrors = 0;
        this.lastError = undefined;
        // A receive that returns at once (WaitTimeSeconds 0, an emulator) must not starve the event loop.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } catch (error) {
        if (!this.running) break;
        this.consecutiveErrors += 1;
        this.lastError = (error as Error).message ?? String(error);
        this.options.logger?.warn({ queueUrl: this.options.queueUrl, err: this.lastError }, "SQS receive failed");
        await this.sleep(backoffDelay({ initialMs: base, maxMs: MAX_BACKOFF_MS }, this.consecutiveErrors));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.abort?.signal.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.trunc(value)));
}
