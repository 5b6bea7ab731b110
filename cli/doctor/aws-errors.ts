import type { AwsCallContext } from "../../lib/aws/describe-error.js";
import { describeAwsError } from "../../lib/aws/describe-error.js";
import { awsErrorCode } from "../../lib/aws/instrument.js";
import type { CheckOutcome } from "./check.js";

const ACCESS_DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"]);
const BAD_CREDENTIALS = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "ExpiredTokenException",
  "IncompleteSignature",
]);

/**
 * A failed AWS call as a doctor outcome: the one-line description, and a fix that depends on the kind of
 * failure (IAM permission, rejected credentials, no credentials, unreachable or silent endpoint).
 */
export function awsFailure(error: unknown, context: AwsCallContext & { action: string }): CheckOutcome {
  const code = awsErrorCode(error);
  const detail = describeAwsError(error, context).replace(`${context.call}: `, "");
  if (ACCESS_DENIED.has(code)) {
    return {
      status: "fail",
      detail,
      fix: `allow ${context.action} for this identity (the task role in charts/iam-policies.ts grants exactly what ecsmon needs)`,
    };
  }
  if (BAD_CREDENTIALS.has(code)) {
    return {
      status: "fail",
      detail,
      fix: "AWS rejected the credentials: check the keys or profile in use, that they are for this partition, and the system clock",
    };
  }
  if ((error as Error)?.name === "CredentialsProviderError") {
    return {
      status: "fail",
      detail,
      fix: "provide credentials: a task role, AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
    };
  }
  if (!(error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode) {
    return {
      status: "fail",
      detail,
      fix: `check the network path to ${context.endpointUrl ?? `AWS in ${context.region}`} (--endpoint-url, proxy, VPC endpoint), or raise --aws-request-timeout`,
    };
  }
  return { status: "fail", detail };
}
