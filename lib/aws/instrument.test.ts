import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ECSClient, ListTasksCommand } from "@aws-sdk/client-ecs";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../net.js";
import { RequestBudget } from "./budget.js";
import { classifyAwsError, createAwsRequestCounter, instrumentAwsClients } from "./instrument.js";

/** A loopback ECS JSON 1.1 endpoint that answers from a script of responses, one per request. */
let server: Server;
let endpoint: string;
let script: [number, object][] = [];
let requests = 0;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on("end", () => {
      requests += 1;
      const [status, body] = script.shift() ?? [200, { taskArns: [] }];
      res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function client(url = endpoint, maxAttempts = 3): ECSClient {
  return new ECSClient({
    region: "eu-west-1",
    endpoint: url,
    maxAttempts,
    retryMode: "adaptive",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
}

async function counts(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric("ecsmon_aws_requests_total")?.get();
  const out: Record<string, number> = {};
  for (const v of metric?.values ?? []) out[`${v.labels.service}/${v.labels.operation}/${v.labels.outcome}`] = v.value;
  return out;
}

describe("instrumentAwsClients", () => {
  it("counts every attempt, retries included, and takes a budget token per attempt", async () => {
    script = [
      [400, { __type: "ThrottlingException", message: "Rate exceeded" }],
      [500, { __type: "ServerException", message: "boom" }],
      [200, { taskArns: ["arn:aws:ecs:eu-west-1:000000000000:task/c/1"] }],
    ];
    requests = 0;
    const registry = new Registry();
    const counter = createAwsRequestCounter(registry);
    const budget = new RequestBudget({ requestsPerSecond: 1000, burst: 10 });
    const ecs = client();
    instrumentAwsClients({ ecs }, { budget, counter });
    const out = await ecs.send(new ListTasksCommand({ cluster: "c" }));
    expect(out.taskArns).toHaveLength(1);
    expect(requests).toBe(3);
    expect(budget.stats().granted).toBe(3);
    expect(await counts(registry)).toEqual({
      "ecs/ListTasks/throttled": 1,
      "ecs/ListTasks/server_error": 1,
      "ecs/ListTasks/success": 1,
    });
    ecs.destroy();
  });

  it("classifies client errors and unreachable endpoints", async () => {
    const registry = new Registry();
    const counter = createAwsRequestCounter(registry);
    script = [[400, { __type: "ClusterNotFoundException", message: "no such cluster" }]];
    const ecs = client(endpoint, 1);
    instrumentAwsClients({ ecs }, { counter });
    await expect(ecs.send(new ListTasksCommand({ cluster: "c" }))).rejects.toMatchObject({
      name: "ClusterNotFoundException",
    });
    const closedPort = await freePort();
    const dead = client(`http://127.0.0.1:${closedPort}`, 1);
    instrumentAwsClients({ ecs: dead }, { counter });
    await expect(dead.send(new ListTasksCommand({ cluster: "c" }))).rejects.toBeDefined();
    expect(await counts(registry)).toEqual({ "ecs/ListTasks/client_error": 1, "ecs/ListTasks/network_error": 1 });
    ecs.destroy();
    dead.destroy();
  });

  it("paces attempts through the budget", async () => {
    script = [];
    const budget = new RequestBudget({ requestsPerSecond: 20, burst: 1 });
    const ecs = client();
    instrumentAwsClients({ ecs }, { budget });
    const started = performance.now();
    await Promise.all(Array.from({ length: 5 }, () => ecs.send(new ListTasksCommand({ cluster: "c" }))));
    // One token at once, then four more at 20/s: at least ~200 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(180);
    ecs.destroy();
  });
});

describe("classifyAwsError", () => {
  it.each([
    [{ name: "ThrottlingException", $metadata: { httpStatusCode: 400 } }, "throttled"],
    [{ name: "RequestLimitExceeded", $metadata: { httpStatusCode: 503 } }, "throttled"],
    [{ name: "Whatever", $metadata: { httpStatusCode: 429 } }, "throttled"],
    [{ name: "AccessDeniedException", $metadata: { httpStatusCode: 400 } }, "client_error"],
    [{ name: "ServerException", $metadata: { httpStatusCode: 500 } }, "server_error"],
    [{ name: "ECONNREFUSED", $metadata: {} }, "network_error"],
    [new Error("socket hang up"), "network_error"],
    [undefined, "network_error"],
  ])("%j → %s", (error, outcome) => {
    expect(classifyAwsError(error)).toBe(outcome);
  });
});
