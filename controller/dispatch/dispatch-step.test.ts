import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import { NodeSyncJob, nodeQueueName } from "../../crds-like-schemas/index.js";
import { LeaseLostError } from "../leases/cluster-lease.js";
import { CLUSTER, metricValue, plannedRound, withRedis } from "../reconcile/pipeline.test-helpers.js";
import { dispatchStep } from "./dispatch-step.js";

const fx = withRedis();

const round = () => plannedRound(fx.redis, ["node-1", "node-2"]);

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
