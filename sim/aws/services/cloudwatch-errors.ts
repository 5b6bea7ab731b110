import { AwsError } from "../service.js";

/** CloudWatch error helpers. Codes are the SDK shape names; the front maps them to query codes. */
export const invalidValue = (message: string) => new AwsError("InvalidParameterValueException", message);
export const missing = (param: string) =>
  new AwsError("MissingRequiredParameterException", `The parameter ${param} is required.`);
export const combination = (message: string) => new AwsError("InvalidParameterCombinationException", message);

/** SDK error shape → CloudWatch query error code (the model's awsQueryError traits). */
export const CLOUDWATCH_QUERY_ERRORS: Record<string, string> = {
  InvalidParameterValueException: "InvalidParameterValue",
  InvalidParameterCombinationException: "InvalidParameterCombination",
  MissingRequiredParameterException: "MissingParameter",
  InternalServiceFault: "InternalServiceError",
  InvalidNextToken: "InvalidNextToken",
  LimitExceededFault: "LimitExceeded",
  InvalidFormatFault: "InvalidFormat",
  ResourceNotFound: "ResourceNotFound",
  ValidationException: "ValidationError",
};

/** Parses a JSON (epoch seconds) or query (ISO 8601) timestamp. */
export function parseTimestamp(raw: unknown, param: string): Date {
  let ms: number;
  if (raw instanceof Date) ms = raw.getTime();
  else if (typeof raw === "number") ms = raw * 1000;
  else if (typeof raw === "string" && /^-?\d+(\.\d+)?$/.test(raw)) ms = Number(raw) * 1000;
  else if (typeof raw === "string") ms = Date.parse(raw);
  else ms = Number.NaN;
  if (!Number.isFinite(ms)) throw invalidValue(`The value ${String(raw)} for parameter ${param} is invalid.`);
  return new Date(ms);
}

/** StartTime and EndTime of a read (GetMetricData, GetMetricStatistics) as epoch ms; start must precede end. */
export function parseTimeRange(input: Record<string, unknown>): { start: number; end: number } {
  if (input.StartTime === undefined || input.StartTime === null) throw missing("StartTime");
  if (input.EndTime === undefined || input.EndTime === null) throw missing("EndTime");
  const start = parseTimestamp(input.StartTime, "StartTime").getTime();
  const end = parseTimestamp(input.EndTime, "EndTime").getTime();
  if (start >= end) throw invalidValue("The parameter StartTime must be less than the parameter EndTime.");
  return { start, end };
}
