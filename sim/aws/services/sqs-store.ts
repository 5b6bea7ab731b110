import { createHash, randomUUID } from "node:crypto";
import { AwsError } from "../service.js";

/** SQS errors: handlers throw the SDK shape name; the front adds the query code. */
export const sqsError = (code: string, message: string, status = 400) =>
  new AwsError(code, message, status, status < 500);
export const queueDoesNotExist = () =>
  sqsError("QueueDoesNotExist", "The specified queue does not exist for this wsdl version.");

export interface SqsMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  sentAt: number;
  /** Not receivable before this time (delay, then visibility timeouts). */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number | undefined;
  /** Current receipt handle; undefined while never received. */
  receipt?: string | undefined;
}

export interface SqsQueue {
  name: string;
  arn: string;
  region: string;
  attributes: Record<string, string>;
  createdAt: number;
  messages: SqsMessage[];
}

export const QUEUE_DEFAULTS: Record<string, string> = {
  DelaySeconds: "0",
  MaximumMessageSize: "262144",
  MessageRetentionPeriod: "345600",
  ReceiveMessageWaitTimeSeconds: "0",
  VisibilityTimeout: "30",
};

/** The queue attributes CreateQueue accepts here, with their ranges (inclusive). */
export const ATTRIBUTE_RANGES: Record<string, [number, number]> = {
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1024, 1_048_576],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, 43_200],
};

export function md5(s: string | Buffer): string {
  return createHash("md5").update(s).digest("hex");
}

/**
 * The simulated SQS state: standard queues, messages with delay, visibility timeout and retention, and
 * long-poll waiters. Exposed so event delivery (sim/events) can send messages without HTTP.
 */
export class SqsStore {
  readonly queues = new Map<string, SqsQueue>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  constructor(readonly accountId = "000000000000") {}

  queueUrl(endpoint: string, name: string): string {
    return `${endpoint}/${this.accountId}/${name}`;
  }

  /** Queue name from a queue URL (any host) or a bare name. */
  nameFromUrl(url: string): string {
    const i = url.lastIndexOf("/");
    return i >= 0 ? url.slice(i + 1) : url;
  }

  get(urlOrName: string): SqsQueue {
    const q = this.queues.get(this.nameFromUrl(urlOrName));
    if (!q) throw queueDoesNotExist();
    return q;
  }

  /** Creates a queue, or returns the existing one when every given attribute matches (QueueNameExists otherwise). */
  create(name: string, region: string, attributes: Record<string, string> = {}): SqsQueue {
    const existing = this.queues.get(name);
    if (existing) {
      for (const [k, v] of Object.entries(attributes)) {
        if (existing.attributes[k] !== v) {
          throw sqsError(
            "QueueNameExists",
            `A queue already exists with the same name and a different value for attribute ${k}`,
          );
        }
      }
      return existing;
    }
    const q: SqsQueue = {
      name,
      arn: `arn:aws:sqs:${region}:${this.accountId}:${name}`,
      region,
      attributes: { ...QUEUE_DEFAULTS, ...attributes },
      createdAt: Date.now(),
      messages: [],
    };
    this.queues.set(name, q);
    return q;
  }

  /** Enqueues a message (validation is the caller's job). */
  send(urlOrName: string, body: string, options: { delaySeconds?: number | undefined } = {}): SqsMessage {
    const q = this.get(urlOrName);
    const now = Date.now();
    const delay = options.delaySeconds ?? Number(q.attributes.DelaySeconds ?? 0);
    const m: SqsMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5(body),
      sentAt: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
    };
    q.messages.push(m);
    this.notify(q.name);
    return m;
  }

  /** Takes up to `max` visible messages, dropping expired ones and hiding the taken ones for the visibility timeout. */
  take(q: SqsQueue, max: number, visibilitySeconds: number): SqsMessage[] {
    const now = Date.now();
    const retentionMs = Number(q.attributes.MessageRetentionPeriod ?? 345_600) * 1000;
    const out: SqsMessage[] = [];
    q.messages = q.messages.filter((m) => now - m.sentAt <= retentionMs);
    for (const m of q.messages) {
      if (out.length >= max) break;
      if (m.visibleAt > now) continue;
      m.receiveCount++;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + visibilitySeconds * 1000;
      m.receipt = Buffer.from(`${q.name}\u0000${m.messageId}\u0000${randomUUID()}`).toString("base64");
      out.push(m);
    }
    return out;
  }

  /** Deletes the message a receipt handle refers to; throws ReceiptHandleIsInvalid for malformed handles. */
  deleteMessage(q: SqsQueue, receipt: string): void {
    const decoded = Buffer.from(receipt, "base64").toString("utf8").split("\u0000");
    if (decoded.length !== 3 || decoded[0] !== q.name) {
      throw sqsError(
        "ReceiptHandleIsInvalid",
        `The input receipt handle "${receipt}" is not a valid receipt handle.`,
        404,
      );
    }
    const index = q.messages.findIndex((m) => m.messageId === decoded[1]);
    if (index >= 0) q.messages.splice(index, 1);
  }

  /** Time of the next message becoming visible, for long-poll wake-ups. */
  nextVisibleAt(q: SqsQueue): number | undefined {
    let next: number | undefined;
    for (const m of q.messages) if (next === undefined || m.visibleAt < next) next = m.visibleAt;
    return next;
  }

  /** Resolves when a message may have become available on `name`, or after `ms`. */
  wait(name: string, ms: number): Promise<void> {
    if (this.closed || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.waiters.get(name);
      if (!set) {
        set = new Set();
        this.waiters.set(name, set);
      }
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      set.add(done);
    });
  }

  /** Wakes long polls waiting on `name`. */
  notify(name: string): void {
    const set = this.waiters.get(name);
    if (!set) return;
    for (const w of [...set]) w();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Ends all long polls (they return empty) and refuses further waits. */
  close(): void {
    this.closed = true;
    for (const name of this.waiters.keys()) this.notify(name);
  }

  clear(): void {
    for (const name of this.queues.keys()) this.notify(name);
    this.queues.clear();
  }
}
