import { describe, expect, it } from "vitest";
import type { TargetHealth } from "../../crds-like-schemas/index.js";
import { CLUSTER, heartbeat, metricValue, plannedRound, withRedis } from "../reconcile/pipeline.test-helpers.js";
import { applyPlanStep } from "./apply-plan-step.js";
import { AGENT_RETENTION_MS, settleMachinesStep } from "./settle-step.js";

/** The two machine steps of a round (apply the plan; settle after dispatch) against real Redis. */

const fx = withRedis();

const planned = (live: string[] = ["node-1"]) => plannedRound(fx.redis, live);

const stateOf = (ctx: ReturnType<typeof planned>["ctx"]) =>
  Object.fromEntries(ctx.registry.targetViews().map((t) => [t.nodeId ?? "pool", t.state]));

describe("applyPlanStep", () => {
  it("feeds the plan to the target machines", () => {
    const { ctx } = planned();
    expect(stateOf(ctx)).toEqual({ "node-1": "assigning", "node-2": "orphaned", pool: "assigning" });
  });

  it.each([
    [false, 0],
    [true, 5],
  ])("full resync %s: an unchanged second round rewrites %i snapshots", async (fullResync, rewritten) => {
    const { ctx, planned: plan } = planned(["node-1", "node-2"]);
    expect(await ctx.registry.persist(ctx.lease)).toBe(5); // 3 targets + 2 agents
    applyPlanStep(ctx, plan, fullResync);
    expect(await ctx.registry.persist(ctx.lease)).toBe(rewritten);
  });
});

describe("settleMachinesStep", () => {
  const health = (targetId: string, ok: boolean, at: number): TargetHealth => ({
    targetId,
    ok,
    ...(ok ? {} : { errorClass: "timeout" as const }),
    durationMs: 2,
    samples: 1,
    at: new Date(at).toISOString(),
  });

  it("applies stored health, drops results of unknown targets, records coverage and persists under the lease", async () => {
    const { ctx, planned: plan, observed } = planned();
    const onNode1 = plan.nodes.get("node-1")?.targets.map((t) => t.id) ?? [];
    ctx.registry.markAssigned(onNode1);
    await ctx.reports.putHealth(
      CLUSTER,
      "node-1",
      [health(onNode1[0] as string, true, ctx.clock.now), health("gone-target", false, ctx.clock.now)],
      ctx.clock.now,
    );
    const checksBefore = ctx.lease.checks;

    await settleMachinesStep(ctx, plan, observed);

    expect(stateOf(ctx)).toMatchObject({ "node-1": "active.healthy", "node-2": "orphaned" });
    expect(await fx.redis.hkeys(ctx.keys.reports(CLUSTER, "health"))).toEqual([onNode1[0]]);
    const coverage = ctx.status.conditions().find((c) => c.type === "NodesWithoutAgent");
    expect(coverage).toMatchObject({ status: "True", reason: "NoLiveAgent" });
    expect(coverage?.message).toContain("node-2 (i-00000000000000002): 1");
    expect(ctx.status.summary(undefined).nodesWithoutAgent.map((n) => n.nodeId)).toEqual(["node-2"]);
    expect(await metricValue(ctx.metrics.nodesWithoutAgent, { cluster: CLUSTER })).toBe(1);
    expect(ctx.lease.checks).toBeGreaterThan(checksBefore);
    const persisted = await fx.redis.hkeys(ctx.keys.machines(CLUSTER));
    expect(persisted.filter((f) => f.startsWith("target:"))).toHaveLength(3);
    expect(persisted).toContain("agent:node-1");
  });

  it("prunes agents lost for longer than the retention, with their stored heartbeats and capacity reports", async () => {
    const { ctx, planned: plan, observed } = planned(["node-1", "node-2"]);
    await settleMachinesStep(ctx, plan, observed);
    await fx.redis.hset(ctx.keys.reports(CLUSTER, "heartbeats"), "node-2", "{}");
    await fx.redis.hset(ctx.keys.reports(CLUSTER, "capacity"), "node-2", "{}");
    expect(await fx.redis.hexists(ctx.keys.machines(CLUSTER), "agent:node-2")).toBe(1);

    ctx.clock.now += 16_000; // node-1 (TTL 15 s) heartbeats on; node-2 is lost from here
    ctx.registry.applyHeartbeats([{ ...heartbeat("node-1", ctx.clock.now).report, receivedAt: ctx.clock.now }]);
    await settleMachinesStep(ctx, plan, observed);
    expect(ctx.registry.agentViews().find((a) => a.nodeId === "node-2")?.state).toBe("lost");
    expect(await fx.redis.hexists(ctx.keys.reports(CLUSTER, "heartbeats"), "node-2")).toBe(1);

    ctx.clock.now += AGENT_RETENTION_MS + 1;
    ctx.registry.applyHeartbeats([{ ...heartbeat("node-1", ctx.clock.now).report, receivedAt: ctx.clock.now }]);
    await settleMachinesStep(ctx, plan, observed);
    expect(ctx.registry.agentViews().map((a) => a.nodeId)).toEqual(["node-1"]);
    expect(await fx.redis.hexists(ctx.keys.machines(CLUSTER), "agent:node-2")).toBe(0);
    expect(await fx.redis.hexists(ctx.keys.reports(CLUSTER, "heartbeats"), "node-2")).toBe(0);
    expect(await fx.redis.hexists(ctx.keys.reports(CLUSTER, "capacity"), "node-2")).toBe(0);
  });
});
