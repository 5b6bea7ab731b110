/** Input validation shared by the SQS operations (limits and messages from the SQS API reference). */
import { InputReader } from "../input.js";
import { ATTRIBUTE_RANGES, sqsError } from "./sqs-store.js";

/** SDK error shape → SQS query error code (the model's awsQueryError traits). */
export const SQS_QUERY_ERRORS: Record<string, string> = {
  BatchEntryIdsNotDistinct: "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
  BatchRequestTooLong: "AWS.SimpleQueueService.BatchRequestTooLong",
  EmptyBatchRequest: "AWS.SimpleQueueService.EmptyBatchRequest",
  InvalidBatchEntryId: "AWS.SimpleQueueService.InvalidBatchEntryId",
  QueueDoesNotExist: "AWS.SimpleQueueService.NonExistentQueue",
  QueueNameExists: "QueueAlreadyExists",
  TooManyEntriesInBatchRequest: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
};

export const QUEUE_NAME = /^[a-zA-Z0-9_-]{1,80}$/;
export const BATCH_ID = /^[a-zA-Z0-9_-]{1,80}$/;
export const MAX_BATCH = 10;
export const MAX_BATCH_BYTES = 1_048_576;

export const invalidParam = (message: string) => sqsError("InvalidParameterValue", message);
export const reader = (input: Record<string, unknown>) => new InputReader(input, "InvalidParameterValue");

export function intParam(input: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const raw = input[field];
  if (raw === undefined || raw === null) return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw invalidParam(
      `Value ${String(raw)} for parameter ${field} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
    );
  }
  return v;
}

/** Queue attributes: the numeric ones of ATTRIBUTE_RANGES only (no FIFO, redrive, KMS or policies). */
export function validateAttributes(attrs: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, raw] of Object.entries(attrs)) {
    const range = ATTRIBUTE_RANGES[k];
    if (!range) throw sqsError("InvalidAttributeName", `Unknown Attribute ${k}.`);
    const v = String(raw);
    const n = Number(v);
    if (!Number.isInteger(n) || n < range[0] || n > range[1]) {
      throw sqsError(
        "InvalidAttributeValue",
        `Invalid value for the parameter ${k}. Reason: Must be between ${range[0]} and ${range[1]}.`,
      );
    }
    out[k] = v;
  }
  return out;
}

/** Characters SQS accepts in bodies: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF. */
export function validBody(body: string): boolean {
  for (const ch of body) {
    const c = ch.codePointAt(0) as number;
    if (c === 9 || c === 10 || c === 13 || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000)
      continue;
    return false;
  }
  return true;
}
