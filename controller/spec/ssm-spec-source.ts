import { GetParameterCommand, type GetParameterCommandOutput } from "@aws-sdk/client-ssm";

/** The one SSM call the spec source makes; an `SSMClient` satisfies it. */
export interface SsmGetParameterApi {
  send(command: GetParameterCommand, options?: { abortSignal?: AbortSignal }): Promise<GetParameterCommandOutput>;
}

/** What reading the spec parameter produced. Never an exception. */
export type SpecFetchResult =
  | { kind: "found"; text: string; version: number; lastModified?: Date | undefined }
  | { kind: "notFound"; message: string }
  /** Network error, timeout, throttling or a 5xx: worth retrying with backoff. */
  | { kind: "unreachable"; message: string; throttled: boolean }
  /** Any other SSM error (access denied, KMS key problems, validation): retried with backoff too, but reported as such. */
  | { kind: "failed"; reason: string; message: string };

interface AwsErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

const THROTTLING_CODES = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ProvisionedThroughputExceededException",
]);

/** Sorts an SSM/SDK error into the {@link SpecFetchResult} kinds. */
export function classifySsmError(error: unknown): Exclude<SpecFetchResult, { kind: "found" }> {
  const e = (error ?? {}) as AwsErrorLike;
  const name = e.name ?? "Error";
  const message = e.message || name;
  if (name === "ParameterNotFound" || name === "ParameterVersionNotFound") return { kind: "notFound", message };
  const status = e.$metadata?.httpStatusCode;
  const throttled = THROTTLING_CODES.has(name) || e.$retryable?.throttling === true || status === 429;
  if (throttled) return { kind: "unreachable", message: `throttled: ${message}`, throttled: true };
  if (e.$fault === "server" || (status !== undefined && status >= 500)) {
    return { kind: "unreachable", message: `${name}: ${message}`, throttled: false };
  }
  // No HTTP status at all: the request never got an answer (connection refused, reset, DNS, timeout, abort).
  if (status === undefined) return { kind: "unreachable", message: `${name}: ${message}`, throttled: false };
  const reason = name === "AccessDeniedException" ? "AccessDenied" : "SsmError";
  return { kind: "failed", reason, message: `${name}: ${message}` };
}

/**
 * Reads the spec parameter with `GetParameter` (`WithDecryption: true`, so a SecureString comes back in clear)
 * and sorts the outcome. `timeoutMs` bounds the whole call including SDK retries.
 */
export async function fetchSpecParameter(
  ssm: SsmGetParameterApi,
  parameterName: string,
  timeoutMs = 10_000,
): Promise<SpecFetchResult> {
  try {
    const output = await ssm.send(new GetParameterCommand({ Name: parameterName, WithDecryption: true }), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
    const parameter = output.Parameter;
    if (!parameter || parameter.Value === undefined) {
      return { kind: "failed", reason: "SsmError", message: "GetParameter returned no value" };
    }
    return {
      kind: "found",
      text: parameter.Value,
      version: parameter.Version ?? 0,
      lastModified: parameter.LastModifiedDate,
    };
  } catch (error) {
    return classifySsmError(error);
  }
}
