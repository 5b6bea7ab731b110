import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromRoot } from "../../lib/paths.js";
import { type AwsServer, startAwsServer } from "../../sim/aws/server.js";
import { createSsmService } from "../../sim/aws/services/ssm.js";

/**
 * The BUILT CLI (`node dist/cli/ecsmon.js`, built by `npm test`) as a child process against the simulator's SSM
 * endpoint over HTTP: apply, get, diff and the rejection of an invalid spec, with exit codes. Independent runs
 * go in parallel: each spawn pays Node's start-up. Finer cases run in-process in cli/commands/spec.test.ts.
 */

const CLI = fromRoot("dist", "cli", "ecsmon.js");
const FULL = fromRoot("crds-like-schemas", "examples", "full.yaml");

let server: AwsServer;
let dir: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  server = await startAwsServer({ services: [createSsmService()] });
  dir = mkdtempSync(join(tmpdir(), "ecsmon-cli-spec-"));
});

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with the simulator as the endpoint (the --endpoint-url flag, or AWS_ENDPOINT_URL when `viaEnv`). */
function ecsmon(args: string[], options: { parameter: string; viaEnv?: boolean }): Promise<Run> {
  const endpoint = options.viaEnv ? [] : ["--endpoint-url", server.url];
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_REGION: "us-east-1",
    // The simulator takes any static keys; the CLI always uses the SDK's default credential chain.
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    ECSMON_SPEC_PARAMETER: options.parameter,
    LOG_LEVEL: "silent",
    ...(options.viaEnv ? { AWS_ENDPOINT_URL: server.url } : {}),
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...endpoint, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("ecsmon spec (built CLI against the simulator's SSM)", () => {
  it("rejects an invalid spec, applies a valid one, gets it back and diffs it", async () => {
    const parameter = "/ecsmon/e2e/spec";
    const text = readFileSync(FULL, "utf8");
    const bad = file(
      "bad.yaml",
      "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters:\n    - name: prod\n      stats:\n        period: fast\n",
    );
    const large = file("large.yaml", `# ${"x".repeat(100)}\n`.repeat(45) + text);

    const [rejected, tooLarge, missing] = await Promise.all([
      ecsmon(["spec", "apply", bad], { parameter }),
      ecsmon(["spec", "apply", large], { parameter }),
      ecsmon(["spec", "validate", join(dir, "missing.yaml")], { parameter }),
    ]);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain(
      `${bad}: spec.clusters[0].stats.period: expected a duration like "1s", got "fast" (line 7, column 17)`,
    );
    expect(rejected.stderr).toContain(`refusing to store it in ${parameter}`);
    expect(tooLarge.code).toBe(1);
    expect(tooLarge.stderr).toMatch(
      /spec is [\d,]+ bytes: exceeds the Standard tier limit of 4 KB; store it with --tier Advanced \(up to 8 KB\)/,
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");

    const applied = await ecsmon(["spec", "apply", FULL], { parameter });
    expect(applied.stderr).not.toContain("ecsmon:");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(new RegExp(`^${parameter}: version 1 \\(2 clusters, `));

    const changed = file("changed.yaml", text.replace("interval: 15s", "interval: 30s"));
    const [get, same, diff] = await Promise.all([
      ecsmon(["spec", "get"], { parameter, viaEnv: true }),
      ecsmon(["spec", "diff", FULL], { parameter }),
      ecsmon(["spec", "diff", changed], { parameter }),
    ]);
    expect(get.code).toBe(0);
    expect(get.stdout).toBe(text);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain("no differences");
    expect(diff.code).toBe(1);
    expect(diff.stdout.split("\n")).toEqual([
      `--- ${parameter} (version 1)`,
      `+++ ${changed}`,
      '~ spec.clusters[0].scrape.interval: "15s" → "30s"',
      "",
    ]);
  });
});
