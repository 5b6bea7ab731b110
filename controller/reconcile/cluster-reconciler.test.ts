import { describe, expect, it, vi } from "vitest";
import { LeaseLostError } from "../leases/cluster-lease.js";
import { SdStore, snapshotGroups } from "../outputs/sd-store.js";
import { ClusterReconciler } from "./cluster-reconciler.js";
import { TerminalError } from "./errors.js";
import {
  CLUSTER,
  demoObserved,
  type FakeObserver,
  type FakeSpecSource,
  heartbeat,
  pipelineContext,
  withRedis,
} from "./pipeline.test-helpers.js";

/** The reconciler over real Redis stores, registry and dispatcher; only AWS (the observer) and the spec are fakes. */

const INTERVAL_MS = 4_000;

const fx = withRedis();

function reconciler() {
  const ctx = pipelineContext(fx.redis);
  const specSource = ctx.specSource as FakeSpecSource;
  const observer = ctx.observer as FakeObserver;
  const r = new ClusterReconciler({
    cluster: CLUSTER,
    specSource,
    observer,
    lease: ctx.lease,
    registry: ctx.registry,
    dispatcher: ctx.dispatcher,
    reports: ctx.reports,
    sd: ctx.sd,
    metrics: ctx.metrics,
    redis: fx.redis,
    logger: ctx.logger,
    intervalMs: INTERVAL_MS,
    keyPrefix: ctx.keyPrefix,
    now: ctx.now,
  });
  return { r, ctx, specSource, observer };
}

const condition = (r: ClusterReconciler, type: string) => r.summary(undefined).conditions.find((c) => c.type === type);
const storedSummary = async (key: string) => JSON.parse((await fx.redis.get(key)) ?? "null");

async function publishedTargets(keyPrefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const g of snapshotGroups(await new SdStore(fx.redis, keyPrefix).snapshot([CLUSTER]))) {
    out.push(`${g.targets[0]}${g.labels.__metrics_path__}`);
  }
  return out.sort();
}

describe("ClusterReconciler.reconcile", () => {
  it("runs every step of a round and asks to run again after the interval", async () => {
    const { r, ctx, specSource, observer } = reconciler();
    expect(r.explain("t1")).toBeUndefined();
    expect(r.nodeIds()).toEqual([]);

    expect(await r.reconcile()).toEqual({ requeueAfterMs: INTERVAL_MS });

    expect(observer.specs).toEqual([specSource.clusterSpec()]);
    expect(await publishedTargets(ctx.keyPrefix)).toEqual([
      "10.0.0.1:9100/metrics",
      "10.0.0.2:9100/metrics",
      "10.2.0.9:8080/metrics",
    ]);
    expect(await fx.redis.get(ctx.keys.node("node-1").latest)).toMatch(/^sync-node-1-g\d+$/);
    expect(await fx.redis.get(ctx.keys.node("node-2").latest)).toMatch(/^sync-node-2-g\d+$/);
    expect(r.nodeIds().sort()).toEqual(["node-1", "node-2"]);
    const summary = r.summary(undefined);
    expect(summary).toMatchObject({
      nodes: 2,
      poolTargets: 1,
      syncJobsSent: 3,
      fencingToken: ctx.lease.token,
      observedAt: demoObserved().observedAt,
      lastReconcileAt: new Date(ctx.clock.now).toISOString(),
      targets: { orphaned: 2, "active.unconfirmed": 1 },
    });
    expect(summary.conditions.map((c) => [c.type, c.status])).toEqual([
      ["ObservationComplete", "True"],
      ["NodesWithoutAgent", "True"],
      ["Reconciled", "True"],
    ]);
    expect(await storedSummary(ctx.keys.status(CLUSTER))).toEqual(JSON.parse(JSON.stringify(summary)));
    expect(r.explain("t1")).toMatchObject({ found: true, cluster: CLUSTER, nodeId: "node-1" });
  });

  it("reads the heartbeats once per round, and that one read feeds both the machines and the plan", async () => {
    const { r, ctx } = reconciler();
    const read = vi.spyOn(ctx.reports, "heartbeats");
    const sidecar = heartbeat("t3", ctx.clock.now, "sidecar");
    await ctx.reports.putHeartbeat(sidecar.report, sidecar.receivedAt);
    for (let round = 1; round <= 3; round++) {
      await r.reconcile();
      expect(read).toHaveBeenCalledTimes(round);
    }
    // The Fargate task t3 has a live sidecar agent: its target goes to that node, not to the pool.
    expect(r.nodeIds().sort()).toEqual(["node-1", "node-2", "t3"]);
    expect(r.summary(undefined).poolTargets).toBe(0);
    expect(r.summary(undefined).agents).toEqual({ ready: 1 });
  });

  it("keeps everything published when observation fails, and says why in the conditions", async () => {
    const { r, ctx, observer } = reconciler();
    await r.reconcile();
    const published = await publishedTargets(ctx.keyPrefix);
    const stored = await storedSummary(ctx.keys.status(CLUSTER));
    const read = vi.spyOn(ctx.reports, "heartbeats");

    ctx.clock.now += 10_000;
    observer.next = Object.assign(new Error("Rate exceeded"), { reason: "Throttled" });
    await expect(r.reconcile()).rejects.toThrow("Rate exceeded");

    expect(condition(r, "ObservationComplete")).toMatchObject({ status: "False", reason: "Throttled" });
    expect(condition(r, "Reconciled")).toMatchObject({ status: "False", reason: "Error", message: "Rate exceeded" });
    expect(await publishedTargets(ctx.keyPrefix)).toEqual(published);
    expect(await storedSummary(ctx.keys.status(CLUSTER))).toEqual(stored);
    expect(r.summary(undefined).lastReconcileAt).toBe(stored.lastReconcileAt);
    expect(read).not.toHaveBeenCalled();

    observer.next = demoObserved();
    await r.reconcile();
    expect(condition(r, "ObservationComplete")?.status).toBe("True");
    expect(condition(r, "Reconciled")?.status).toBe("True");
  });

  it("throws a TerminalError without observing once the cluster left the spec", async () => {
    const { r, specSource, observer } = reconciler();
    await r.reconcile();
    specSource.set([{ name: "other" }]);
    await expect(r.reconcile()).rejects.toBeInstanceOf(TerminalError);
    expect(observer.observeCalls).toBe(1);
    expect(condition(r, "Reconciled")).toMatchObject({ status: "False", reason: "TerminalError" });
  });

  it("stops writing and reports it when the lease is lost mid-round", async () => {
    const { r, ctx } = reconciler();
    ctx.lease.assertHeld = async () => {
      throw new LeaseLostError(CLUSTER);
    };
    await expect(r.reconcile()).rejects.toBeInstanceOf(LeaseLostError);
    expect(await fx.redis.get(ctx.keys.node("node-1").latest)).toBeNull();
    expect(await fx.redis.get(ctx.keys.status(CLUSTER))).toBeNull();
    expect(condition(r, "Reconciled")).toMatchObject({ status: "False", reason: "LeaseLostError" });
  });
});

describe("ClusterReconciler.refreshAgents (the tick between reconciles)", () => {
  it("says whether an agent was lost or came back", async () => {
    const { r, ctx } = reconciler();
    const beat = () => heartbeat("node-1", ctx.clock.now, "daemon", 3_000);
    await ctx.reports.putHeartbeat(beat().report, beat().receivedAt);
    expect(await r.refreshAgents()).toBe(false);
    ctx.clock.now += 1_000;
    expect(await r.refreshAgents()).toBe(false);
    ctx.clock.now += 3_000;
    expect(await r.refreshAgents()).toBe(true);
    expect(await r.refreshAgents()).toBe(false);
    await ctx.reports.putHeartbeat(beat().report, beat().receivedAt);
    expect(await r.refreshAgents()).toBe(true);
  });
});
