import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { fromRoot } from "../../lib/paths.js";
import { type AwsServer, startAwsServer } from "../../sim/aws/server.js";
import { createSsmService } from "../../sim/aws/services/ssm.js";
import { type CliRun, runCli } from "../run-main.test-helpers.js";

/** `ecsmon spec` and `ecsmon schema` run in-process through main(), against the simulator's SSM over HTTP. */

const FULL = fromRoot("crds-like-schemas", "examples", "full.yaml");
const HEADER = "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters:\n    - name: prod\n";

let server: AwsServer;
let dir: string;

beforeAll(async () => {
  server = await startAwsServer({ services: [createSsmService()] });
  dir = mkdtempSync(join(tmpdir(), "ecsmon-spec-cmd-"));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

/** Runs `ecsmon <args>` in-process against the simulator's SSM. */
function run(...args: string[]): Promise<CliRun> {
  const global = ["--log-level", "silent", "--region", "us-east-1", "--endpoint-url", server.url];
  return runCli([...global, ...args]);
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("ecsmon spec validate", () => {
  it.each([
    { name: "valid", text: HEADER, code: 0, out: "valid (1 cluster, " },
    {
      name: "invalid",
      text: `${HEADER}      scheme: http\n`,
      code: 1,
      err: 'spec.clusters[0].scheme: unknown field "scheme"',
    },
    { name: "garbage", text: "][", code: 1, err: "invalid YAML" },
    {
      name: "too large for any tier",
      text: `${HEADER}${"#".repeat(9_000)}\n`,
      code: 1,
      err: "exceeds the Advanced tier limit",
    },
  ])("$name → exit $code", async ({ name, text, code, out, err }) => {
    const path = file(`${name.replaceAll(" ", "-")}.yaml`, text);
    const result = await run("spec", "validate", path);
    expect(result.code).toBe(code);
    if (out) expect(result.stdout).toContain(out);
    if (err) expect(result.stderr).toContain(err);
  });

  it("is a usage error (exit 2) without a file or with a missing one", async () => {
    expect((await run("spec", "validate")).code).toBe(2);
    expect((await run("spec", "validate", join(dir, "nope.yaml"))).code).toBe(2);
  });

  it("--json reports errors with positions", async () => {
    const path = file("json.yaml", `${HEADER}      stats: { period: 2m }\n`);
    const result = await run("spec", "validate", "--json", path);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: false,
      requiredTier: "Standard",
      errors: [
        { path: "spec.clusters[0].stats.period", line: 6, column: 24, message: 'must be between 1s and 60s, got "2m"' },
      ],
    });
  });
});

describe("ecsmon spec validate: size and format", () => {
  it("a valid spec too large for SSM is not called valid: exit 1, says valid but too large", async () => {
    const path = file("huge.yaml", `${HEADER}${"#".repeat(9_000)}\n`);
    const result = await run("spec", "validate", path);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).not.toContain("valid (");
    expect(result.stderr).toContain(`${path}: the spec is valid, but too large for the SSM Standard tier`);
    expect(result.stderr).toContain("exceeds the Advanced tier limit of 8 KB");
  });

  it("exits as `spec apply --tier` would: 5 KB fails the Standard tier and passes the Advanced one", async () => {
    const path = file("five-kb.yaml", `${HEADER}${"#".repeat(5_000)}\n`);
    const standard = await run("spec", "validate", path);
    expect(standard.code).toBe(1);
    expect(standard.stderr).toContain("store it with --tier Advanced");
    const advanced = await run("spec", "validate", "--tier", "Advanced", path);
    expect(advanced.code).toBe(0);
    expect(advanced.stdout).toContain("valid (1 cluster, ");
    const json = JSON.parse((await run("spec", "validate", "--json", path)).stdout);
    expect(json).toMatchObject({ valid: true, fitsTier: false, tier: "Standard", requiredTier: "Advanced" });
  });

  it("parses a .json file strictly: a trailing comma is an error with its line and column", async () => {
    const text =
      '{\n  "apiVersion": "ecsmon.dev/v1alpha1",\n  "kind": "MonitoringSpec",\n  "spec": { "clusters": [{ "name": "prod" },] }\n}\n';
    const json = file("trailing.json", text);
    const result = await run("spec", "validate", json);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${json}: invalid JSON: trailing comma before "]" (JSON allows none) (line 4, column 44)`,
    );
    // The same text as YAML is accepted (flow sequences allow a trailing comma).
    expect((await run("spec", "validate", file("trailing.yaml", text))).code).toBe(0);
  });

  it("rejects what CloudWatch and ECS would reject", async () => {
    const path = file(
      "aws-names.yaml",
      'apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters:\n    - name: "my cluster"\n      stats: { namespace: "AWS/ECS" }\n',
    );
    const result = await run("spec", "validate", path);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("spec.clusters[0].name: expected an ECS cluster name");
    expect(result.stderr).toContain('spec.clusters[0].stats.namespace: namespaces starting with "AWS/" are reserved');
  });
});

describe("ecsmon spec apply/diff --json", () => {
  it("apply --json reports the stored version; diff --json lists the changes with diff(1) exit codes", async () => {
    const base = file("json-base.yaml", HEADER);
    const applied = await run("spec", "apply", "--json", "--parameter", "/t/json", base);
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({
      file: base,
      parameter: "/t/json",
      stored: true,
      version: 1,
      type: "String",
      clusters: 1,
      errors: [],
    });

    const same = await run("spec", "diff", "--json", "--parameter", "/t/json", base);
    expect(same.code).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({ found: true, version: 1, identical: true, changes: [] });

    const next = file("json-next.yaml", `${HEADER}      scrape: { interval: 30s }\n`);
    const changed = await run("spec", "diff", "--json", "--parameter", "/t/json", next);
    expect(changed.code).toBe(1);
    expect(JSON.parse(changed.stdout)).toMatchObject({
      identical: false,
      changes: [{ op: "~", path: "spec.clusters[0].scrape.interval", before: "15s", after: "30s" }],
    });

    const missing = await run("spec", "diff", "--json", "--parameter", "/t/json-none", base);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ found: false, identical: false });

    const invalid = await run(
      "spec",
      "apply",
      "--json",
      "--parameter",
      "/t/json",
      file("json-bad.yaml", `${HEADER}      bogus: 1\n`),
    );
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stdout)).toMatchObject({
      stored: false,
      valid: false,
      errors: [{ path: "spec.clusters[0].bogus" }],
    });
  });
});

describe("ecsmon spec apply/get/diff", () => {
  it("--dry-run writes nothing", async () => {
    const dry = await run("spec", "apply", "--dry-run", "--parameter", "/t/dry", FULL);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("dry run: would write /t/dry");
    expect((await run("spec", "get", "--parameter", "/t/dry")).code).toBe(1);
  });

  it("stores large specs only in the Advanced tier, and SecureString round-trips", async () => {
    const large = file("large.yaml", `${"# padding\n".repeat(450)}${readFileSync(FULL, "utf8")}`);
    const refused = await run("spec", "apply", "--parameter", "/t/large", large);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("store it with --tier Advanced (up to 8 KB)");

    const stored = await run(
      "spec",
      "apply",
      "--parameter",
      "/t/large",
      "--tier",
      "Advanced",
      "--type",
      "SecureString",
      large,
    );
    expect(stored.code).toBe(0);
    expect(stored.stdout).toContain("/t/large: version 1 (2 clusters, ");
    const got = await run("spec", "get", "--json", "--parameter", "/t/large");
    expect(JSON.parse(got.stdout)).toMatchObject({
      parameter: "/t/large",
      version: 1,
      type: "SecureString",
      valid: true,
    });

    const again = await run("spec", "apply", "--parameter", "/t/large", "--tier", "Advanced", FULL);
    expect(again.code).toBe(0);
    const kept = await run("spec", "get", "--json", "--parameter", "/t/large");
    expect(JSON.parse(kept.stdout)).toMatchObject({ version: 2, type: "SecureString" });
  });

  it("diff shows additions, removals and changes, stored → file", async () => {
    const base = file("base.yaml", `${HEADER}      region: eu-west-1\n    - name: second\n`);
    expect((await run("spec", "apply", "--parameter", "/t/diff", base)).code).toBe(0);
    const next = file("next.yaml", `${HEADER}      scrape: { scheme: https }\n      cloudMap: { namespaces: [a] }\n`);
    const diff = await run("spec", "diff", "--parameter", "/t/diff", next);
    expect(diff.code).toBe(1);
    expect(diff.stdout.split("\n").slice(2)).toEqual([
      '- spec.clusters[0].region: "eu-west-1"',
      '~ spec.clusters[0].scrape.scheme: "http" → "https"',
      '+ spec.clusters[0].cloudMap.namespaces[0]: "a"',
      expect.stringMatching(/^- spec\.clusters\[1\]: \{"name":"second",/),
      "",
    ]);
  });

  it("diff exits 2 for an invalid spec file", async () => {
    const invalid = file("invalid.yaml", `${HEADER}      stats: { period: x }\n`);
    const local = await run("spec", "diff", "--parameter", "/t/diff", invalid);
    expect(local.code).toBe(2);
    expect(local.stderr).toContain("spec.clusters[0].stats.period");
  });

  it("diff exits 2 when the stored spec is invalid, naming its errors", async () => {
    const ssm = new SSMClient({
      region: "us-east-1",
      endpoint: server.url,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    await ssm.send(new PutParameterCommand({ Name: "/t/garbage", Value: `${HEADER}      bogus: 1\n`, Type: "String" }));
    ssm.destroy();
    const result = await run("spec", "diff", "--parameter", "/t/garbage", FULL);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ssm:/t/garbage: spec.clusters[0].bogus: unknown field "bogus"');
    expect(result.stderr).toContain("is invalid; cannot compare");
  });

  it("get reports a missing parameter with exit 1", async () => {
    const result = await run("spec", "get", "--parameter", "/t/none");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("parameter /t/none not found");
  });
});

describe("ecsmon schema", () => {
  it.each(["monitoring-spec", "node-sync", "target-health", "capacity", "heartbeat", "cluster-summary", "api-status"])(
    "--contract %s",
    async (name) => {
      const result = await run("schema", "--contract", name);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(
        readFileSync(fromRoot("crds-like-schemas", "generated", `${name}.schema.json`), "utf8"),
      );
    },
  );

  it("rejects an unknown contract with exit 2", async () => {
    expect((await run("schema", "--contract", "nope")).code).toBe(2);
  });
});
