import { describe, expect, it } from "vitest";
import { refuseHost, refusePath, refuseReason } from "./address-policy.js";

describe("refuseReason", () => {
  const cases: Array<[string, { address: string; scheme: "http" | "https"; metricsPath: string }, RegExp | undefined]> =
    [
      ["plain target", { address: "10.0.1.5:8080", scheme: "http", metricsPath: "/metrics" }, undefined],
      ["loopback", { address: "127.0.0.1:9100", scheme: "https", metricsPath: "/internal/metrics?x=1" }, undefined],
      ["IMDS", { address: "169.254.169.254:80", scheme: "http", metricsPath: "/metrics" }, /link-local/],
      ["task metadata", { address: "169.254.170.2:80", scheme: "http", metricsPath: "/v2/credentials" }, /link-local/],
      ["unspecified", { address: "0.0.0.0:80", scheme: "http", metricsPath: "/metrics" }, /unspecified/],
      ["broadcast", { address: "255.255.255.255:80", scheme: "http", metricsPath: "/metrics" }, /broadcast/],
      ["hostname", { address: "metadata.google.internal:80", scheme: "http", metricsPath: "/" }, /not an IP/],
      ["dot-dot", { address: "10.0.0.1:80", scheme: "http", metricsPath: "/a/../../latest/meta-data" }, /"\.\."/],
      ["full URL", { address: "10.0.0.1:80", scheme: "http", metricsPath: "/http://169.254.169.254/" }, /URL/],
      ["userinfo", { address: "10.0.0.1:80", scheme: "http", metricsPath: "/@169.254.169.254" }, /"@"/],
      ["protocol-relative", { address: "10.0.0.1:80", scheme: "http", metricsPath: "//169.254.169.254/x" }, /single/],
      ["backslash", { address: "10.0.0.1:80", scheme: "http", metricsPath: "/\\evil" }, /forbidden character/],
      ["encoded dot", { address: "10.0.0.1:80", scheme: "http", metricsPath: "/%2e%2e/x" }, /encoded/],
      ["port zero", { address: "10.0.0.1:0", scheme: "http", metricsPath: "/metrics" }, /out of range/],
    ];
  for (const [name, target, expected] of cases) {
    it(name, () => {
      const reason = refuseReason(target);
      if (expected === undefined) expect(reason).toBeUndefined();
      else expect(reason).toMatch(expected);
    });
  }
});

describe("refuseHost (IPv6)", () => {
  it.each([
    ["fd00:ec2::254", /metadata/],
    ["[fd00:ec2::254]", /metadata/],
    ["FD00:EC2:0:0:0:0:0:254", /metadata/],
    ["fe80::1", /link-local/],
    ["::ffff:169.254.169.254", /link-local/],
    ["::", /unspecified/],
  ])("%s is refused", (host, expected) => {
    expect(refuseHost(host)).toMatch(expected);
  });
  it("allows a global IPv6 address", () => {
    expect(refuseHost("2600:1f18::1")).toBeUndefined();
  });
  it("allows a query string", () => {
    expect(refusePath("/metrics?format=prometheus")).toBeUndefined();
  });
});
