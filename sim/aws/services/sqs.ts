import type { SimRequestContext, SimService } from "../service.js";
import { type SqsMessage, type SqsQueue, SqsStore, sqsError } from "./sqs-store.js";
import {
  BATCH_ID,
  intParam,
  invalidParam,
  MAX_BATCH,
  MAX_BATCH_BYTES,
  QUEUE_NAME,
  reader,
  SQS_QUERY_ERRORS,
  validateAttributes,
  validBody,
} from "./sqs-validate.js";

function queueAttributes(q: SqsQueue, names: string[]): Record<string, string> {
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
  };
  if (names.includes("All")) return all;
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = all[n];
    if (v === undefined) throw sqsError("InvalidAttributeName", `Unknown Attribute ${n}.`);
    out[n] = v;
  }
  return out;
}

/** Message system attributes, all or by name (ecsmon asks for ApproximateReceiveCount). */
function systemAttributes(m: SqsMessage, names: string[]): Record<string, string> | undefined {
  const system: Record<string, string> = {
    SenderId: "AIDAIENQZJOLO23YVJ4VO",
    SentTimestamp: String(m.sentAt),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? Date.now()),
  };
  const picked = names.includes("All")
    ? system
    : Object.fromEntries(names.flatMap((n) => (system[n] ? [[n, system[n]]] : [])));
  return Object.keys(picked).length > 0 ? picked : undefined;
}

function checkBatch(entries: Record<string, unknown>[] | undefined): Record<string, unknown>[] {
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
  return entries;
}

/** Runs `each` over a batch's entries: its result joins Successful, an AwsError becomes a Failed entry. */
function perEntry(entries: Record<string, unknown>[], each: (e: Record<string, unknown>) => object) {
  const Successful: unknown[] = [];
  const Failed: unknown[] = [];
  for (const e of entries) {
    try {
      Successful.push({ Id: e.Id, ...each(e) });
    } catch (err) {
      const failure = err as { code?: string; message?: string; senderFault?: boolean };
      if (!failure.code) throw err;
      Failed.push({
        Id: String(e.Id),
        SenderFault: failure.senderFault ?? true,
        Code: failure.code,
        Message: failure.message,
      });
    }
  }
  return { Successful, Failed };
}

/**
 * Builds the simulated SQS (JSON 1.0, target prefix AmazonSQS, awsQueryCompatible): standard queues with
 * the calls ecsmon's event consumer makes (ReceiveMessage, DeleteMessageBatch, GetQueueAttributes) and the
 * ones that feed it in tests and benchmarks (CreateQueue, SendMessage, SendMessageBatch). Queue URLs are
 * `<endpoint>/000000000000/<name>`; the SDK sends each call to the host of its QueueUrl.
 */
export function createSqsService(store = new SqsStore()): SimService & { store: SqsStore } {
  const endpointOf = (ctx: SimRequestContext) => ctx.endpoint ?? "http://127.0.0.1:4566";

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
    if (entry.MessageAttributes !== undefined && entry.MessageAttributes !== null)
      throw invalidParam("MessageAttributes are not simulated.");
    const max = Number(q.attributes.MaximumMessageSize ?? 262_144);
    if (Buffer.byteLength(body) > max) {
      throw invalidParam(`One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`);
    }
    const m = store.send(q.name, body, { delaySeconds: intParam(entry, "DelaySeconds", 0, 900) });
    return { MessageId: m.messageId, MD5OfMessageBody: m.md5OfBody };
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
        if (!QUEUE_NAME.test(name)) {
          throw invalidParam("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
        }
        const attributes = validateAttributes((input.Attributes ?? {}) as Record<string, unknown>);
        const q = store.create(name, ctx.region, attributes);
        return { QueueUrl: store.queueUrl(endpointOf(ctx), q.name) };
      },
      GetQueueAttributes: (input) => {
        const q = store.get(reader(input).reqStr("QueueUrl"));
        const names = (reader(input).list<string>("AttributeNames") ?? []).map(String);
        return { Attributes: names.length === 0 ? undefined : queueAttributes(q, names) };
      },
      SendMessage: (input) => send(store.get(reader(input).reqStr("QueueUrl")), input),
      SendMessageBatch: (input) => {
        const q = store.get(reader(input).reqStr("QueueUrl"));
        const entries = checkBatch(reader(input).list<Record<string, unknown>>("Entries"));
        const total = entries.reduce((n, e) => n + Buffer.byteLength(String(e.MessageBody ?? "")), 0);
        if (total > MAX_BATCH_BYTES) {
          throw sqsError(
            "BatchRequestTooLong",
            `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${total} bytes.`,
          );
        }
        return perEntry(entries, (e) => send(q, e));
      },
      ReceiveMessage: async (input) => {
        const q = store.get(reader(input).reqStr("QueueUrl"));
        const max = intParam(input, "MaxNumberOfMessages", 1, 10) ?? 1;
        const visibility =
          intParam(input, "VisibilityTimeout", 0, 43_200) ?? Number(q.attributes.VisibilityTimeout ?? 30);
        const wait =
          intParam(input, "WaitTimeSeconds", 0, 20) ?? Number(q.attributes.ReceiveMessageWaitTimeSeconds ?? 0);
        const names = [
          ...(reader(input).list<string>("AttributeNames") ?? []),
          ...(reader(input).list<string>("MessageSystemAttributeNames") ?? []),
        ].map(String);
        const deadline = Date.now() + wait * 1000;
        for (;;) {
          const got = store.take(q, max, visibility);
          const now = Date.now();
          if (got.length > 0 || now >= deadline || store.isClosed) {
            if (got.length === 0) return {};
            return {
              Messages: got.map((m) => ({
                MessageId: m.messageId,
                ReceiptHandle: m.receipt,
                MD5OfBody: m.md5OfBody,
                Body: m.body,
                Attributes: systemAttributes(m, names),
              })),
            };
          }
          const next = store.nextVisibleAt(q);
          const until = next !== undefined && next > now ? Math.min(deadline, next) : deadline;
          await store.wait(q.name, Math.max(1, until - now));
        }
      },
      DeleteMessageBatch: (input) => {
        const q = store.get(reader(input).reqStr("QueueUrl"));
        const entries = checkBatch(reader(input).list<Record<string, unknown>>("Entries"));
        return perEntry(entries, (e) => {
          store.deleteMessage(q, String(e.ReceiptHandle ?? ""));
          return {};
        });
      },
    },
  };
}
