import { describe, expect, it, vi } from "vitest";
import { heartbeat, metricValue, pipelineContext, withRedis } from "../reconcile/pipeline.test-helpers.js";
import { AgentLiveness } from "./agent-liveness.js";

const fx = withRedis();

describe("AgentLiveness", () => {
  it("feeds the heartbeats to the agent machines, reports lost and returning agents, and publishes the counts", async () => {
    const ctx = pipelineContext(fx.redis);
    const liveness = new AgentLiveness(ctx);
    const beat = heartbeat("node-1", ctx.clock.now, "daemon", 2_000);
    await ctx.reports.putHeartbeat(beat.report, beat.receivedAt);

    const first = await liveness.refresh();
    expect([...first.heartbeats.keys()]).toEqual(["node-1"]);
    expect(first.heartbeats.get("node-1")).toMatchObject({ mode: "daemon", receivedAt: beat.receivedAt });
    expect(first).toMatchObject({ lost: [], back: [] });
    expect([...ctx.registry.liveAgents()]).toEqual(["node-1"]);
    expect(await metricValue(ctx.metrics.agents, { cluster: "demo", state: "ready" })).toBe(1);

    ctx.clock.now += 2_001;
    const second = await liveness.refresh();
    expect(second).toMatchObject({ lost: ["node-1"], back: [] });
    expect(ctx.registry.liveAgents().size).toBe(0);
    expect(await metricValue(ctx.metrics.agents, { cluster: "demo", state: "lost" })).toBe(1);
    expect(await metricValue(ctx.metrics.agents, { cluster: "demo", state: "ready" })).toBe(0);

    const again = heartbeat("node-1", ctx.clock.now, "daemon", 2_000);
    await ctx.reports.putHeartbeat(again.report, again.receivedAt);
    const third = await liveness.refresh();
    expect(third).toMatchObject({ lost: [], back: ["node-1"] });
    expect([...ctx.registry.liveAgents()]).toEqual(["node-1"]);
  });

  it("shares a read in flight: callers arriving together cause one Redis read, later callers a new one", async () => {
    const ctx = pipelineContext(fx.redis);
    const read = vi.spyOn(ctx.reports, "heartbeats");
    const liveness = new AgentLiveness(ctx);
    const [a, b, c] = await Promise.all([liveness.refresh(), liveness.refresh(), liveness.refresh()]);
    expect(read).toHaveBeenCalledTimes(1);
    expect(b).toBe(a);
    expect(c).toBe(a);
    await liveness.refresh();
    expect(read).toHaveBeenCalledTimes(2);
  });

  it("lets a failed read reach every caller and reads again next time", async () => {
    const ctx = pipelineContext(fx.redis);
    const read = vi.spyOn(ctx.reports, "heartbeats").mockRejectedValueOnce(new Error("redis away"));
    const liveness = new AgentLiveness(ctx);
    const results = await Promise.allSettled([liveness.refresh(), liveness.refresh()]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    await expect(liveness.refresh()).resolves.toMatchObject({ lost: [], back: [] });
    expect(read).toHaveBeenCalledTimes(2);
  });
});
