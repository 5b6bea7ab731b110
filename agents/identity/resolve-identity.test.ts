import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arnId, clusterNameOf as clusterName } from "../../lib/arn.js";
import { IdentityError, poolNodeIdFor, resolveIdentity } from "./resolve-identity.js";

const logger = pino({ level: "silent" });

describe("identity helpers", () => {
  it.each([
    ["arn:aws:ecs:us-east-1:123456789012:cluster/prod", "prod"],
    ["prod", "prod"],
  ])("clusterName(%s) = %s", (input, expected) => expect(clusterName(input)).toBe(expected));
  it.each([
    [
      "arn:aws:ecs:us-east-1:123:container-instance/prod/4b6d45ea-1b7a-4a4c-b1d7-0c6c9e5cf1d5",
      "4b6d45ea-1b7a-4a4c-b1d7-0c6c9e5cf1d5",
    ],
    ["arn:aws:ecs:us-east-1:123:task/prod/a1b2c3", "a1b2c3"],
    ["arn:aws:ecs:us-east-1:123:container-instance/0f1e2d", "0f1e2d"],
  ])("arnId(%s)", (input, expected) => expect(arnId(input)).toBe(expected));
  it("pool node ids follow the controller's rule", () =>
    expect(poolNodeIdFor("my cluster/x")).toBe("pool-my_cluster_x"));
});

describe("resolveIdentity against real HTTP endpoints", () => {
  let server: Server;
  let base: string;
  let metadataCalls = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/v1/metadata") {
        metadataCalls++;
        if (metadataCalls < 2) return void res.writeHead(503).end();
        return void res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            Cluster: "prod",
            ContainerInstanceArn: "arn:aws:ecs:us-east-1:123:container-instance/prod/ci-123",
            Version: "Amazon ECS Agent - v1.80.0",
          }),
        );
      }
      if (req.url === "/v4/abc/task") {
        return void res.writeHead(200).end(
          JSON.stringify({
            Cluster: "arn:aws:ecs:us-east-1:123:cluster/fargate",
            TaskARN: "arn:aws:ecs:us-east-1:123:task/fargate/task-9",
          }),
        );
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("explicit flags win", async () => {
    const id = await resolveIdentity({
      agent: { cluster: "c", nodeId: "n", metadataUriV4: undefined, ecsAgentUri: base },
      logger,
    });
    expect(id).toEqual({ cluster: "c", nodeId: "n", mode: "daemon", source: "flags" });
  });
  it("pool mode needs a cluster", async () => {
    await expect(
      resolveIdentity({
        agent: { cluster: undefined, nodeId: undefined, metadataUriV4: undefined, ecsAgentUri: base },
        pool: true,
        logger,
      }),
    ).rejects.toBeInstanceOf(IdentityError);
    const id = await resolveIdentity({
      agent: { cluster: "c", nodeId: undefined, metadataUriV4: undefined, ecsAgentUri: base },
      pool: true,
      logger,
    });
    expect(id).toMatchObject({ nodeId: "pool-c", mode: "pool" });
  });
  it("EC2 daemon: ECS agent introspection, retried until it answers", async () => {
    const id = await resolveIdentity({
      agent: { cluster: undefined, nodeId: undefined, metadataUriV4: undefined, ecsAgentUri: base },
      logger,
      retryForMs: 5_000,
    });
    expect(id).toEqual({ cluster: "prod", nodeId: "ci-123", mode: "daemon", source: "ecs-agent" });
    expect(metadataCalls).toBeGreaterThanOrEqual(2);
  });
  it("sidecar: task metadata v4", async () => {
    const id = await resolveIdentity({
      agent: { cluster: undefined, nodeId: undefined, metadataUriV4: `${base}/v4/abc`, ecsAgentUri: base },
      logger,
    });
    expect(id).toEqual({ cluster: "fargate", nodeId: "task-9", mode: "sidecar", source: "task-metadata" });
  });
  it("gives up with a clear error when nothing answers", async () => {
    await expect(
      resolveIdentity({
        agent: { cluster: undefined, nodeId: undefined, metadataUriV4: `${base}/missing`, ecsAgentUri: base },
        logger,
        retryForMs: 0,
      }),
    ).rejects.toThrow(
      /cannot determine the node identity from task metadata v4: .*HTTP 404; pass --cluster and --node-id/,
    );
  });
});
