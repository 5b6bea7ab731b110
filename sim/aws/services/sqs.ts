import { decodeToken, encodeToken } from "../input.js";
import type { SimRequestContext, SimService } from "../service.js";
import { SETTABLE, type SqsMessage, type SqsQueue, SqsStore, sqsError } from "./sqs-store.js";
import {
  BATCH_ID,
  intParam,
  invalidParam,
  MAX_BATCH,
  MAX_BATCH_BYTES,
  messageSize,
  parseMessageAttributes,
  QUEUE_NAME,
  reader,
  SQS_QUERY_ERRORS,
  validateAttributes,
  validBody,
} from "./sqs-validate.js";

/**
 * Builds the simulated SQS (JSON 1.0, target prefix AmazonSQS, awsQueryCompatible). Queue URLs are
 * `<endpoint>/000000000000/<name>`; the SDK sends each call to the host of its QueueUrl.
 */
export function createSqsService(store = new SqsStore()): SimService & { store: SqsStore } {
  const endpointOf = (ctx: SimRequestContext) => ctx.endpoint ?? "http://127.0.0.1:4566";

  const queueAttributes = (q: SqsQueue, names: string[]): Record<string, string> => {
    const now = Date.now();
    let visible = 0;
    let inflight = 0;
    let delayed = 0;
    for (const m of q.messages) {
      if (m.visibleAt <= now) visible++;
      else if (m.receiveCount > 0) inflight++;
      else delayed++;
    }
    const all: Record<string, string> = {
      ...q.attributes,
      QueueArn: q.arn,
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(inflight),
      ApproximateNumberOfMessagesDelayed: String(delayed),
      CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(q.modifiedAt / 1000)),
    };
    if (names.includes("All")) return all;
    const out: Record<string, string> = {};
    for (const n of names) {
      if (!(n in all) && !SETTABLE.has(n)) throw sqsError("InvalidAttributeName", `Unknown Attribute ${n}.`);
      const v = all[n];
      if (v !== undefined) out[n] = v;
    }
    return out;
  };

  const send = (q: SqsQueue, entry: Record<string, unknown>) => {
    if (entry.MessageBody === undefined || entry.MessageBody === null) {
      throw sqsError("MissingParameter", "The request must contain the parameter MessageBody.");
    }
    const body = String(entry.MessageBody);
    if (body.length === 0) throw invalidParam("The request must contain the parameter MessageBody.");
    if (!validBody(body)) {
      throw sqsError(
        "InvalidMessageContents",
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
      );
    }
    const attributes = parseMessageAttributes(entry.MessageAttributes);
    const max = Number(q.attributes.MaximumMessageSize ?? 262_144);
    if (messageSize(body, attributes) > max) {
      throw invalidParam(`One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`);
    }
    const delay = intParam(entry, "DelaySeconds", 0, 900);
    const m = store.send(q.name, body, {
      delaySeconds: delay,
      attributes,
      groupId: typeof entry.MessageGroupId === "string" ? entry.MessageGroupId : undefined,
    });
    return { MessageId: m.messageId, MD5OfMessageBody: m.md5OfBody, MD5OfMessageAttributes: m.md5OfAttributes };
  };

  const render = (m: SqsMessage, systemNames: string[], attributeNames: string[]) => {
    const system: Record<string, string> = {
      SenderId: "AIDAIENQZJOLO23YVJ4VO",
      SentTimestamp: String(m.sentAt),
      ApproximateReceiveCount: String(m.receiveCount),
      ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? Date.now()),
      ...(m.groupId ? { MessageGroupId: m.groupId } : {}),
      ...(m.deadLetterSource ? { DeadLetterQueueSourceArn: m.deadLetterSource } : {}),
    };
    const wantAll = systemNames.includes("All");
    const Attributes = wantAll
      ? system
      : Object.fromEntries(systemNames.filter((n) => n in system).map((n) => [n, system[n] as string]));
    const wantAttrs = attributeNames.includes("All") || attributeNames.includes(".*");
    const selected = Object.fromEntries(
      Object.entries(m.attributes).filter(
        ([k]) =>
          wantAttrs ||
          attributeNames.includes(k) ||
          attributeNames.some((p) => p.endsWith(".*") && k.startsWith(p.slice(0, -2))),
      ),
    );
    const hasAttrs = Object.keys(selected).length > 0;
    return {
      MessageId: m.messageId,
      ReceiptHandle: m.receipt,
      MD5OfBody: m.md5OfBody,
      Body: m.body,
      Attributes: Object.keys(Attributes).length > 0 ? Attributes : undefined,
      MessageAttributes: hasAttrs ? selected : undefined,
      MD5OfMessageAttributes: hasAttrs ? m.md5OfAttributes : undefined,
    };
  };

  const batchCheck = (entries: Record<string, unknown>[] | undefined) => {
    if (!entries || entries.length === 0)
      throw sqsError("EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry in the request.");
    if (entries.length > MAX_BATCH) {
      throw sqsError(
        "TooManyEntriesInBatchRequest",
        `Maximum number of entries per request are ${MAX_BATCH}. You have sent ${entries.length}.`,
      );
    }
    const ids = new Set<string>();
    for (const e of entries) {
      if (!e || typeof e !== "object") throw invalidParam("Each batch entry must be a structure with an Id.");
      const id = String(e.Id ?? "");
      if (!BATCH_ID.test(id))
        throw sqsError(
          "InvalidBatchEntryId",
          "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
        );
      if (ids.has(id)) throw sqsError("BatchEntryIdsNotDistinct", `Id ${id} repeated.`);
      ids.add(id);
    }
  };

  const failure = (id: unknown, err: unknown) => {
    const e = err as { code?: string; message?: string; senderFault?: boolean };
    if (!e.code) throw err;
    return { Id: String(id), SenderFault: e.senderFault ?? true, Code: e.code, Message: e.message };
  };

  return {
    signingName: "sqs",
    targetPrefix: "AmazonSQS",
    queryVersion: "2012-11-05",
    xmlNamespace: "http://queue.amazonaws.com/doc/2012-11-05/",
    jsonErrorNamespace: "com.amazonaws.sqs",
    queryCompatErrors: SQS_QUERY_ERRORS,
    store,
    operations: {
      CreateQueue: (input, ctx) => {
        const name = reader(input).reqStr("QueueName");
        const fifo = name.endsWith(".fifo");
        if (!QUEUE_NAME.test(fifo ? name.slice(0, -5) : name)) {
          throw invalidParam("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
        }
        const attributes = validateAttributes((input.Attributes ?? {}) as Record<string, unknown>);
        if (fifo !== (attributes.FifoQueue === "true")) {
          throw sqsError(
            "InvalidAttributeValue",
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix.",
          );
        }
        const tags = (input.tags ?? input.Tags ?? {}) as Record<string, string>;
        const q = store.create(name, ctx.region, attributes, tags);
        return { QueueUrl: store.queueUrl(endpointOf(ctx), q.name) };
      },
      GetQueueUrl: (input, ctx) => {
        const q = store.get(reader(input).reqStr("QueueName"));
        return { QueueUrl: store.queueUrl(endpointOf(ctx), q.name) };
      },
      ListQueues: (input, ctx) => {
        const r = reader(input);
        const prefix = r.str("QueueNamePrefix") ?? "";
        const max = intParam(input, "MaxResults", 1, 1000);
        const token = r.str("NextToken");
        const offset = token === undefined ? 0 : (decodeToken(token, "sqs-list") ?? -1);
        if (offset < 0) throw invalidParam("Invalid NextToken value.");
        const names = [...store.queues.keys()].filter((n) => n.startsWith(prefix)).sort();
        const limit = max ?? 1000;
        const slice = names.slice(offset, offset + limit);
        return {
          QueueUrls: slice.map((n) => store.queueUrl(endpointOf(ctx), n)),
          NextToken:
            max !== undefined && offset + limit < names.length ? encodeToken(offset + limit, "sqs-list") : undefined,
        };
      },
      DeleteQueue: (input) => {
        store.delete(reader(input).reqStr("QueueUrl"));
        return {};
      },
      GetQueueAttributes: (input) => {
        const q = store.get(reader(input).reqStr("QueueUrl"));
        const names = (reader(input).list<string>("AttributeNames") ?? []).map(String);
        return { Attributes: names.length === 0 ? undefined : queueAttributes(q, names) };
      },
      SetQueueAttributes: (input) => {
        const q = store.get(reader(input).reqStr("QueueUrl"));
        Object.assign(q.attributes, validateAttributes((input.Attributes ?? {}) as Record<string, unknown>));
        q.modifiedAt = Date.now();
        return {};
      },
      SendMessage: (input) => {
        const q = store.get(reader(input).reqStr("QueueUrl"));
        return send(q, input);
      },
      SendMessageBatch: (input) => {
        const q = store.get(reader(input).reqStr("QueueUrl"));
        const entries = reader(input).list<Record<string, unknown>>("Entries");
        batchCheck(entries);
        const list = entries as Record<string, unknown>[];
        const total = list.reduce((n, e) => n + Buffer.byteLength(String(e.MessageBody ?? "")), 0);
        if (total > MAX_BATCH_BYTES) {
          throw sqsError(
            "BatchRequestTooLong",
            `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${total} bytes.`,
          );
        }
        const Successful: unknown[] = [];
        const Failed: unknown[] = [];
        for (const e of list) {
          try {
            Successful.push({ Id: e.Id, ...send(q, e) });
          } catch (err) {
            Failed.push(failure(e.Id, err));
          }
        }
        return { Successful, Failed };
      },
      ReceiveMessage: async (input) => {
        const q = store.get(reader(input).reqStr("QueueUrl"));
        const max = intParam(input, "MaxNumberOfMessages", 1, 10) ?? 1;
        const visibility =
          intParam(input, "VisibilityTimeout", 0, 43_200) ?? Number(q.attributes.VisibilityTimeout ?? 30);
        const wait =
          intParam(input, "WaitTimeSeconds", 0, 20) ?? Number(q.attributes.ReceiveMessageWaitTimeSeconds ?? 0);
        const systemNames = [
          ...(reader(input).list<string>("AttributeNames") ?? []),
          ...(reader(input).list<string>("MessageSystemAttributeNames") ?? []),
        ].map(String);
        const attributeNames = (reader(input).list<string>("MessageAttributeNames") ?? []).map(String);
        const deadline = Date.now() + wait * 1000;
        for (;;) {
          const current = store.queues.get(q.name);
          if (!current)
            throw sqsError("QueueDoesNotExist", "The specified queue does not exist for this wsdl version.");
          const got = store.take(current, max, visibility);
          const now = Date.now();
          if (got.length > 0 || now >= deadline || store.isClosed) {
            return got.length > 0 ? { Messages: got.map((m) => render(m, systemNames, attributeNames)) } : {};
          }
          const next = store.nextVisibleAt(current);
          const until = next !== undefined && next > now ? Math.min(deadline, next) : deadline;
          await store.wait(q.name, Math.max(1, until - now));
        }
      },
      DeleteMessage: (input) => {
        const r = reader(input);
        const q = store.get(r.reqStr("QueueUrl"));
        store.deleteMessage(q, r.reqStr("ReceiptHandle"));
        return {};
      },
      DeleteMessageBatch: (input) => {
        const q = store.get(reader(input).reqStr("QueueUrl"));
        const entries = reader(input).list<Record<string, unknown>>("Entries");
        batchCheck(entries);
        const Successful: unknown[] = [];
        const Failed: unknown[] = [];
        for (const e of entries as Record<string, unknown>[]) {
          try {
            store.deleteMessage(q, String(e.ReceiptHandle ?? ""));
            Successful.push({ Id: e.Id });
          } catch (err) {
            Failed.push(failure(e.Id, err));
          }
        }
        return { Successful, Failed };
      },
      ChangeMessageVisibility: (input) => {
        const r = reader(input);
        const q = store.get(r.reqStr("QueueUrl"));
        const receipt = r.reqStr("ReceiptHandle");
        const timeout = intParam(input, "VisibilityTimeout", 0, 43_200) ?? r.missing("VisibilityTimeout");
        changeVisibility(store, q, receipt, timeout);
        return {};
      },
      ChangeMessageVisibilityBatch: (input) => {
        const q = store.get(reader(input).reqStr("QueueUrl"));
        const entries = reader(input).list<Record<string, unknown>>("Entries");
        batchCheck(entries);
        const Successful: unknown[] = [];
        const Failed: unknown[] = [];
        for (const e of entries as Record<string, unknown>[]) {
          try {
            changeVisibility(store, q, String(e.ReceiptHandle ?? ""), intParam(e, "VisibilityTimeout", 0, 43_200) ?? 0);
            Successful.push({ Id: e.Id });
          } catch (err) {
            Failed.push(failure(e.Id, err));
          }
        }
        return { Successful, Failed };
      },
      PurgeQueue: (input) => {
        const q = store.get(reader(input).reqStr("QueueUrl"));
        const now = Date.now();
        if (q.lastPurge !== undefined && now - q.lastPurge < 60_000) {
          throw sqsError(
            "PurgeQueueInProgress",
            `Only one PurgeQueue operation on ${q.name} is allowed every 60 seconds.`,
            403,
          );
        }
        q.lastPurge = now;
        q.messages = [];
        return {};
      },
    },
  };
}

function changeVisibility(store: SqsStore, q: SqsQueue, receipt: string, timeout: number): void {
  const m = store.byReceipt(q, receipt);
  const now = Date.now();
  if (!m || m.receiveCount === 0 || m.visibleAt <= now) {
    throw sqsError(
      "MessageNotInflight",
      "Value for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.",
    );
  }
  m.visibleAt = now + timeout * 1000;
  if (timeout === 0) store.notify(q.name);
}
