import type { EC2Client } from "@aws-sdk/client-ec2";
import { type ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand } from "@aws-sdk/client-ecs";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCapacityHandler } from "../../agents/capacity/capacity-handler.js";
import { computeClusterCapacity, countAwsvpcTasks } from "../../controller/capacity/compute-capacity.js";
import { ClusterObserver } from "../../controller/observe/cluster-observer.js";
import { ec2ApiFromClient, ecsApiFromClient } from "../../controller/observe/sdk-adapters.js";
import {
  type CapacityReport,
  ClusterSpec,
  NODE_SYNC_CONTRACT,
  type NodeSyncJob,
  type TaskSize,
} from "../../crds-like-schemas/index.js";
import { createAwsClients } from "../../lib/aws/clients.js";
import { type RunningSim, startSim } from "../../sim/index.js";

/**
 * Issue 7 with awsvpcTrunking on: the agents' capacity handlers read each simulated node's IMDS (IMDSv2) and the
 * simulator's DescribeInstanceTypes; the controller's figures use the trunk branch-ENI limits (c5.xlarge 20,
 * m5.2xlarge 40; t3.medium does not support trunking: 3 − 1 = 2) and agree with RunTask.
 */

const TRUNK_SLOTS: Record<string, number> = { "t3.medium": 2, "c5.xlarge": 20, "m5.2xlarge": 40 };
const MAX_ENIS: Record<string, number> = { "t3.medium": 3, "c5.xlarge": 4, "m5.2xlarge": 4 };
const SIZE: TaskSize = { name: "vpc-tiny", cpu: 128, memory: 256, awsvpc: true };

let sim: RunningSim;
let ecs: ECSClient;
let ec2: EC2Client;
let observer: ClusterObserver;
const spec = ClusterSpec.parse({ name: "trunk", capacity: { enabled: true, trunking: true, taskSizes: [SIZE] } });

beforeAll(async () => {
  sim = await startSim({
    scenario: {
      name: "capacity-trunking",
      cluster: "trunk",
      seed: 5,
      trunking: true,
      instances: [{ type: "t3.medium" }, { type: "c5.xlarge" }, { type: "m5.2xlarge" }],
      taskDefinitions: [
        { family: "vpc", networkMode: "awsvpc", cpu: 128, memory: 256, containers: [{ name: "app" }] },
        { family: "bridge", networkMode: "bridge", containers: [{ name: "app", cpu: 256, memory: 512 }] },
      ],
      tasks: [
        { taskDefinition: "vpc", count: 6 },
        { taskDefinition: "bridge", count: 3 },
      ],
    },
    transitionDelayMs: 0,
  });
  ({ ecs, ec2 } = createAwsClients({ region: sim.region, endpointUrl: sim.endpoint, maxAttempts: 1 }));
  observer = new ClusterObserver({ spec, region: sim.region, ecs: ecsApiFromClient(ecs), ec2: ec2ApiFromClient(ec2) });
});

afterAll(async () => {
  ecs?.destroy();
  ec2?.destroy();
  await sim?.stop();
});

async function observeNow() {
  observer.requestFullRefresh();
  return observer.observe();
}

function job(nodeId: string, awsvpcTasks: number): NodeSyncJob {
  return {
    contract: NODE_SYNC_CONTRACT,
    cluster: "trunk",
    nodeId,
    generation: 1,
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
    capacity: { enabled: true, periodMs: 60_000, trunking: true, awsvpcTasks },
  };
}

describe("capacity with ENI trunking, agents on the simulated nodes", () => {
  it("agents report IMDS instance types and trunk limits; the controller's figures use them and agree with RunTask", async () => {
    const observed = await observeNow();
    const awsvpc = countAwsvpcTasks(observed);
    const nodes = await sim.nodes();
    expect(nodes).toHaveLength(3);
    const reports = new Map<string, CapacityReport>();
    for (const node of nodes) {
      const received: CapacityReport[] = [];
      const handler = createCapacityHandler({
        imdsEndpoint: node.surfaces!.imdsUrl,
        ec2,
        report: async (r) => void received.push(r),
        logger: pino({ level: "silent" }),
      });
      try {
        await handler.apply(job(node.id, awsvpc.get(node.containerInstanceArn) ?? 0));
        const deadline = Date.now() + 15_000;
        while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      } finally {
        await handler.stop();
      }
      const report = received[0];
      expect(report, node.instanceType).toBeDefined();
      const used = awsvpc.get(node.containerInstanceArn) ?? 0;
      const trunked = node.instanceType !== "t3.medium";
      expect(report).toMatchObject({
        nodeId: node.id,
        instanceType: node.instanceType,
        instanceTypeSource: "imds",
        eni: trunked
          ? { max: TRUNK_SLOTS[node.instanceType], used, trunking: true }
          : { max: MAX_ENIS[node.instanceType], used: 1 + used, trunking: false },
      });
      expect(report?.attachedInterfaces).toBeGreaterThanOrEqual(1);
      reports.set(node.id, report!);
    }

    const capacity = computeClusterCapacity(observed, spec.capacity, reports);
    for (const node of capacity.nodes) {
      const used = awsvpc.get(node.containerInstanceArn) ?? 0;
      expect(node, node.instanceType).toMatchObject({
        eniMax: TRUNK_SLOTS[node.instanceType!],
        eniUsed: used,
        eniRemaining: TRUNK_SLOTS[node.instanceType!]! - used,
      });
    }

    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: "tiny-vpc",
        networkMode: "awsvpc",
        cpu: String(SIZE.cpu),
        memory: String(SIZE.memory),
        containerDefinitions: [{ name: "app", image: "public.ecr.aws/ecsmon/sim-workload:latest", essential: true }],
      }),
    );
    const k = capacity.schedulable[SIZE.name]!;
    expect(k).toBeGreaterThan(0);
    const run = () =>
      ecs.send(
        new RunTaskCommand({
          cluster: "trunk",
          taskDefinition: "tiny-vpc",
          launchType: "EC2",
          networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-0sim"] } },
        }),
      );
    for (let i = 0; i < k; i++) expect((await run()).tasks, `RunTask ${i + 1} of ${k}`).toHaveLength(1);
    const last = await run();
    expect(last.tasks ?? []).toHaveLength(0);
    expect((last.failures ?? []).map((f) => f.reason).every((r) => /^RESOURCE:(CPU|MEMORY|ENI)$/.test(r ?? ""))).toBe(
      true,
    );
    expect(computeClusterCapacity(await observeNow(), spec.capacity).schedulable[SIZE.name]).toBe(0);
  });
});
