import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { redisKeys } from "../../crds-like-schemas/index.js";
import { createLogger } from "../../lib/logger.js";
import { useRedisServer } from "../../test/helpers/use-redis-server.js";
import type { ClusterPlan, DesiredTarget } from "../model.js";
import { type HeartbeatInput, readPersistedViews, TargetRegistry } from "./target-registry.js";

const logger = createLogger({ level: "silent", name: "test" });
const fence = { assertHeld: async () => 1 };

const fx = useRedisServer();

const desired = (n: number, nodeId: string | undefined): DesiredTarget => ({
  target: {
    id: `task/t${n}/app/8080/metrics`,
    address: `10.0.0.${n}:8080`,
    scheme: "http",
    metricsPath: "/metrics",
    labels: {},
  },
  cluster: "demo",
  nodeId,
  taskArn: `task/t${n}`,
  containerName: "app",
  serviceName: "web",
  meta: {},
});
const plan = (targets: DesiredTarget[], invalid: ClusterPlan["invalid"] = []): ClusterPlan => ({
  cluster: "demo",
  targets,
  invalid,
  nodes: new Map(),
  pool: [],
  services: undefined,
});
const hb = (nodeId: string, receivedAt: number, generation = 1, ttlMs = 1_000): HeartbeatInput => ({
  nodeId,
  agentId: `agent-${nodeId}`,
  mode: "daemon",
  generation,
  ttlMs,
  receivedAt,
});
/** Agents on n1 and n2 that stay live for the whole test. */
const liveAgents = (r: TargetRegistry) => r.applyHeartbeats([hb("n1", 0, 1, 1e9), hb("n2", 0, 1, 1e9)]);
const ok = (n: number, receivedAt: number, nodeId = "n1") => ({
  targetId: `task/t${n}/app/8080/metrics`,
  nodeId,
  ok: true,
  receivedAt,
});

function make(clock: { now: number }, keyPrefix = `t-${randomUUID()}`) {
  return new TargetRegistry({ cluster: "demo", redis: fx.redis, logger, keyPrefix, now: () => clock.now });
}
const ids = (r: TargetRegistry) => r.targetViews().map((v) => v.id);
const states = (r: TargetRegistry) => Object.fromEntries(r.targetViews().map((v) => [v.id, v.state]));

describe("TargetRegistry", () => {
  it("drives targets through assignment, churn, drain and removal", async () => {
    const clock = { now: 1_000 };
    const r = make(clock);
    liveAgents(r);
    r.applyPlan(plan([desired(1, "n1"), desired(2, "n1")]));
    expect(Object.values(states(r))).toEqual(["assigning", "assigning"]);
    r.markAssigned(ids(r));
    expect(Object.values(states(r))).toEqual(["active.unconfirmed", "active.unconfirmed"]);
    r.applyHealth([ok(1, 1_500), ok(2, 1_500)]);
    expect(Object.values(states(r))).toEqual(["active.healthy", "active.healthy"]);

    clock.now = 2_000;
    r.applyPlan(plan([desired(1, "n1"), desired(3, "n1")]));
    expect(states(r)).toEqual({
      "task/t1/app/8080/metrics": "active.healthy",
      "task/t2/app/8080/metrics": "draining",
      "task/t3/app/8080/metrics": "assigning",
    });
    r.tick();
    expect(states(r)["task/t2/app/8080/metrics"]).toBe("removed");
    expect(await r.persist(fence)).toBe(4); // t1, t3 and the two agents; t2 was never written

    expect(Object.keys(states(r)).sort()).toEqual(["task/t1/app/8080/metrics", "task/t3/app/8080/metrics"]);
    expect(await r.persist(fence)).toBe(0);

    // A steady cycle (the same plan again, a tick) changes no machine and writes nothing.
    r.markAssigned(ids(r));
    await r.persist(fence);
    clock.now = 3_000;
    r.applyPlan(plan([desired(1, "n1"), desired(3, "n1")]));
    r.markAssigned(ids(r));
    r.tick();
    expect(await r.persist(fence)).toBe(0);
    r.applyPlan(plan([desired(1, "n1"), desired(3, "n2")]));
    expect(states(r)["task/t3/app/8080/metrics"]).toBe("assigning");
    expect(await r.persist(fence)).toBe(1);
  });

  it("records invalid targets with their reason and service, and health transitions", () => {
    const clock = { now: 1_000 };
    const r = make(clock);
    liveAgents(r);
    r.applyPlan(
      plan(
        [desired(1, "n1")],
        [
          {
            id: "task/t9/bad/label",
            cluster: "demo",
            taskArn: "task/t9",
            containerName: "bad",
            serviceName: "web",
            reason: "position 4: bad port",
          },
        ],
      ),
    );
    r.markAssigned(ids(r));
    r.applyHealth([
      { targetId: "task/t1/app/8080/metrics", nodeId: "n1", ok: false, errorClass: "timeout", receivedAt: 1_500 },
    ]);
    const views = Object.fromEntries(r.targetViews().map((v) => [v.id, v]));
    expect(views["task/t9/bad/label"]?.state).toBe("invalid");
    expect(views["task/t9/bad/label"]?.reason).toBe("position 4: bad port");
    expect(views["task/t9/bad/label"]?.serviceName).toBe("web");
    expect(views["task/t1/app/8080/metrics"]?.state).toBe("active.failing");
    expect(views["task/t1/app/8080/metrics"]?.lastError).toBe("timeout");
    expect(views["task/t1/app/8080/metrics"]?.address).toBe("10.0.0.1:8080");
    r.applyHealth([{ targetId: "task/t1/app/8080/metrics", ok: false, receivedAt: 1_500 }]);
    expect(r.targetViews().find((v) => v.id === "task/t1/app/8080/metrics")?.failures).toBe(1);
  });

  it("keeps repeated successes of a healthy target out of the machine and of Redis, but shows their time", async () => {
    const clock = { now: 1_000 };
    const r = make(clock);
    const id = "task/t1/app/8080/metrics";
    const view = () => r.targetViews().find((v) => v.id === id);
    liveAgents(r);
    r.applyPlan(plan([desired(1, "n1")]));
    r.markAssigned(ids(r));
    r.applyHealth([{ targetId: id, ok: false, errorClass: "timeout", receivedAt: 1_500 }]);
    r.applyHealth([{ targetId: id, ok: true, receivedAt: 2_000 }]);
    expect(view()?.state).toBe("active.healthy");
    await r.persist(fence);

    for (const receivedAt of [3_000, 4_000, 5_000]) r.applyHealth([{ targetId: id, ok: true, receivedAt }]);
    expect(await r.persist(fence)).toBe(0);
    expect(view()?.lastHealthAt).toBe(new Date(5_000).toISOString());
    r.applyHealth([{ targetId: id, ok: true, receivedAt: 4_500 }]);
    expect(view()?.lastHealthAt).toBe(new Date(5_000).toISOString());

    r.applyHealth([{ targetId: id, ok: false, error: "connection refused", receivedAt: 6_000 }]);
    expect(view()?.state).toBe("active.failing");
    expect(await r.persist(fence)).toBe(1);
  });

  it("orphans targets when the agent is lost and reassigns them when it returns", () => {
    const clock = { now: 1_000 };
    const r = make(clock);
    r.applyHeartbeats([hb("n1", 1_000)]);
    r.applyPlan(plan([desired(1, "n1")]));
    r.markAssigned(ids(r));
    expect(r.liveAgents()).toEqual(new Set(["n1"]));
    clock.now = 1_600;
    r.tick();
    expect(r.agentViews()[0]?.state).toBe("suspect");
    clock.now = 2_100;
    expect(r.tick()).toEqual({ lost: ["n1"], back: [] });
    expect(r.liveAgents().size).toBe(0);
    expect(Object.values(states(r))).toEqual(["orphaned"]);
    r.applyPlan(plan([desired(1, "n1")]));
    expect(Object.values(states(r))).toEqual(["orphaned"]);
    r.applyHeartbeats([hb("n1", 2_200)]);
    expect(r.tick()).toEqual({ lost: [], back: ["n1"] });
    expect(Object.values(states(r))).toEqual(["assigning"]);
    r.markAssigned(ids(r));
    expect(Object.values(states(r))).toEqual(["active.unconfirmed"]);
    r.applyHealth([ok(1, 2_300)]);
    expect(Object.values(states(r))).toEqual(["active.healthy"]);
  });

  it("leaves orphaned targets untouched, and unwritten, while their unchanged plan and the clock repeat", async () => {
    const clock = { now: 1_000 };
    const r = make(clock);
    r.applyPlan(plan([desired(1, "n3"), desired(2, "n3")]));
    r.tick();
    expect(Object.values(states(r))).toEqual(["orphaned", "orphaned"]);
    expect(await r.persist(fence)).toBe(2);
    for (let cycle = 0; cycle < 3; cycle++) {
      clock.now += 10_000;
      r.applyPlan(plan([desired(1, "n3"), desired(2, "n3")]));
      r.tick();
      expect(await r.persist(fence)).toBe(0);
    }
    expect(Object.values(states(r))).toEqual(["orphaned", "orphaned"]);
    // A new placement is a change: the target goes back to assigning on the node that has an agent.
    r.applyHeartbeats([hb("n1", clock.now, 1, 60_000)]);
    r.applyPlan(plan([desired(1, "n1"), desired(2, "n3")]));
    expect(states(r)).toEqual({ "task/t1/app/8080/metrics": "assigning", "task/t2/app/8080/metrics": "orphaned" });
    expect(await r.persist(fence)).toBe(2); // t1 and the new agent
  });

  it("orphans targets on a node no agent ever reported from, and ignores results from other nodes", () => {
    const clock = { now: 1_000 };
    const r = make(clock);
    r.applyHeartbeats([hb("n1", 1_000, 1, 60_000)]);
    r.applyPlan(plan([desired(1, "n1"), desired(2, "n3")]));
    expect(states(r)).toEqual({ "task/t1/app/8080/metrics": "assigning", "task/t2/app/8080/metrics": "orphaned" });
    r.markAssigned(ids(r));
    r.applyHealth([ok(1, 1_100), ok(2, 1_100, "n1")]);
    r.tick();
    const views = Object.fromEntries(r.targetViews().map((v) => [v.id, v]));
    expect(views["task/t1/app/8080/metrics"]?.state).toBe("active.healthy");
    expect(views["task/t2/app/8080/metrics"]).toMatchObject({ state: "orphaned", reason: "node n3 has no live agent" });
    expect(views["task/t2/app/8080/metrics"]?.lastHealthAt).toBeUndefined();

    r.applyHeartbeats([hb("n3", 1_200, 1, 60_000)]);
    r.tick();
    r.markAssigned(ids(r));
    expect(states(r)["task/t2/app/8080/metrics"]).toBe("active.unconfirmed");
    r.applyHealth([ok(2, 1_300, "n1")]);
    expect(states(r)["task/t2/app/8080/metrics"]).toBe("active.unconfirmed");
    r.applyHealth([ok(2, 1_400, "n3")]);
    expect(states(r)["task/t2/app/8080/metrics"]).toBe("active.healthy");
  });

  it("prunes agents lost for longer than the retention and deletes their snapshots", async () => {
    const clock = { now: 1_000 };
    const r = make(clock);
    r.applyHeartbeats([hb("n1", 1_000), hb("n2", 1_000)]);
    expect(await r.persist(fence)).toBe(2);
    clock.now = 5_000;
    r.applyHeartbeats([hb("n2", 5_000)]);
    r.tick();
    expect(r.pruneAgents(10_000)).toEqual([]);
    clock.now = 12_000;
    r.applyHeartbeats([hb("n2", 12_000)]);
    r.tick();
    expect(r.pruneAgents(10_000)).toEqual(["n1"]);
    expect(r.agentViews().map((a) => a.nodeId)).toEqual(["n2"]);
    expect(await r.persist(fence)).toBe(2);
    expect(await fx.redis.hkeys(r.key)).toEqual(["agent:n2"]);
  });

  it("persists snapshots and restores them in another registry (failover)", async () => {
    const clock = { now: 1_000 };
    const keyPrefix = `t-${randomUUID()}`;
    const a = make(clock, keyPrefix);
    a.applyHeartbeats([hb("n1", 1_000, 3)]);
    a.applyPlan(plan([desired(1, "n1"), desired(2, undefined)]));
    a.markAssigned(["task/t1/app/8080/metrics"]);
    a.applyHealth([{ targetId: "task/t1/app/8080/metrics", ok: false, error: "boom", receivedAt: 1_100 }]);
    expect(await a.persist(fence)).toBe(3);

    const views = await readPersistedViews(fx.redis, "demo", keyPrefix);
    expect(views.targets.map((t) => [t.id, t.state, t.address]).sort()).toEqual([
      ["task/t1/app/8080/metrics", "active.failing", "10.0.0.1:8080"],
      ["task/t2/app/8080/metrics", "assigning", "10.0.0.2:8080"],
    ]);
    expect(views.agents.map((a) => a.state)).toEqual(["ready"]);

    const b = make(clock, keyPrefix);
    expect(await b.restore()).toEqual({ targets: 2, agents: 1 });
    expect(states(b)).toEqual({
      "task/t1/app/8080/metrics": "active.failing",
      "task/t2/app/8080/metrics": "assigning",
    });
    expect(b.agentViews()[0]).toMatchObject({ nodeId: "n1", state: "ready", assignment: 3 });
    expect(await b.persist(fence)).toBe(0);
    b.markAssigned(["task/t2/app/8080/metrics"]);
    expect(states(b)["task/t2/app/8080/metrics"]).toBe("active.unconfirmed");
  });

  it("drops unreadable snapshots on restore and refuses to persist without the lease", async () => {
    const clock = { now: 1_000 };
    const keyPrefix = `t-${randomUUID()}`;
    await fx.redis.hset(redisKeys(keyPrefix).machines("demo"), "target:x", "{not json", "bogus", "1");
    const r = make(clock, keyPrefix);
    expect(await r.restore()).toEqual({ targets: 0, agents: 0 });
    expect(await fx.redis.hlen(redisKeys(keyPrefix).machines("demo"))).toBe(0);
    r.applyPlan(plan([desired(1, "n1")]));
    await expect(r.persist({ assertHeld: async () => Promise.reject(new Error("lost")) })).rejects.toThrow("lost");
    expect(await fx.redis.hlen(redisKeys(keyPrefix).machines("demo"))).toBe(0);
  });
});
