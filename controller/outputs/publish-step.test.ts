import { describe, expect, it } from "vitest";
import { CLUSTER, metricValue, plannedRound, withRedis } from "../reconcile/pipeline.test-helpers.js";
import { publishOutputsStep, publishStatusStep, stateCounts } from "./publish-step.js";
import { SdStore, snapshotGroups } from "./sd-store.js";

const fx = withRedis();

const round = () => plannedRound(fx.redis);

describe("publishOutputsStep", () => {
  it("writes http_sd once per change, readable by any replica, and counts only real writes", async () => {
    const { ctx, planned } = round();
    const writes = () => metricValue(ctx.metrics.sdWrites, { output: "http_sd" });
    await publishOutputsStep(ctx, planned);
    expect(await writes()).toBe(1);
    const replica = new SdStore(fx.redis, ctx.keyPrefix);
    const groups = [];
    for await (const g of snapshotGroups(await replica.snapshot([CLUSTER]))) groups.push(g);
    expect(groups.map((g) => `${g.targets[0]}${g.labels.__metrics_path__}`).sort()).toEqual(
      planned.targets.map((t) => `${t.target.address}${t.target.metricsPath}`).sort(),
    );

    await publishOutputsStep(ctx, planned);
    expect(await writes()).toBe(1);
    await publishOutputsStep(ctx, { ...planned, targets: planned.targets.slice(1) });
    expect(await writes()).toBe(2);
  });

  it("replaces the service gauges when the observation carried service figures, and keeps them otherwise", async () => {
    const { ctx, planned } = round();
    const web = { cluster: CLUSTER, service: "web", desired: 3, running: 2, pending: 1 };
    await publishOutputsStep(ctx, { ...planned, services: [web] });
    await publishOutputsStep(ctx, { ...planned, services: undefined });
    expect(await metricValue(ctx.metrics.serviceRunning, { cluster: CLUSTER, service: "web" })).toBe(2);
    await publishOutputsStep(ctx, { ...planned, services: [{ ...web, running: 3, pending: 0 }] });
    expect(await metricValue(ctx.metrics.serviceRunning, { cluster: CLUSTER, service: "web" })).toBe(3);
  });
});

describe("publishStatusStep", () => {
  it("stores the summary the status API shows under the cluster's status key and publishes the counts", async () => {
    const { ctx } = round();
    await publishStatusStep(ctx);
    const stored = JSON.parse((await fx.redis.get(ctx.keys.status(CLUSTER))) ?? "null");
    expect(stored).toEqual(JSON.parse(JSON.stringify(ctx.status.summary(undefined))));
    expect(stored.targets).toEqual({ assigning: 1, orphaned: 2 });
    expect(await metricValue(ctx.metrics.targets, { cluster: CLUSTER, state: "orphaned" })).toBe(2);
    expect(await metricValue(ctx.metrics.targets, { cluster: CLUSTER, state: "active.healthy" })).toBe(0);
  });
});

describe("stateCounts", () => {
  it("counts targets and agents by state name", () => {
    const { ctx } = round();
    ctx.registry.applyHeartbeats([
      { nodeId: "node-1", agentId: "a", mode: "daemon", generation: -1, ttlMs: 9_000, receivedAt: ctx.clock.now },
      { nodeId: "node-2", agentId: "b", mode: "daemon", generation: 2, ttlMs: 9_000, receivedAt: ctx.clock.now },
    ]);
    expect(stateCounts(ctx.registry)).toEqual({
      targets: { assigning: 1, orphaned: 2 },
      agents: { joining: 1, ready: 1 },
    });
  });
});
