import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../cli/program.js";
import { freePort } from "../../lib/net.js";
import { fromRoot } from "../../lib/paths.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { type DockerEngine, startDockerEngine } from "../helpers/docker-engine.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { until } from "../helpers/until.js";

/**
 * `ecsmon doctor` against the simulator over HTTP, a real redis-server and a real Docker Engine: all green for
 * the local stack's spec, and each problem of a broken setup named with a fix. Versions are compared with what
 * `redis-server --version` and `docker version` report, not with the doctor's own idea of them.
 */

interface Row {
  name: string;
  status: "ok" | "warn" | "fail" | "skip";
  detail: string;
  fix?: string;
}

const SPEC = readFileSync(fromRoot("crds-like-schemas", "examples", "local.yaml"), "utf8");

let sim: RunningSim;
let redis: RedisServer;
let engine: DockerEngine;
let dir: string;

beforeAll(async () => {
  [sim, redis, engine] = await Promise.all([
    startSim({ nodeSurfaces: false, transitionDelayMs: 0 }),
    startRedisServer(),
    startDockerEngine(),
  ]);
  dir = mkdtempSync(join(tmpdir(), "ecsmon-doctor-"));
  const ssm = new SSMClient({ region: sim.region, endpoint: sim.endpoint });
  await ssm.send(new PutParameterCommand({ Name: "/ecsmon/spec", Value: SPEC, Type: "String" }));
  await ssm.send(
    new PutParameterCommand({
      Name: "/ecsmon/broken",
      Value: SPEC.replace("name: demo", "name: de mo"),
      Type: "String",
    }),
  );
  ssm.destroy();
}, 120_000);

afterAll(async () => {
  await Promise.all([sim?.stop(), redis?.stop(), engine?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** Runs `ecsmon doctor --json` in-process with the simulator as the AWS endpoint. */
async function doctor(
  args: string[],
  options: { region?: string; redisUrl?: string; dockerHost?: string; endpoint?: string } = {},
): Promise<{ code: number; ready: boolean; rows: Row[]; table: string }> {
  let stdout = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.stubEnv("DOCKER_HOST", options.dockerHost ?? engine.host);
  const base = [
    "node",
    "ecsmon",
    "--log-level",
    "silent",
    "--region",
    options.region ?? sim.region,
    "--endpoint-url",
    options.endpoint ?? sim.endpoint,
    "--aws-request-timeout",
    "5s",
    "doctor",
    "--redis-url",
    options.redisUrl ?? redis.url,
    "--timeout",
    "2s",
  ];
  try {
    process.exitCode = undefined;
    const code = await main([...base, "--json", ...args]);
    const report = JSON.parse(stdout) as { ready: boolean; checks: Row[] };
    stdout = "";
    process.exitCode = undefined;
    await main([...base, ...args]);
    return { code, ready: report.ready, rows: report.checks, table: stdout };
  } finally {
    process.exitCode = undefined;
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  }
}

const row = (rows: Row[], prefix: string) => {
  const found = rows.find((r) => r.name.startsWith(prefix));
  if (!found) throw new Error(`no check named ${prefix}…; got ${rows.map((r) => r.name).join(", ")}`);
  return found;
};

describe("ecsmon doctor", () => {
  it("is all green against the local stack's spec, simulator, Redis and Docker Engine", async () => {
    const { code, ready, rows, table } = await doctor(["--put-test-metric", "--docker"]);
    expect(rows.filter((r) => r.status !== "ok")).toEqual([]);
    expect(ready).toBe(true);
    expect(code).toBe(0);
    expect(rows.map((r) => r.name)).toEqual([
      "credentials and region",
      "SSM GetParameter /ecsmon/spec",
      "spec ssm:/ecsmon/spec",
      "ECS DescribeClusters demo",
      "ECS container instances demo",
      "ECS tasks demo",
      "ECS services demo",
      "Cloud Map demo.local",
      "CloudWatch PutMetricData ECS/ContainerStats",
      "CloudWatch PutMetricData ECS/Capacity",
      `Redis ${redis.url}`,
      `Docker ${engine.host}`,
    ]);
    expect(table).toMatch(/^CHECK\s+RESULT\s+DETAIL\n/);
    expect(table).toContain("\nready\n");

    const redisVersion = /v=(\d+\.\d+\.\d+)/.exec(
      execFileSync("redis-server", ["--version"], { encoding: "utf8" }),
    )?.[1];
    expect(row(rows, "Redis").detail).toMatch(
      new RegExp(`^Redis ${redisVersion?.replaceAll(".", "\\.")}, PING \\d+\\.\\d ms`),
    );
    const dockerVersion = (await engine.docker(["version", "--format", "{{.Server.Version}}"])).stdout.trim();
    expect(row(rows, "Docker").detail).toContain(`Docker Engine ${dockerVersion}, API `);

    expect(row(rows, "ECS DescribeClusters demo").detail).toMatch(/^ACTIVE in us-east-1: \d+ container instances/);
    // Each list is followed by a describe of its first item, as the observer does.
    expect(row(rows, "ECS container instances").detail).toMatch(
      /^ListContainerInstances, DescribeContainerInstances, EC2 DescribeInstances allowed \(\d+ container instances/,
    );
    expect(row(rows, "ECS tasks").detail).toMatch(/^ListTasks, DescribeTasks, DescribeTaskDefinition allowed/);
    expect(row(rows, "ECS services").detail).toMatch(/^ListServices, DescribeServices allowed/);
    expect(row(rows, "Cloud Map").detail).toMatch(/^ListNamespaces, ListServices, ListInstances allowed/);
    // The opt-in datum reached each namespace.
    const doctorDatums = sim.metrics.metrics().filter((m) => m.metricName === "EcsmonDoctorCheck");
    expect(doctorDatums.map((m) => m.namespace).sort()).toEqual(["ECS/Capacity", "ECS/ContainerStats"]);
  });

  it("without --put-test-metric skips PutMetricData with a note and is still ready", async () => {
    const { code, rows } = await doctor([]);
    expect(code).toBe(0);
    const put = row(rows, "CloudWatch PutMetricData ECS/ContainerStats");
    expect(put.status).toBe("skip");
    expect(put.detail).toContain("CloudWatch has no dry run; pass --put-test-metric");
  });

  it("names a wrong region (the parameter is not there); --spec-file checks a file before it is applied", async () => {
    const stored = await doctor([], { region: "eu-west-3" });
    expect(stored.code).toBe(1);
    expect(stored.ready).toBe(false);
    const parameter = row(stored.rows, "SSM GetParameter");
    expect(parameter).toMatchObject({ status: "fail", detail: "parameter /ecsmon/spec not found in eu-west-3" });
    expect(parameter.fix).toContain("check the region (--region, AWS_REGION)");
    expect(stored.table).toContain("not ready: 1 problem");
    expect(stored.table).toContain("fix: store the spec with `ecsmon spec apply");

    const file = join(dir, "local.yaml");
    writeFileSync(file, SPEC);
    const local = await doctor(["--spec-file", file], { region: "eu-west-3" });
    // Checking a file before `spec apply`: the absent parameter is only a warning, and the file is checked.
    expect(row(local.rows, "SSM GetParameter").status).toBe("warn");
    expect(row(local.rows, `spec ${file}`).status).toBe("ok");
  });

  it("names a missing parameter and an invalid stored spec", async () => {
    const missing = await doctor(["--parameter", "/ecsmon/missing"]);
    expect(missing.code).toBe(1);
    expect(row(missing.rows, "SSM GetParameter /ecsmon/missing")).toMatchObject({
      status: "fail",
      detail: `parameter /ecsmon/missing not found in ${sim.region}`,
    });
    expect(row(missing.rows, "spec ").status).toBe("skip");

    const broken = await doctor(["--parameter", "/ecsmon/broken"]);
    expect(broken.code).toBe(1);
    const spec = row(broken.rows, "spec ssm:/ecsmon/broken");
    expect(spec.status).toBe("fail");
    expect(spec.detail).toContain("spec.clusters[0].name: expected an ECS cluster name");
  });

  it("names a call the identity may not make, with the IAM action to allow", async () => {
    // A proxy in front of the simulator answers ecs:DescribeTasks as AWS does for a missing permission
    // (JSON 1.1 error: HTTP 400, __type AccessDeniedException) and forwards everything else.
    const proxy = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const target = String(request.headers["x-amz-target"] ?? "");
      if (target.endsWith(".DescribeTasks")) {
        response.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
        response.end(
          JSON.stringify({
            __type: "AccessDeniedException",
            message:
              "User: arn:aws:sts::111122223333:assumed-role/ecsmon/x is not authorized to perform: ecs:DescribeTasks",
          }),
        );
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => name !== "host" && name !== "content-length"),
      ) as Record<string, string>;
      const upstream = await fetch(`${sim.endpoint}${request.url}`, {
        method: request.method,
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "text/plain" });
      response.end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const { code, rows } = await doctor([], {
        endpoint: `http://127.0.0.1:${(proxy.address() as { port: number }).port}`,
      });
      expect(code).toBe(1);
      const tasks = row(rows, "ECS tasks demo");
      expect(tasks.status).toBe("fail");
      expect(tasks.detail).toContain("DescribeTasks: AccessDeniedException: User: arn:aws:sts::111122223333");
      expect(tasks.fix).toContain("allow ecs:DescribeTasks for this identity");
      expect(rows.filter((r) => r.status === "fail").map((r) => r.name)).toEqual(["ECS tasks demo"]);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it("names a stopped Redis and a missing Docker socket", async () => {
    const stopped = await startRedisServer();
    await stopped.stop();
    const result = await doctor(["--docker"], { redisUrl: stopped.url, dockerHost: `unix://${dir}/no-docker.sock` });
    expect(result.code).toBe(1);
    const r = row(result.rows, "Redis");
    expect(r.status).toBe("fail");
    expect(r.detail).toMatch(/^unreachable: .*ECONNREFUSED/);
    expect(r.fix).toContain("REDIS_URL");
    expect(row(result.rows, "Docker")).toMatchObject({
      status: "fail",
      detail: `${dir}/no-docker.sock does not exist`,
    });
    expect(result.table).toContain("not ready: 2 problems");
  });

  it("names a stalled Redis (SIGSTOP) within its timeout instead of hanging", async () => {
    const port = await freePort();
    const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", ""], {
      stdio: "ignore",
    });
    try {
      await until(
        "redis-server up",
        async () =>
          (await doctor([], { redisUrl: `redis://127.0.0.1:${port}` })).rows.find((r) => r.name.startsWith("Redis"))
            ?.status === "ok" || undefined,
        10_000,
      );
      child.kill("SIGSTOP");
      const started = Date.now();
      const result = await doctor([], { redisUrl: `redis://127.0.0.1:${port}` });
      // Two runs (--json and the table), each bounded by --timeout 2s.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(row(result.rows, "Redis")).toMatchObject({ status: "fail" });
      expect(row(result.rows, "Redis").detail).toMatch(/^unreachable: .*(timed out|within 2000 ms)/i);
    } finally {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    }
  });
});
