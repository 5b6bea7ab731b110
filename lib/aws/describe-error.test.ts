import { describe, expect, it } from "vitest";
import { describeAwsError } from "./describe-error.js";

const context = {
  call: "SSM GetParameter",
  region: "eu-west-1",
  endpointUrl: "http://127.0.0.1:4566",
  connectTimeoutMs: 5_000,
  requestTimeoutMs: 15_000,
};

/** Error shapes as @smithy/node-http-handler and the SDK throw them (name, code, message, $metadata). */
describe("describeAwsError", () => {
  it.each([
    {
      name: "request timeout",
      error: Object.assign(
        new Error("@smithy/node-http-handler - [ERROR] a request has exceeded the configured 15000 ms requestTimeout."),
        {
          name: "TimeoutError",
          code: "ETIMEDOUT",
          $metadata: { attempts: 3 },
        },
      ),
      says: "SSM GetParameter: no response from http://127.0.0.1:4566 within 15s (3 attempts) (request timeout: ECSMON_AWS_REQUEST_TIMEOUT or --aws-request-timeout",
    },
    {
      name: "connect timeout",
      error: Object.assign(new Error("Socket timed out without establishing a connection within 5000 ms"), {
        name: "TimeoutError",
      }),
      says: "SSM GetParameter: could not connect to http://127.0.0.1:4566 within 5s (connect timeout: ECSMON_AWS_CONNECT_TIMEOUT",
    },
    {
      name: "no credentials",
      error: Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      }),
      says: "SSM GetParameter: no AWS credentials found.",
    },
    {
      name: "connection refused",
      error: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4566"), { code: "ECONNREFUSED" }),
      says: "SSM GetParameter: connection refused at http://127.0.0.1:4566",
    },
    {
      name: "an AWS error",
      error: Object.assign(new Error("User is not authorized to perform: ssm:GetParameter"), {
        name: "AccessDeniedException",
        $metadata: { httpStatusCode: 400 },
      }),
      says: "SSM GetParameter: AccessDeniedException: User is not authorized to perform: ssm:GetParameter",
    },
  ])("$name", ({ error, says }) => {
    expect(describeAwsError(error, context)).toContain(says);
  });

  it("names the regional endpoint when there is no override", () => {
    const error = Object.assign(new Error("getaddrinfo ENOTFOUND ssm.eu-west-9.amazonaws.com"), { code: "ENOTFOUND" });
    expect(describeAwsError(error, { ...context, endpointUrl: undefined })).toBe(
      "SSM GetParameter: host not found at the eu-west-1 regional endpoint",
    );
  });
});
