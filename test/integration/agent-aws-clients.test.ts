import { randomUUID } from "node:crypto";
import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type HandlerFactoryDeps, type RunningAgent, startAgent } from "../../agents/agent.js";
import { defaultHandlers } from "../../agents/runtime/default-handlers.js";
import type { LazyAwsClients } from "../../lib/aws/lazy-clients.js";
import { loadConfig } from "../../lib/config.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { simEnv } from "../helpers/sim-clients.js";
import { useRedisServer } from "../helpers/use-redis-server.js";

/**
 * The agent's AWS clients (issue 18): built only when used, behind the same request budget and
 * `ecsmon_aws_requests_total` instrumentation as the controller's, shown on the agent's /metrics, and destroyed
 * when the agent stops. The reference for what was sent is the simulator's own CloudWatch store.
 */

const redis = useRedisServer();
let sim: RunningSim;
let agent: RunningAgent;
let aws: LazyAwsClients;
const nodeId = `node-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  sim = await startSim({ nodeSurfaces: false, transitionDelayMs: 0 });
  const config = loadConfig({
    ...simEnv(sim, redis.server.url),
    ECSMON_CLUSTER: "aws-clients",
    ECSMON_NODE_ID: nodeId,
    ECSMON_AGENT_BIND: "127.0.0.1:0",
    ECSMON_AWS_RPS: "7",
    LOG_LEVEL: "silent",
  });
  agent = await startAgent({
    config,
    logger: pino({ level: "silent" }),
    // The production handlers of a daemon (stats and capacity), which must not build a client before they call AWS.
    handlers: (deps: HandlerFactoryDeps) => {
      aws = deps.aws;
      return defaultHandlers(deps);
    },
  });
});

afterAll(async () => {
  await agent?.stop();
  await sim?.stop();
});

async function metricsText(): Promise<string> {
  return (await fetch(agent.metricsUrl)).text();
}

describe("the agent's AWS clients", () => {
  it("are built only when used, and every call is budgeted and counted on the agent's /metrics", async () => {
    expect(agent.identity.mode).toBe("daemon");
    expect(aws.built()).toEqual([]);
    const before = await metricsText();
    expect(before).not.toMatch(/^ecsmon_aws_requests_total\{/m);
    expect(before).toMatch(new RegExp(`^ecsmon_aws_budget_requests_per_second\\{region="${sim.region}"\\} 7$`, "m"));

    const namespace = `AgentClients/${nodeId}`;
    await aws.cloudwatch.send(
      new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: "Probe", Value: 1 }] }),
    );
    await aws.cloudwatch.send(
      new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: "Probe", Value: 2 }] }),
    );
    expect(aws.built()).toEqual(["cloudwatch"]);
    expect(sim.metrics.datums({ namespace }).map((d) => d.values[0])).toEqual([1, 2]);

    const after = await metricsText();
    expect(after).toMatch(
      /^ecsmon_aws_requests_total\{service="cloudwatch",operation="PutMetricData",outcome="success"\} 2$/m,
    );
    // The operation's other outcomes start at 0; services the agent never built have no series.
    expect(after).toMatch(
      /^ecsmon_aws_requests_total\{service="cloudwatch",operation="PutMetricData",outcome="throttled"\} 0$/m,
    );
    expect(after).not.toMatch(/ecsmon_aws_requests_total\{service="(ecs|ec2|ssm|sqs|servicediscovery)"/);
  });

  it("destroys the clients it built when the agent stops", async () => {
    const destroy = vi.spyOn(aws.cloudwatch, "destroy");
    await agent.stop();
    expect(destroy).toHaveBeenCalledTimes(1);
    expect(aws.built()).toEqual([]);
    expect(() => aws.ec2).toThrow(/after destroy/);
  });
});
