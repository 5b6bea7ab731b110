import { createServer, type Server, type Socket } from "node:net";
import { ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { ListClustersCommand } from "@aws-sdk/client-ecs";
import { ListNamespacesCommand } from "@aws-sdk/client-servicediscovery";
import { ListQueuesCommand } from "@aws-sdk/client-sqs";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwsClients, createAwsClients } from "./clients.js";

/** Every client built by createAwsClients gives up on a silent endpoint after its request timeout. */

let silent: Server;
let clients: AwsClients;
const sockets: Socket[] = [];

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  clients = createAwsClients({
    region: "us-east-1",
    endpointUrl: `http://127.0.0.1:${(silent.address() as { port: number }).port}`,
    maxAttempts: 1,
    requestTimeoutMs: 300,
  });
});

afterAll(async () => {
  clients?.destroy();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
});

describe("createAwsClients timeouts", () => {
  it.each([
    ["ecs", () => clients.ecs.send(new ListClustersCommand({}))],
    ["ec2", () => clients.ec2.send(new DescribeRegionsCommand({}))],
    ["ssm", () => clients.ssm.send(new GetParameterCommand({ Name: "/p" }))],
    ["cloudwatch", () => clients.cloudwatch.send(new ListMetricsCommand({}))],
    ["serviceDiscovery", () => clients.serviceDiscovery.send(new ListNamespacesCommand({}))],
    ["sqs", () => clients.sqs.send(new ListQueuesCommand({}))],
  ])("%s fails with TimeoutError after the request timeout", async (_name, call) => {
    const started = performance.now();
    const error = await call().then(
      () => undefined,
      (e: Error) => e,
    );
    const elapsed = performance.now() - started;
    expect(error?.name).toBe("TimeoutError");
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3_000);
  });
});
