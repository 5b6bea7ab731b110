import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { type CapacityReport, NODE_SYNC_CONTRACT, type NodeSyncJob } from "../../crds-like-schemas/index.js";
import type { NodeHandler } from "../node-handler.js";
import { createCapacityHandler } from "./capacity-handler.js";
import { createImdsClient } from "./imds-client.js";

const logger = pino({ level: "silent" });

/** An IMDS that requires IMDSv2 tokens unless `v1` is set, and can be made unreachable for the token call. */
async function fakeImds(state: { instanceType?: string; macs: string[]; v1?: boolean; tokenCalls: number }) {
  const tokens = new Set<string>();
  const server = createServer((req, res) => {
    const url = req.url ?? "";
    if (req.method === "PUT" && url === "/latest/api/token") {
      state.tokenCalls++;
      if (state.v1) {
        res.writeHead(403).end();
        return;
      }
      const token = `tok-${state.tokenCalls}`;
      tokens.add(token);
      res.writeHead(200).end(token);
      return;
    }
    const token = req.headers["x-aws-ec2-metadata-token"];
    if (!state.v1 && (typeof token !== "string" || !tokens.has(token))) {
      res.writeHead(401).end();
      return;
    }
    if (url === "/latest/meta-data/instance-type" && state.instanceType) res.writeHead(200).end(state.instanceType);
    else if (url === "/latest/meta-data/network/interfaces/macs/")
      res.writeHead(200).end(state.macs.map((m) => `${m}/`).join("\n"));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const MAX_ENIS: Record<string, number> = { "t3.medium": 3, "c5.xlarge": 4, "m5.2xlarge": 4 };

function fakeEc2() {
  const calls: string[][] = [];
  const client = {
    async send(command: { input: { InstanceTypes?: string[] } }) {
      const types = command.input.InstanceTypes ?? [];
      calls.push(types);
      return {
        InstanceTypes: types
          .filter((t) => MAX_ENIS[t])
          .map((t) => ({ InstanceType: t, NetworkInfo: { MaximumNetworkInterfaces: MAX_ENIS[t] } })),
      };
    },
  };
  return { calls, client: client as unknown as EC2Client };
}

function job(capacity: Partial<NodeSyncJob["capacity"]>, generation = 1): NodeSyncJob {
  return {
    contract: NODE_SYNC_CONTRACT,
    cluster: "prod",
    nodeId: "node-1",
    generation,
    fencingToken: 1,
    issuedAt: new Date().toISOString(),
    scrape: { intervalMs: 15_000, timeoutMs: 10_000, maxBodyBytes: 1_000_000, targets: [] },
    stats: {
      enabled: false,
      namespace: "x",
      periodMs: 10_000,
      metrics: ["CPUUtilization"],
      dimensions: [],
      cpuMode: "reserved",
      containers: [],
      assignments: [],
    },
    capacity: { enabled: true, periodMs: 60_000, trunking: false, awsvpcTasks: 0, ...capacity },
  };
}

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const servers: Server[] = [];
let handler: NodeHandler | undefined;
afterEach(async () => {
  await handler?.stop();
  handler = undefined;
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe("createCapacityHandler", () => {
  it("reports the IMDS instance type, its ENI limit and the ENIs in use; reports again on change only", async () => {
    const state = { instanceType: "c5.xlarge", macs: ["0e:00:00:00:00:01", "0e:00:00:00:00:02"], tokenCalls: 0 };
    const imds = await fakeImds(state);
    servers.push(imds.server);
    const ec2 = fakeEc2();
    const reports: CapacityReport[] = [];
    const registry = new Registry();
    handler = createCapacityHandler({
      imdsEndpoint: imds.url,
      ec2: ec2.client,
      report: async (r) => {
        reports.push(r);
      },
      logger,
      registry,
      checkIntervalMs: 20,
    });
    await handler.apply(job({ awsvpcTasks: 1, instanceType: "t3.medium" }));
    await until(() => reports.length === 1);
    expect(reports[0]).toMatchObject({
      cluster: "prod",
      nodeId: "node-1",
      instanceType: "c5.xlarge",
      instanceTypeSource: "imds",
      eni: { max: 4, used: 2, trunking: false },
      attachedInterfaces: 2,
    });
    // Unchanged figures within the period: no new report, and the type was described once.
    await new Promise((r) => setTimeout(r, 100));
    expect(reports).toHaveLength(1);
    state.macs.push("0e:00:00:00:00:03");
    await until(() => reports.length === 2);
    expect(reports[1]?.attachedInterfaces).toBe(3);
    await handler.apply(job({ awsvpcTasks: 2 }, 2));
    await until(() => reports.length === 3);
    expect(reports[2]?.eni).toEqual({ max: 4, used: 3, trunking: false });
    expect(ec2.calls).toEqual([["c5.xlarge"]]);
    expect(state.tokenCalls).toBe(1);
    expect((await registry.getSingleMetric("ecsmon_node_eni_used")?.get())?.values[0]?.value).toBe(3);
  });

  it("counts branch ENIs against the trunk limit when trunking is on", async () => {
    const imds = await fakeImds({ instanceType: "m5.2xlarge", macs: ["0e:00:00:00:00:01"], tokenCalls: 0 });
    servers.push(imds.server);
    const reports: CapacityReport[] = [];
    handler = createCapacityHandler({
      imdsEndpoint: imds.url,
      ec2: fakeEc2().client,
      report: async (r) => void reports.push(r),
      logger,
    });
    await handler.apply(job({ awsvpcTasks: 5, trunking: true }));
    await until(() => reports.length === 1);
    expect(reports[0]?.eni).toEqual({ max: 40, used: 5, trunking: true });
  });

  it("falls back to the controller's instance type when IMDS is unreachable", async () => {
    const reports: CapacityReport[] = [];
    handler = createCapacityHandler({
      imdsEndpoint: "http://127.0.0.1:9",
      ec2: fakeEc2().client,
      report: async (r) => void reports.push(r),
      logger,
    });
    await handler.apply(job({ awsvpcTasks: 0, instanceType: "t3.medium" }));
    await until(() => reports.length === 1);
    expect(reports[0]).toMatchObject({
      instanceType: "t3.medium",
      instanceTypeSource: "controller",
      eni: { max: 3, used: 1 },
    });
    expect(reports[0]?.attachedInterfaces).toBeUndefined();
  });

  it("keeps running when DescribeInstanceTypes or the report fails", async () => {
    const imds = await fakeImds({ instanceType: "c5.xlarge", macs: [], tokenCalls: 0 });
    servers.push(imds.server);
    const failingEc2 = { send: async () => Promise.reject(new Error("boom")) } as unknown as EC2Client;
    let attempts = 0;
    const reports: CapacityReport[] = [];
    handler = createCapacityHandler({
      imdsEndpoint: imds.url,
      ec2: failingEc2,
      report: async (r) => {
        attempts++;
        if (attempts === 1) throw new Error("redis down");
        reports.push(r);
      },
      logger,
      checkIntervalMs: 20,
    });
    await handler.apply(job({}));
    await until(() => reports.length === 1);
    expect(reports[0]).toMatchObject({ instanceType: "c5.xlarge" });
    expect(reports[0]?.eni).toBeUndefined();
  });
});

describe("createImdsClient", () => {
  it("falls back to IMDSv1 when the token call is refused", async () => {
    const state = { instanceType: "t3.medium", macs: [], v1: true, tokenCalls: 0 };
    const imds = await fakeImds(state);
    servers.push(imds.server);
    const client = createImdsClient({ endpoint: imds.url });
    expect(await client.get("instance-type")).toBe("t3.medium");
    expect(await client.get("no-such-thing")).toBeUndefined();
  });

  it("renews an expired token once", async () => {
    const state = { instanceType: "t3.medium", macs: [], tokenCalls: 0 };
    const imds = await fakeImds(state);
    servers.push(imds.server);
    let clock = 0;
    const client = createImdsClient({ endpoint: imds.url, tokenTtlSeconds: 120, now: () => clock });
    expect(await client.get("instance-type")).toBe("t3.medium");
    clock += 61_000;
    expect(await client.get("instance-type")).toBe("t3.medium");
    expect(state.tokenCalls).toBe(2);
  });
});
