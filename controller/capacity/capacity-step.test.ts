import { describe, expect, it } from "vitest";
import type { ClusterSpec } from "../../crds-like-schemas/index.js";
import type { ObservedCluster } from "../model.js";
import {
  CLUSTER,
  demoObserved,
  FakeSpecSource,
  pipelineContext,
  withRedis,
} from "../reconcile/pipeline.test-helpers.js";
import type { CapacityPort } from "../reconcile/ports.js";
import { capacityStep } from "./capacity-step.js";
import type { ClusterCapacity } from "./compute-capacity.js";

const fx = withRedis();

/** A capacity port that computes a fixed figure from the observation's time and records what it was asked. */
class RecordingCapacity implements CapacityPort {
  computed = 0;
  published: { namespace: string; cluster: string; observedAt: string }[] = [];
  updated: string[] = [];
  compute(observed: ObservedCluster): ClusterCapacity {
    this.computed++;
    return {
      cluster: CLUSTER,
      observedAt: observed.observedAt,
      nodes: [],
      remainingEnis: 4,
      remainingCpu: 1024,
      remainingMemory: 2048,
      schedulable: {},
    };
  }
  async publish(namespace: string, cluster: string, capacity: ClusterCapacity): Promise<void> {
    this.published.push({ namespace, cluster, observedAt: capacity.observedAt });
  }
  update(cluster: string): void {
    this.updated.push(cluster);
  }
}

const spec = (capacity: Record<string, unknown>): ClusterSpec =>
  new FakeSpecSource([{ name: CLUSTER, capacity }]).clusterSpec();
const at = (iso: string) => demoObserved({ observedAt: iso });

describe("capacityStep", () => {
  it("does nothing without a capacity port or with capacity disabled", async () => {
    const port = new RecordingCapacity();
    const ctx = pipelineContext(fx.redis, { capacity: port });
    expect(await capacityStep(ctx, spec({ enabled: false }), at("2026-01-01T00:00:09.000Z"))).toBe(false);
    expect(
      await capacityStep({ ...ctx, capacity: undefined }, spec({ enabled: true }), at("2026-01-01T00:00:09.000Z")),
    ).toBe(false);
    expect(port.computed).toBe(0);
    expect(await fx.redis.exists(ctx.keys.capacityPublishedAt(CLUSTER))).toBe(0);
  });

  it("computes every round and publishes once per period, only newer observations, after the lease check", async () => {
    const port = new RecordingCapacity();
    const ctx = pipelineContext(fx.redis, { capacity: port });
    const enabled = spec({ enabled: true, period: "30s", namespace: "Ops/Capacity" });
    const t0 = ctx.clock.now;
    const table: [string, number, string, boolean][] = [
      ["first round publishes", 0, "2026-01-01T00:00:09.000Z", true],
      ["within the period: not again", 10_000, "2026-01-01T00:00:19.000Z", false],
      ["period over: publishes the newer observation", 31_000, "2026-01-01T00:00:40.000Z", true],
      ["period over but the same observation: not twice", 70_000, "2026-01-01T00:00:40.000Z", false],
      ["period over, newer observation", 71_000, "2026-01-01T00:01:20.000Z", true],
    ];
    for (const [name, offset, observedAt, publishes] of table) {
      ctx.clock.now = t0 + offset;
      const checks = ctx.lease.checks;
      expect(await capacityStep(ctx, enabled, at(observedAt)), name).toBe(publishes);
      expect(ctx.lease.checks - checks, name).toBe(publishes ? 1 : 0);
      expect(ctx.status.lastCapacity()?.observedAt, name).toBe(observedAt);
    }
    expect(port.computed).toBe(table.length);
    expect(port.updated).toEqual(Array(table.length).fill(CLUSTER));
    expect(port.published).toEqual(
      table.filter((r) => r[3]).map((r) => ({ namespace: "Ops/Capacity", cluster: CLUSTER, observedAt: r[2] })),
    );
    // The stamp is the later of the publication time and the observation time.
    expect(Number(await fx.redis.get(ctx.keys.capacityPublishedAt(CLUSTER)))).toBe(t0 + 71_000);
  });

  it("a replica taking the cluster over honours the publication time another replica stored", async () => {
    const first = pipelineContext(fx.redis, { capacity: new RecordingCapacity() });
    const enabled = spec({ enabled: true, period: "60s" });
    expect(await capacityStep(first, enabled, at("2026-01-01T00:00:09.000Z"))).toBe(true);
    const port = new RecordingCapacity();
    const second = { ...pipelineContext(fx.redis, { capacity: port }), keys: first.keys };
    second.clock.now = first.clock.now + 20_000;
    expect(await capacityStep(second, enabled, at("2026-01-01T00:00:29.000Z"))).toBe(false);
    expect(port.published).toEqual([]);
  });
});
