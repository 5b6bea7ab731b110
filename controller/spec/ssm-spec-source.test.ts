import { describe, expect, it } from "vitest";
import { classifySsmError } from "./ssm-spec-source.js";

const awsError = (name: string, status: number | undefined, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $metadata: status === undefined ? undefined : { httpStatusCode: status },
    ...extra,
  });

describe("classifySsmError", () => {
  it.each([
    { error: awsError("ParameterNotFound", 400), kind: "notFound" },
    { error: awsError("ParameterVersionNotFound", 400), kind: "notFound" },
    { error: awsError("ThrottlingException", 400), kind: "unreachable", throttled: true },
    {
      error: awsError("SomethingElse", 400, { $retryable: { throttling: true } }),
      kind: "unreachable",
      throttled: true,
    },
    { error: awsError("InternalServerError", 500, { $fault: "server" }), kind: "unreachable", throttled: false },
    { error: awsError("ServiceUnavailable", 503), kind: "unreachable", throttled: false },
    {
      error: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
      kind: "unreachable",
    },
    { error: awsError("TimeoutError", undefined), kind: "unreachable" },
    { error: awsError("AccessDeniedException", 400), kind: "failed", reason: "AccessDenied" },
    { error: awsError("InvalidKeyId", 400), kind: "failed", reason: "SsmError" },
    { error: undefined, kind: "unreachable" },
  ])("$error.name → $kind", ({ error, kind, ...rest }) => {
    expect(classifySsmError(error)).toMatchObject({ kind, ...rest });
  });
});
