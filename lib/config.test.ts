import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("applies defaults to an empty environment", () => {
    const config = loadConfig({});
    expect(config.aws.region).toBe("us-east-1");
    expect(config.controller.specParameter).toBe("/ecsmon/spec");
    expect(config.controller.leaseTtlMs).toBe(15_000);
    expect(config.aws.requestsPerSecond).toBe(10);
  });

  it("bounds every AWS call by default and reads the timeout and retry settings", () => {
    expect(loadConfig({}).aws).toMatchObject({
      connectTimeoutMs: 5_000,
      requestTimeoutMs: 15_000,
      maxAttempts: 3,
      retryMode: "adaptive",
    });
    const tuned = loadConfig({
      ECSMON_AWS_CONNECT_TIMEOUT: "2s",
      ECSMON_AWS_REQUEST_TIMEOUT: "500ms",
      AWS_MAX_ATTEMPTS: "5",
      AWS_RETRY_MODE: "standard",
    });
    expect(tuned.aws).toMatchObject({
      connectTimeoutMs: 2_000,
      requestTimeoutMs: 500,
      maxAttempts: 5,
      retryMode: "standard",
    });
  });

  it("leaves credentials to the SDK's default chain", () => {
    const config = loadConfig({ AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s" });
    expect(JSON.stringify(config)).not.toContain("AKIA");
  });

  it("reads the standard AWS variables", () => {
    const config = loadConfig({ AWS_DEFAULT_REGION: "eu-west-1", AWS_ENDPOINT_URL: "http://127.0.0.1:4566" });
    expect(config.aws.region).toBe("eu-west-1");
    expect(config.aws.endpointUrl).toBe("http://127.0.0.1:4566");
  });

  it.each([
    [{ ECSMON_LEASE_TTL: "soon" }, /ECSMON_LEASE_TTL: expected a duration like "15s", got "soon"/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL/],
    [{ ECSMON_AWS_RPS: "-3" }, /ECSMON_AWS_RPS/],
    [
      { AWS_ENDPOINT_URL: "not-a-url" },
      /AWS_ENDPOINT_URL: expected an http\(s\) URL such as http:\/\/127.0.0.1:4566, got "not-a-url"/,
    ],
    [{ AWS_ENDPOINT_URL: "s3://bucket" }, /AWS_ENDPOINT_URL: .*the scheme "s3"/],
    [{ ECSMON_AWS_REQUEST_TIMEOUT: "soon" }, /ECSMON_AWS_REQUEST_TIMEOUT/],
    [{ AWS_RETRY_MODE: "legacy" }, /AWS_RETRY_MODE/],
  ])("names the bad variable in %j", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
