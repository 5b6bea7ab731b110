import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ListTasksCommand } from "@aws-sdk/client-ecs";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { RequestBudget } from "./budget.js";
import { createAwsRequestCounter } from "./instrument.js";
import { createLazyAwsClients } from "./lazy-clients.js";

/** A loopback ECS JSON 1.1 endpoint that answers every ListTasks with one task. */
let server: Server;
let endpointUrl: string;
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      requests++;
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ taskArns: ["arn:aws:ecs:eu-west-1:000000000000:task/c/1"] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpointUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("createLazyAwsClients", () => {
  it("builds a client on first access only, budgets and counts its calls, and destroys what it built", async () => {
    const registry = new Registry();
    const counter = createAwsRequestCounter(registry);
    const budget = new RequestBudget({ requestsPerSecond: 100, burst: 5 });
    const clients = createLazyAwsClients(
      { region: "eu-west-1", endpointUrl, maxAttempts: 1 },
      { budget, counter, operations: { ecs: ["ListTasks", "DescribeTasks"], ec2: ["DescribeInstances"] } },
    );
    expect(clients.built()).toEqual([]);
    expect((await counter.get()).values).toEqual([]);

    const ecs = clients.ecs;
    expect(clients.ecs).toBe(ecs);
    expect(clients.built()).toEqual(["ecs"]);
    const out = await ecs.send(new ListTasksCommand({ cluster: "c" }));
    expect(out.taskArns).toEqual(["arn:aws:ecs:eu-west-1:000000000000:task/c/1"]);
    expect(requests).toBe(1);
    expect(budget.stats().granted).toBe(1);

    const values = (await counter.get()).values;
    const value = (operation: string, outcome: string) =>
      values.find((v) => v.labels.operation === operation && v.labels.outcome === outcome)?.value;
    expect(value("ListTasks", "success")).toBe(1);
    expect(value("DescribeTasks", "success")).toBe(0); // initialised when the ECS client was built
    expect(values.some((v) => v.labels.service === "ec2")).toBe(false); // never built

    const destroy = vi.spyOn(ecs, "destroy");
    clients.destroy();
    expect(destroy).toHaveBeenCalledTimes(1);
    expect(clients.built()).toEqual([]);
    expect(() => clients.sqs).toThrow("AWS sqs client requested after destroy()");
    budget.close();
  });
});
