import { formatDuration } from "../duration.js";
import { awsErrorCode, awsErrorStatus } from "./instrument.js";

/** What a message about a failed AWS call may mention: where it went and the limits it ran under. */
export interface AwsCallContext {
  /** e.g. "SSM GetParameter" */
  call: string;
  region: string;
  endpointUrl?: string | undefined;
  connectTimeoutMs?: number | undefined;
  requestTimeoutMs?: number | undefined;
}

interface NetworkErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { attempts?: number };
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EPIPE: "connection closed",
};

/**
 * One line that says what failed and how to fix it, for an error thrown by an SDK call:
 * - a timeout names the limit and the setting that controls it,
 * - missing credentials name the places the default provider chain looked,
 * - a network error names the endpoint,
 * - an AWS error keeps its code and message, e.g. `SSM GetParameter: AccessDeniedException: …`.
 */
export function describeAwsError(error: unknown, context: AwsCallContext): string {
  const e = (error ?? {}) as NetworkErrorLike;
  const where = context.endpointUrl ?? `the ${context.region} regional endpoint`;
  const attempts = e.$metadata?.attempts;
  const tries = attempts && attempts > 1 ? ` (${attempts} attempts)` : "";
  const message = e.message ?? String(error);

  if (e.name === "CredentialsProviderError" || /Could not load credentials/i.test(message)) {
    return (
      `${context.call}: no AWS credentials found. The SDK's default chain looked at AWS_ACCESS_KEY_ID/` +
      "AWS_SECRET_ACCESS_KEY, AWS_PROFILE and the shared config files, web identity, container credentials and " +
      "the instance metadata service. For the simulator or LocalStack any static keys do " +
      "(AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test)."
    );
  }
  if (e.name === "TimeoutError" || e.code === "ETIMEDOUT") {
    if (/without establishing a connection/i.test(message)) {
      const limit = context.connectTimeoutMs ? ` within ${formatDuration(context.connectTimeoutMs)}` : "";
      return `${context.call}: could not connect to ${where}${limit}${tries} (connect timeout: ECSMON_AWS_CONNECT_TIMEOUT or --aws-connect-timeout)`;
    }
    const limit = context.requestTimeoutMs ? ` within ${formatDuration(context.requestTimeoutMs)}` : "";
    return `${context.call}: no response from ${where}${limit}${tries} (request timeout: ECSMON_AWS_REQUEST_TIMEOUT or --aws-request-timeout; attempts: AWS_MAX_ATTEMPTS or --aws-max-attempts)`;
  }
  const network = e.code ? NETWORK_CODES[e.code] : undefined;
  if (network && awsErrorStatus(error) === undefined) {
    return `${context.call}: ${network} at ${where}${tries}`;
  }
  const code = awsErrorCode(error);
  const prefix = code && code !== "Error" && !message.startsWith(code) ? `${code}: ` : "";
  return `${context.call}: ${prefix}${message}`;
}
