import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeSyncJob, nodeQueueName } from "../../crds-like-schemas/index.js";
import { LeaseLostError } from "../leases/cluster-lease.js";
import { applyPlanStep } from "../machines/apply-plan-step.js";
import { planStep } from "../plan/plan-step.js";
import {
  CLUSTER,
  demoObserved,
  FakeSpecSource,
  heartbeat,
  metricValue,
  pipelineContext,
  type RedisFixture,
  startRedisFixture,
} from "../reconcile/pipeline.test-helpers.js";
import { dispatchStep } from "./dispatch-step.js";

let fx: RedisFixture;
beforeAll(async () => {
  fx = await startRedisFixture();
});
afterAll(async () => {
  await fx.stop();
});

function round() {
  const ctx = pipelineContext(fx.redis);
  const spec = new FakeSpecSource().clusterSpec();
  const beats = ["node-1", "node-2"].map((node) => heartbeat(node, ctx.clock.now).report);
  ctx.registry.applyHeartbeats(beats.map((b) => ({ ...b, receivedAt: ctx.clock.now })));
  const { planned } = planStep(
    spec,
    demoObserved(),
    ctx.registry.liveAgents(),
    new Map(beats.map((b) => [b.nodeId, b])),
  );
  applyPlanStep(ctx, planned, false);
  return { ctx, spec, planned };
}

describe("dispatchStep", () => {
  it("sends one job per node and the pool's, marks their targets assigned, and counts what it sent", async () => {
    const { ctx, spec, planned } = round();
    expect(await dispatchStep(ctx, spec, planned, true)).toBe(3);
    expect(ctx.registry.targetViews().map((t) => t.state)).toEqual(Array(3).fill("active.unconfirmed"));
    expect(await metricValue(ctx.metrics.syncJobs, { cluster: CLUSTER })).toBe(3);
    expect(ctx.status.summary(undefined).syncJobsSent).toBe(3);

    const latest = await fx.redis.get(ctx.keys.node("node-1").latest);
    const queue = new Queue(nodeQueueName("node-1"), {
      connection: fx.redis,
      prefix: ctx.bullPrefix,
    });
    const job = NodeSyncJob.parse((await queue.getJob(latest ?? ""))?.data);
    await queue.close();
    expect(job.scrape.targets.map((t) => t.address)).toEqual(
      planned.nodes.get("node-1")?.targets.map((t) => t.address),
    );
    expect(job.fencingToken).toBe(ctx.lease.token);

    expect(await dispatchStep(ctx, spec, planned, false)).toBe(0);
    expect(await metricValue(ctx.metrics.syncJobs, { cluster: CLUSTER })).toBe(3);
  });

  it.each([
    [false, 0],
    [true, 1],
  ])("full resync %s after Redis lost one node's payload hash: %i job(s) sent again", async (fullResync, resent) => {
    const { ctx, spec, planned } = round();
    await dispatchStep(ctx, spec, planned, true);
    await fx.redis.del(ctx.keys.node("node-1").hash);
    expect(await dispatchStep(ctx, spec, planned, fullResync)).toBe(resent);
  });

  it("writes nothing and marks nothing once the lease is lost", async () => {
    const { ctx, spec, planned } = round();
    ctx.lease.assertHeld = async () => {
      throw new LeaseLostError(CLUSTER);
    };
    await expect(dispatchStep(ctx, spec, planned, true)).rejects.toBeInstanceOf(LeaseLostError);
    expect(await fx.redis.get(ctx.keys.node("node-1").latest)).toBeNull();
    expect(ctx.registry.targetViews().map((t) => t.state)).toEqual(Array(3).fill("assigning"));
    expect(await metricValue(ctx.metrics.syncJobs, { cluster: CLUSTER })).toBe(0);
  });
});
