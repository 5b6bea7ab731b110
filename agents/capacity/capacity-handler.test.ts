import { createServer } from "node:http";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { CapacityReport, NodeSyncJob } from "../../crds-like-schemas/index.js";
import { listenLocal, stopAfterEach } from "../../test/helpers/stop-after-each.js";
import { handlerJob } from "../../test/helpers/sync-job.js";
import { until } from "../../test/helpers/until.js";
import type { NodeHandler } from "../node-handler.js";
import { createCapacityHandler } from "./capacity-handler.js";
import { createImdsClient } from "./imds-client.js";

const logger = pino({ level: "silent" });
const cleanup = stopAfterEach();

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
  return { server, url: await listenLocal(cleanup.server(server)) };
}

/** What this fake DescribeInstanceTypes knows: m7i.large (3 ENIs) is newer than the EC2 guide's table in the code. */
const DESCRIBED_MAX_ENIS: Record<string, number> = { "m7i.large": 3 };

function fakeEc2() {
  const calls: string[][] = [];
  const client = {
    async send(command: { input: { InstanceTypes?: string[] } }) {
      const types = command.input.InstanceTypes ?? [];
      calls.push(types);
      return {
        InstanceTypes: types
          .filter((t) => DESCRIBED_MAX_ENIS[t])
          .map((t) => ({ InstanceType: t, NetworkInfo: { MaximumNetworkInterfaces: DESCRIBED_MAX_ENIS[t] } })),
      };
    },
  };
  return { calls, client: client as unknown as EC2Client };
}

const job = (capacity: Partial<NodeSyncJob["capacity"]>, generation = 1) =>
  handlerJob("prod", "node-1", { capacity }, generation);

describe("createCapacityHandler", () => {
  it("reports the IMDS instance type, its ENI limit and the ENIs in use; reports again on change only", async () => {
    const state = { instanceType: "c5.xlarge", macs: ["0e:00:00:00:00:01", "0e:00:00:00:00:02"], tokenCalls: 0 };
    const imds = await fakeImds(state);
    const ec2 = fakeEc2();
    const reports: CapacityReport[] = [];
    const registry = new Registry();
    const handler = cleanup.handler(
      createCapacityHandler({
        imdsEndpoint: imds.url,
        ec2: ec2.client,
        report: async (r) => {
          reports.push(r);
        },
        logger,
        registry,
        checkIntervalMs: 20,
      }),
    );
    await handler.apply(job({ awsvpcTasks: 1, instanceType: "t3.medium" }));
    await until("1 report(s)", () => reports.length === 1);
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
    await until("2 report(s)", () => reports.length === 2);
    expect(reports[1]?.attachedInterfaces).toBe(3);
    await handler.apply(job({ awsvpcTasks: 2 }, 2));
    await until("3 report(s)", () => reports.length === 3);
    expect(reports[2]?.eni).toEqual({ max: 4, used: 3, trunking: false });
    // c5.xlarge is in the EC2 guide's table: no DescribeInstanceTypes call.
    expect(ec2.calls).toEqual([]);
    expect(state.tokenCalls).toBe(1);
    expect((await registry.getSingleMetric("ecsmon_node_eni_used")?.get())?.values[0]?.value).toBe(3);
  });

  /** Starts the handler on a node whose IMDS reports `instanceType`; returns the reports it sends. */
  async function onNode(
    instanceType: string,
    options: { ec2?: ReturnType<typeof fakeEc2>; logger?: typeof logger } = {},
  ): Promise<{ handler: NodeHandler; reports: CapacityReport[] }> {
    const imds = await fakeImds({ instanceType, macs: ["0e:00:00:00:00:01"], tokenCalls: 0 });
    const reports: CapacityReport[] = [];
    const handler = cleanup.handler(
      createCapacityHandler({
        imdsEndpoint: imds.url,
        ec2: (options.ec2 ?? fakeEc2()).client,
        report: async (r) => void reports.push(r),
        logger: options.logger ?? logger,
      }),
    );
    return { handler, reports };
  }

  it.each([
    // The ECS guide's trunk figures (branch ENIs, i.e. tasks): m5.2xlarge 40.
    ["m5.2xlarge", true, 5, { max: 40, used: 5, trunking: true }],
    // c6g.medium 4 (not the 10 of the other Graviton sizes' pattern).
    ["c6g.medium", true, 1, { max: 4, used: 1, trunking: true }],
    // 6th generation 8xlarge: 90.
    ["m6i.8xlarge", true, 1, { max: 90, used: 1, trunking: true }],
    // c5n is a family the guide names as not supported: maximum ENIs (EC2 guide: 3), primary + 1 in use.
    ["c5n.large", true, 1, { max: 3, used: 2, trunking: false }],
    // A supported type without a trunk (no ecs.awsvpc-trunk-id): no trunk limit.
    ["m5.2xlarge", false, 1, { max: 4, used: 2, trunking: false }],
  ] as const)("%s with trunk=%s and %d awsvpc tasks reports %j", async (instanceType, trunking, awsvpcTasks, eni) => {
    const { handler, reports } = await onNode(instanceType);
    await handler.apply(job({ awsvpcTasks, trunking }));
    await until("1 report(s)", () => reports.length === 1);
    expect(reports[0]?.eni).toEqual(eni);
  });

  it("describes a type newer than the EC2 table once, and counts an unlisted trunked type without trunking", async () => {
    const ec2 = fakeEc2();
    const warnings: unknown[] = [];
    const capture = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    const { handler, reports } = await onNode("m7i.large", { ec2, logger: capture });
    await handler.apply(job({ awsvpcTasks: 1, trunking: true }));
    await until("1 report(s)", () => reports.length === 1);
    expect(reports[0]?.eni).toEqual({ max: 3, used: 2, trunking: false });
    await handler.apply(job({ awsvpcTasks: 2, trunking: true }, 2));
    await until("2 report(s)", () => reports.length === 2);
    expect(ec2.calls).toEqual([["m7i.large"]]);
    expect(warnings).toEqual([expect.objectContaining({ instanceType: "m7i.large", handler: "capacity" })]);
  });

  it("falls back to the controller's instance type when IMDS is unreachable", async () => {
    const reports: CapacityReport[] = [];
    const handler = cleanup.handler(
      createCapacityHandler({
        imdsEndpoint: "http://127.0.0.1:9",
        ec2: fakeEc2().client,
        report: async (r) => void reports.push(r),
        logger,
      }),
    );
    await handler.apply(job({ awsvpcTasks: 0, instanceType: "t3.medium" }));
    await until("1 report(s)", () => reports.length === 1);
    expect(reports[0]).toMatchObject({
      instanceType: "t3.medium",
      instanceTypeSource: "controller",
      eni: { max: 3, used: 1 },
    });
    expect(reports[0]?.attachedInterfaces).toBeUndefined();
  });

  it("keeps running when DescribeInstanceTypes or the report fails", async () => {
    const imds = await fakeImds({ instanceType: "m7i.large", macs: [], tokenCalls: 0 });
    const failingEc2 = { send: async () => Promise.reject(new Error("boom")) } as unknown as EC2Client;
    let attempts = 0;
    const reports: CapacityReport[] = [];
    const handler = cleanup.handler(
      createCapacityHandler({
        imdsEndpoint: imds.url,
        ec2: failingEc2,
        report: async (r) => {
          attempts++;
          if (attempts === 1) throw new Error("redis down");
          reports.push(r);
        },
        logger,
        checkIntervalMs: 20,
      }),
    );
    await handler.apply(job({}));
    await until("1 report(s)", () => reports.length === 1);
    expect(reports[0]).toMatchObject({ instanceType: "m7i.large" });
    expect(reports[0]?.eni).toBeUndefined();
  });
});

describe("createImdsClient", () => {
  it("falls back to IMDSv1 when the token call is refused", async () => {
    const state = { instanceType: "t3.medium", macs: [], v1: true, tokenCalls: 0 };
    const imds = await fakeImds(state);
    const client = createImdsClient({ endpoint: imds.url });
    expect(await client.get("instance-type")).toBe("t3.medium");
    expect(await client.get("no-such-thing")).toBeUndefined();
  });

  it("renews an expired token once", async () => {
    const state = { instanceType: "t3.medium", macs: [], tokenCalls: 0 };
    const imds = await fakeImds(state);
    let clock = 0;
    const client = createImdsClient({ endpoint: imds.url, tokenTtlSeconds: 120, now: () => clock });
    expect(await client.get("instance-type")).toBe("t3.medium");
    clock += 61_000;
    expect(await client.get("instance-type")).toBe("t3.medium");
    expect(state.tokenCalls).toBe(2);
  });
});
