import { createHash, randomUUID } from "node:crypto";
import { AwsError } from "../service.js";

/** SQS errors: handlers throw the SDK shape name; the front adds the query code. */
export const sqsError = (code: string, message: string, status = 400) =>
  new AwsError(code, message, status, status < 500);
export const queueDoesNotExist = () =>
  sqsError("QueueDoesNotExist", "The specified queue does not exist for this wsdl version.");

export interface SqsMessageAttribute {
  DataType: string;
  StringValue?: string | undefined;
  BinaryValue?: string | undefined;
}

export interface SqsMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  attributes: Record<string, SqsMessageAttribute>;
  md5OfAttributes?: string | undefined;
  sentAt: number;
  /** Not receivable before this time (delay, then visibility timeouts). */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number | undefined;
  /** Current receipt handle; undefined while never received. */
  receipt?: string | undefined;
  groupId?: string | undefined;
  /** Queue the message was redriven from (DLQ only). */
  deadLetterSource?: string | undefined;
}

export interface SqsQueue {
  name: string;
  arn: string;
  region: string;
  attributes: Record<string, string>;
  createdAt: number;
  modifiedAt: number;
  messages: SqsMessage[];
  lastPurge?: number | undefined;
  tags: Record<string, string>;
}

export const QUEUE_DEFAULTS: Record<string, string> = {
  DelaySeconds: "0",
  MaximumMessageSize: "262144",
  MessageRetentionPeriod: "345600",
  ReceiveMessageWaitTimeSeconds: "0",
  VisibilityTimeout: "30",
  SqsManagedSseEnabled: "true",
};

/** Settable attributes and their numeric ranges (inclusive). */
export const ATTRIBUTE_RANGES: Record<string, [number, number] | undefined> = {
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1024, 1_048_576],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, 43_200],
  KmsDataKeyReusePeriodSeconds: [60, 86_400],
};
export const SETTABLE = new Set([
  ...Object.keys(ATTRIBUTE_RANGES),
  "Policy",
  "RedrivePolicy",
  "RedriveAllowPolicy",
  "FifoQueue",
  "ContentBasedDeduplication",
  "KmsMasterKeyId",
  "SqsManagedSseEnabled",
  "DeduplicationScope",
  "FifoThroughputLimit",
]);

export function md5(s: string | Buffer): string {
  return createHash("md5").update(s).digest("hex");
}

/** MD5 of message attributes as SQS computes it (sorted names, length-prefixed fields, transport type byte). */
export function md5OfAttributes(attrs: Record<string, SqsMessageAttribute>): string | undefined {
  const names = Object.keys(attrs).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  const lp = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, b);
  };
  for (const name of names) {
    const a = attrs[name] as SqsMessageAttribute;
    lp(Buffer.from(name, "utf8"));
    lp(Buffer.from(a.DataType, "utf8"));
    if (a.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      lp(Buffer.from(a.BinaryValue, "base64"));
    } else {
      parts.push(Buffer.from([1]));
      lp(Buffer.from(a.StringValue ?? "", "utf8"));
    }
  }
  return md5(Buffer.concat(parts));
}

/**
 * The simulated SQS state: queues, messages, visibility and redrive, plus long-poll waiters. Exposed so
 * event delivery (sim/events) can send messages without HTTP.
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

  byArn(arn: string): SqsQueue | undefined {
    for (const q of this.queues.values()) if (q.arn === arn) return q;
    return undefined;
  }

  create(
    name: string,
    region: string,
    attributes: Record<string, string> = {},
    tags: Record<string, string> = {},
  ): SqsQueue {
    const existing = this.queues.get(name);
    if (existing) {
      for (const [k, v] of Object.entries(attributes)) {
        if ((existing.attributes[k] ?? QUEUE_DEFAULTS[k]) !== v) {
          throw sqsError(
            "QueueNameExists",
            `A queue already exists with the same name and a different value for attribute ${k}`,
          );
        }
      }
      return existing;
    }
    const now = Date.now();
    const q: SqsQueue = {
      name,
      arn: `arn:aws:sqs:${region}:${this.accountId}:${name}`,
      region,
      attributes: { ...QUEUE_DEFAULTS, ...attributes },
      createdAt: now,
      modifiedAt: now,
      messages: [],
      tags: { ...tags },
    };
    this.queues.set(name, q);
    return q;
  }

  delete(urlOrName: string): void {
    const q = this.get(urlOrName);
    this.queues.delete(q.name);
    this.notify(q.name);
  }

  /** Enqueues a message (validation is the caller's job). */
  send(
    urlOrName: string,
    body: string,
    options: {
      delaySeconds?: number | undefined;
      attributes?: Record<string, SqsMessageAttribute> | undefined;
      groupId?: string | undefined;
    } = {},
  ): SqsMessage {
    const q = this.get(urlOrName);
    const now = Date.now();
    const delay = options.delaySeconds ?? Number(q.attributes.DelaySeconds ?? 0);
    const attributes = options.attributes ?? {};
    const m: SqsMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5(body),
      attributes,
      md5OfAttributes: md5OfAttributes(attributes),
      sentAt: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
      groupId: options.groupId,
    };
    q.messages.push(m);
    this.notify(q.name);
    return m;
  }

  /** Takes up to `max` visible messages, applying retention, redrive and the visibility timeout. */
  take(q: SqsQueue, max: number, visibilitySeconds: number): SqsMessage[] {
    const now = Date.now();
    const retentionMs = Number(q.attributes.MessageRetentionPeriod ?? 345_600) * 1000;
    const redrive = parseRedrive(q.attributes.RedrivePolicy);
    const out: SqsMessage[] = [];
    const keep: SqsMessage[] = [];
    for (const m of q.messages) {
      if (now - m.sentAt > retentionMs) continue;
      if (out.length >= max || m.visibleAt > now) {
        keep.push(m);
        continue;
      }
      if (redrive && m.receiveCount >= redrive.maxReceiveCount) {
        const dlq = this.byArn(redrive.deadLetterTargetArn);
        if (dlq) {
          dlq.messages.push({ ...m, visibleAt: now, receipt: undefined, deadLetterSource: q.arn });
          this.notify(dlq.name);
          continue;
        }
      }
      m.receiveCount++;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + visibilitySeconds * 1000;
      m.receipt = Buffer.from(`${q.name}\u0000${m.messageId}\u0000${randomUUID()}`).toString("base64");
      out.push(m);
      keep.push(m);
    }
    q.messages = keep;
    return out;
  }

  /** Finds the message a receipt handle refers to; throws ReceiptHandleIsInvalid for malformed handles. */
  byReceipt(q: SqsQueue, receipt: string): SqsMessage | undefined {
    const decoded = Buffer.from(receipt, "base64").toString("utf8").split("\u0000");
    if (decoded.length !== 3 || decoded[0] !== q.name) {
      throw sqsError(
        "ReceiptHandleIsInvalid",
        `The input receipt handle "${receipt}" is not a valid receipt handle.`,
        404,
      );
    }
    return q.messages.find((m) => m.messageId === decoded[1]);
  }

  deleteMessage(q: SqsQueue, receipt: string): void {
    const m = this.byReceipt(q, receipt);
    if (m) q.messages.splice(q.messages.indexOf(m), 1);
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

export function parseRedrive(
  raw: string | undefined,
): { deadLetterTargetArn: string; maxReceiveCount: number } | undefined {
  if (!raw) return undefined;
  try {
    const p = JSON.parse(raw) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    const max = Number(p.maxReceiveCount);
    if (typeof p.deadLetterTargetArn === "string" && Number.isInteger(max) && max >= 1 && max <= 1000) {
      return { deadLetterTargetArn: p.deadLetterTargetArn, maxReceiveCount: max };
    }
  } catch {
    // invalid policies are rejected when set
  }
  return undefined;
}
