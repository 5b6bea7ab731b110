import { randomUUID } from "node:crypto";
import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { type ClusterSpec, redisKeys } from "../crds-like-schemas/index.js";
import { until } from "../lib/until.js";
import { ClusterRuntime } from "./cluster-runtime.js";
import { startController } from "./controller.js";
import { NodeDispatcher } from "./dispatch/node-dispatcher.js";
import { ReportStore } from "./dispatch/report-store.js";
import { ClusterLease } from "./leases/cluster-lease.js";
import type { ObservedCluster } from "./model.js";
import { ControllerMetrics } from "./outputs/controller-metrics.js";
import { SdStore } from "./outputs/sd-store.js";
import { observed } from "./plan/fixtures.test-helpers.js";
import {
  demoObserved,
  FakeObserver,
  FakeSpecSource,
  heartbeat,
  logger,
  withRedis,
} from "./reconcile/pipeline.test-helpers.js";

/**
 * A cluster's runtime against a real redis-server: the tick and the reconcile share one heartbeat read, and the
 * terminal path (the cluster left the spec) runs end to end through the controller: the loop stops, the outcome
 * is counted, and the runtime and its lease are released.
 */

const fx = withRedis();

/** An observer whose observe() waits until the test releases it. */
class GatedObserver extends FakeObserver {
  private gates: (() => void)[] = [];
  override async observe(): Promise<ObservedCluster> {
    await new Promise<void>((resolve) => this.gates.push(resolve));
    return super.observe();
  }
  open(): void {
    for (const gate of this.gates.splice(0)) gate();
  }
  get waiting(): number {
    return this.gates.length;
  }
}

describe("ClusterRuntime.tickAgents", () => {
  it("does not read the heartbeats while a reconcile runs (the round reads them once), and does between rounds", async () => {
    const keyPrefix = `t-${randomUUID()}`;
    const lease = new ClusterLease({ redis: fx.redis, cluster: "demo", holderId: "r1", ttlMs: 60_000, keyPrefix });
    await lease.tryAcquire();
    const observer = new GatedObserver(demoObserved());
    const reports = new ReportStore(fx.redis, keyPrefix);
    const read = vi.spyOn(reports, "heartbeats");
    const beat = heartbeat("node-1", Date.now());
    await reports.putHeartbeat(beat.report, beat.receivedAt);
    const runtime = await ClusterRuntime.start({
      cluster: "demo",
      lease,
      specSource: new FakeSpecSource(),
      observerFactory: () => observer,
      redis: fx.redis,
      dispatcher: new NodeDispatcher({ redis: fx.redis, logger, keyPrefix, bullPrefix: `b-${keyPrefix}` }),
      reports,
      sd: new SdStore(fx.redis, keyPrefix),
      metrics: new ControllerMetrics(new Registry()),
      logger,
      keyPrefix,
      reconcileIntervalMs: 60_000,
      drainDelayMs: 0,
      onStopped: () => {},
    });
    try {
      await until("the first reconcile to be observing", () => observer.waiting === 1);
      expect(runtime.loop.busy).toBe(true);
      await runtime.tickAgents();
      await runtime.tickAgents();
      expect(read).not.toHaveBeenCalled();

      observer.open();
      await runtime.loop.idle();
      expect(read).toHaveBeenCalledTimes(1);
      expect(runtime.registry.agentViews().map((a) => a.nodeId)).toEqual(["node-1"]);

      await runtime.tickAgents();
      expect(read).toHaveBeenCalledTimes(2);
    } finally {
      observer.open();
      await runtime.stop();
      await lease.release();
    }
  });
});

describe("the terminal path, end to end", () => {
  it("a cluster that left the spec stops its loop, is counted once, and its runtime and lease are released", async () => {
    const keyPrefix = `t-${randomUUID()}`;
    const specSource = new FakeSpecSource([{ name: "demo" }, { name: "other" }]);
    const observers = new Map<string, FakeObserver>();
    const observerFactory = (spec: ClusterSpec) => {
      const observer = new FakeObserver(spec.name === "demo" ? demoObserved() : { ...observed({}), cluster: "other" });
      observers.set(spec.name, observer);
      return observer;
    };
    const controller = await startController({
      id: "r1",
      logger,
      redis: fx.redis,
      specSource,
      observerFactory,
      reconcileIntervalMs: 100,
      leaseTtlMs: 60_000,
      keyPrefix,
      bullPrefix: `b-${keyPrefix}`,
      tickMs: 50,
    });
    const metricsText = () => controller.metrics.registry.metrics();
    const sample = async (series: string) =>
      Number(new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(await metricsText())?.[1] ?? "NaN");
    try {
      await until("both clusters held and reconciled", () => {
        const held = controller.heldClusters();
        return held.length === 2 && [...observers.values()].every((o) => o.observeCalls >= 2);
      });
      expect(await sample('ecsmon_reconcile_terminal_errors_total{controller="cluster"}')).toBe(0);
      const errorsBefore = await sample('ecsmon_reconcile_total{controller="cluster",result="error"}');

      // The reconcile sees the new spec before the controller's spec listener has run (e.g. while it is still
      // stopping the cluster's observer): the loop itself meets the terminal error.
      specSource.set([{ name: "other" }], { notify: false });
      await until("the removed cluster's runtime to be released", () => controller.heldClusters().join() === "other");

      const demo = observers.get("demo") as FakeObserver;
      const observedBefore = demo.observeCalls;
      expect(demo.stopCalls).toBe(1);
      expect(await sample('ecsmon_reconcile_terminal_errors_total{controller="cluster"}')).toBe(1);
      expect(await sample('ecsmon_reconcile_total{controller="cluster",result="error"}')).toBe(errorsBefore + 1);
      expect(await sample("ecsmon_leases_held")).toBe(1);
      expect(await metricsText()).not.toMatch(/ecsmon_nodes_without_agent\{cluster="demo"\}/);
      expect(await fx.redis.get(redisKeys(keyPrefix).lease("demo"))).toBeNull();

      // The spec listener catches up; nothing restarts the cluster and nothing is counted again.
      specSource.set([{ name: "other" }]);
      const otherBefore = (observers.get("other") as FakeObserver).observeCalls;
      await until("the remaining cluster to keep reconciling", () => {
        return (observers.get("other") as FakeObserver).observeCalls >= otherBefore + 3;
      });
      expect(demo.observeCalls).toBe(observedBefore);
      expect(await sample('ecsmon_reconcile_terminal_errors_total{controller="cluster"}')).toBe(1);
      expect(controller.heldClusters()).toEqual(["other"]);
    } finally {
      await controller.stop();
    }
  });
});
