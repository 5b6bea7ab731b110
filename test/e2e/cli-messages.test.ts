import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromRoot } from "../../lib/paths.js";
import { type AwsServer, startAwsServer } from "../../sim/aws/server.js";

import { createSsmService } from "../../sim/aws/services/ssm.js";
import { clusterSpec } from "../helpers/put-spec.js";

/**
 * Messages and exit codes of the BUILT CLI as a user meets them: bad global flags and variables are usage
 * errors (exit 2) naming the flag or variable; a reader that closes the pipe early gets no stack trace; a spec
 * on stdin is called `<stdin>` everywhere; `version` and `--version` name the build's commit and Node.
 */

const CLI = fromRoot("dist", "cli", "ecsmon.js");
let ssm: AwsServer;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  ssm = await startAwsServer({ services: [createSsmService()] });
});

afterAll(async () => {
  await ssm?.close();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function ecsmon(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: {
        PATH: process.env.PATH ?? "",
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_REGION: "us-east-1",
        ...options.env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.stdin.end(options.input ?? "");
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const STACK_LINE = /\n\s+at /;

describe("bad global flags and variables are usage errors (exit 2) that name them", () => {
  it.each([
    { args: ["--log-level", "loud", "schema"], says: ["--log-level", "'loud'", "trace, debug, info"] },
    { args: ["--endpoint-url", "not-a-url", "spec", "get"], says: ["--endpoint-url", "expected an http(s) URL"] },
    { args: ["--endpoint-url", "ftp://x", "spec", "get"], says: ["--endpoint-url", 'the scheme "ftp"'] },
    { args: ["--aws-request-timeout", "soon", "spec", "get"], says: ["--aws-request-timeout", '"soon"'] },
    { args: ["--aws-max-attempts", "0", "spec", "get"], says: ["--aws-max-attempts", "at least 1"] },
    { args: ["--region", "Mars", "spec", "get"], says: ["--region", "eu-west-1"] },
  ])("$args", async ({ args, says }) => {
    const result = await ecsmon(args);
    expect(result.code).toBe(2);
    for (const text of says) expect(result.stderr).toContain(text);
    expect(result.stderr).not.toContain("TypeError");
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it.each<{ env: Record<string, string>; says: string }>([
    { env: { LOG_LEVEL: "loud" }, says: "LOG_LEVEL" },
    { env: { AWS_ENDPOINT_URL: "not-a-url" }, says: "AWS_ENDPOINT_URL: expected an http(s) URL" },
    { env: { ECSMON_AWS_REQUEST_TIMEOUT: "soon" }, says: "ECSMON_AWS_REQUEST_TIMEOUT" },
  ])("$env", async ({ env, says }) => {
    const result = await ecsmon(["spec", "get"], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(says);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });
});

describe("a reader that closes the pipe early", () => {
  it("gets no EPIPE stack trace (as `ecsmon … | head`)", async () => {
    const result = await new Promise<Run>((resolve) => {
      const child = spawn(process.execPath, [CLI, "schema"], { env: { PATH: process.env.PATH ?? "" } });
      // Close our end before the CLI writes: its first write meets a pipe without a reader.
      child.stdout.destroy();
      let stderr = "";
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      child.on("close", (code) => resolve({ code, stdout: "", stderr }));
    });
    expect(result.stderr).not.toContain("EPIPE");
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.code).toBe(0);
  });
});

describe("spec validate on stdin", () => {
  const header = clusterSpec("prod");

  it("names <stdin> in the errors and in the summary", async () => {
    const result = await ecsmon(["spec", "validate", "-"], { input: `${header}      bogus: 1\n` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('<stdin>: spec.clusters[0].bogus: unknown field "bogus"');
    expect(result.stderr).toContain("<stdin>: invalid (1 error)");
    expect(result.stderr).not.toMatch(/^-: /m);
  });

  it("says <stdin>: valid, and <stdin> in --json", async () => {
    const valid = await ecsmon(["spec", "validate", "-"], { input: header });
    expect(valid.code).toBe(0);
    expect(valid.stdout).toMatch(/^<stdin>: valid \(1 cluster, /);
    const json = await ecsmon(["spec", "validate", "--json", "-"], { input: header });
    expect(JSON.parse(json.stdout)).toMatchObject({ file: "<stdin>", valid: true });
  });

  it("applies from stdin against the simulator's SSM", async () => {
    const result = await ecsmon(["--endpoint-url", ssm.url, "spec", "apply", "--parameter", "/stdin/spec", "-"], {
      input: header,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("/stdin/spec: version 1");
  });
});

describe("version", () => {
  const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: fromRoot(), encoding: "utf8" }).trim();
  const built = JSON.parse(readFileSync(fromRoot("dist", "build-info.json"), "utf8")) as { commit: string };
  const version = (JSON.parse(readFileSync(fromRoot("package.json"), "utf8")) as { version: string }).version;

  it("records the commit the build came from", () => {
    // The build may predate the latest commit in a working tree, but it is a real commit, not "unknown".
    expect(built.commit).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    expect(head).toMatch(/^[0-9a-f]{40}$/);
  });

  it("`ecsmon version` prints the package version, the commit and Node's version", async () => {
    const result = await ecsmon(["version"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`ecsmon ${version}\ncommit ${built.commit}\nnode   ${process.version}\n`);
    const json = await ecsmon(["version", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual({ version, commit: built.commit, node: process.version });
  });

  it("`ecsmon --version` prints the same on one line", async () => {
    const result = await ecsmon(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`ecsmon ${version} (commit ${built.commit}, node ${process.version})\n`);
  });
});
