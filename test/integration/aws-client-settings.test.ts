import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from "node:http";
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromRoot } from "../../lib/paths.js";

/**
 * The AWS clients as a user meets them, through the BUILT CLI (dist/cli/ecsmon.js) with a clean environment:
 * - credentials come from the SDK's default chain even with --endpoint-url: a profile-only setup signs with the
 *   profile's key (SigV4 `Credential=<key id>/<date>/<region>/<service>/aws4_request`), never a built-in `test`;
 * - an endpoint that accepts connections and never answers fails the command within the configured request
 *   timeout × attempts, with a message naming the limit and the settings that control it.
 */

const CLI = fromRoot("dist", "cli", "ecsmon.js");
const PROFILE_KEY_ID = "AKIAPROFILEONLY12345";

let dir: string;
let capturing: Server;
let captured: IncomingHttpHeaders[] = [];
let silent: TcpServer;
const held: Socket[] = [];
/** When each connection to the silent endpoint was accepted (ms since the epoch). */
let connections: number[] = [];

const listen = (server: Server | TcpServer) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  dir = mkdtempSync(join(tmpdir(), "ecsmon-aws-settings-"));
  writeFileSync(
    join(dir, "credentials"),
    `[default]\naws_access_key_id = AKIADEFAULTWRONG0000\naws_secret_access_key = wrong\n\n[ops]\naws_access_key_id = ${PROFILE_KEY_ID}\naws_secret_access_key = profile-secret\n`,
  );
  writeFileSync(join(dir, "config"), "[profile ops]\noutput = json\n");
  // Answers like SSM GetParameter (JSON 1.1) and records each request's headers.
  capturing = createHttpServer((request, response) => {
    captured.push(request.headers);
    request.resume();
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      response.end(
        JSON.stringify({ Parameter: { Name: "/p", Type: "String", Value: "hello", Version: 7, ARN: "arn:x" } }),
      );
    });
  });
  // Accepts TCP connections and never writes a byte.
  silent = createTcpServer((socket) => {
    connections.push(Date.now());
    held.push(socket);
    socket.on("error", () => {});
  });
  await Promise.all([listen(capturing), listen(silent)]);
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await Promise.all([
    new Promise((resolve) => capturing?.close(resolve)),
    new Promise((resolve) => silent?.close(resolve)),
  ]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const portOf = (server: Server | TcpServer) => (server.address() as { port: number }).port;

/** `ecsmon [flags] spec get --parameter /p` (the built CLI) against `endpoint`, with only `env` for AWS settings. */
function specGet(
  endpoint: Server | TcpServer,
  flags: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string; ms: number; ended: number }> {
  const args = ["--endpoint-url", `http://127.0.0.1:${portOf(endpoint)}`, ...flags, "spec", "get", "--parameter", "/p"];
  const started = Date.now();
  return new Promise((resolve) => {
    // No AWS_* variables leak in from the test runner: only what each case sets.
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? "", HOME: dir, LOG_LEVEL: "silent", ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started, ended: Date.now() });
      },
    );
  });
}

describe("AWS credentials with a custom endpoint", () => {
  it("signs with the profile's key from the shared files (AWS_PROFILE), not a built-in test key", async () => {
    captured = [];
    const result = await specGet(capturing, ["--region", "eu-west-1"], {
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
      AWS_CONFIG_FILE: join(dir, "config"),
      AWS_PROFILE: "ops",
    });
    expect(result.stderr).not.toContain("ecsmon:");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("hello\n");
    expect(captured).toHaveLength(1);
    const authorization = String(captured[0]?.authorization);
    expect(authorization).toMatch(new RegExp(`Credential=${PROFILE_KEY_ID}/\\d{8}/eu-west-1/ssm/aws4_request`));
    expect(authorization).not.toContain("Credential=test/");
  });

  it("signs with AWS_ACCESS_KEY_ID from the environment when set (the simulator's way)", async () => {
    captured = [];
    const result = await specGet(capturing, [], {
      AWS_ACCESS_KEY_ID: "AKIAENVIRONMENT00001",
      AWS_SECRET_ACCESS_KEY: "s",
      AWS_REGION: "us-east-1",
    });
    expect(result.code).toBe(0);
    expect(String(captured[0]?.authorization)).toContain("Credential=AKIAENVIRONMENT00001/");
  });
});

describe("AWS request timeouts", () => {
  // From the first connection to the exit (Node's start-up excluded): attempts × the timeout plus the SDK's retry
  // backoff. Without a timeout the same command hung for about a minute.
  it.each([
    {
      name: "fails a command against a silent endpoint within attempts × the request timeout, naming the limit",
      flags: ["--aws-request-timeout", "1s", "--aws-max-attempts", "2"],
      env: {} as Record<string, string>,
      attempts: 2,
      timeoutMs: 1_000,
      limit: "1s",
    },
    {
      name: "takes the timeout from ECSMON_AWS_REQUEST_TIMEOUT as well",
      flags: [],
      env: { AWS_MAX_ATTEMPTS: "1", ECSMON_AWS_REQUEST_TIMEOUT: "1500ms" },
      attempts: 1,
      timeoutMs: 1_500,
      limit: "1s500ms",
    },
  ])("$name", async ({ flags, env, attempts, timeoutMs, limit }) => {
    connections = [];
    const result = await specGet(silent, flags, {
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_REGION: "us-east-1",
      ...env,
    });
    expect(result.code).toBe(1);
    expect(connections).toHaveLength(attempts);
    const waited = result.ended - (connections[0] as number);
    expect(waited).toBeGreaterThanOrEqual(attempts * timeoutMs - 100);
    expect(waited).toBeLessThan(attempts * timeoutMs + 2_500);
    expect(result.stderr).toContain(
      `SSM GetParameter: no response from http://127.0.0.1:${portOf(silent)} within ${limit}`,
    );
    expect(result.stderr).toContain("ECSMON_AWS_REQUEST_TIMEOUT or --aws-request-timeout");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
