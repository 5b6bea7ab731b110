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

  it("reads the standard AWS variables", () => {
    const config = loadConfig({ AWS_DEFAULT_REGION: "eu-west-1", AWS_ENDPOINT_URL: "http://127.0.0.1:4566" });
    expect(config.aws.region).toBe("eu-west-1");
    expect(config.aws.endpointUrl).toBe("http://127.0.0.1:4566");
  });

  it.each([
    [{ ECSMON_LEASE_TTL: "soon" }, /ECSMON_LEASE_TTL: expected a duration like "15s", got "soon"/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL/],
    [{ ECSMON_AWS_RPS: "-3" }, /ECSMON_AWS_RPS/],
  ])("names the bad variable in %j", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
