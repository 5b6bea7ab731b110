import { randomUUID } from "node:crypto";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { parseSpec, redisKeys } from "../../crds-like-schemas/index.js";
import { useRedisServer } from "../../test/helpers/use-redis-server.js";
import type { ClusterCapacity } from "../capacity/compute-capacity.js";
import type { LeaseManager, LeaseStatus } from "../leases/lease-manager.js";
import { ClusterStatus } from "../reconcile/cluster-status.js";
import type { SpecSource } from "../reconcile/ports.js";
import { ControllerStatusView } from "./controller-status-view.js";

/**
 * Clusters another replica holds are answered from the summary their holder stored in Redis. The stored value is
 * parsed with the ClusterSummary contract: a summary as ClusterStatus builds it comes back whole, and one that is
 * not of the contract (a replica of another version) reads as "no summary yet", as a corrupt value always did.
 */

const fx = useRedisServer();

const parsed = parseSpec(
  "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nmetadata:\n  name: t\nspec:\n  clusters:\n    - name: demo\n    - name: other\n",
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const spec = parsed.spec;

const specSource: SpecSource = {
  current: () => ({ spec, version: 2, generation: 1 }),
  conditions: () => [],
  onChange: () => () => {},
};

const capacity: ClusterCapacity = {
  cluster: "demo",
  observedAt: "2026-01-01T00:00:00.000Z",
  nodes: [],
  remainingEnis: 3,
  remainingCpu: 1024,
  remainingMemory: 2048,
  schedulable: { small: 4 },
};

/** The summary of `demo` exactly as its holder builds it. */
function holderSummary(): ReturnType<ClusterStatus["summary"]> {
  const status = new ClusterStatus({
    cluster: "demo",
    generation: () => 1,
    fencingToken: () => 4,
    counts: () => ({ targets: { "active.healthy": 2 }, agents: { ready: 1 } }),
    now: () => Date.parse("2026-01-01T00:00:00.000Z"),
  });
  status.recordObservationFailure(Object.assign(new Error("ECS throttled"), { reason: "Throttled" }));
  status.recordCoverage([{ nodeId: "n2", ec2InstanceId: undefined, targets: 1 }]);
  status.recordCapacity(capacity);
  return status.summary("replica-b");
}

function view(prefix: string): ControllerStatusView {
  const leases: LeaseStatus[] = [
    { cluster: "demo", holder: "replica-b", token: 4, mine: false },
    { cluster: "other", holder: undefined, token: undefined, mine: false },
  ];
  return new ControllerStatusView({
    id: "replica-a",
    redis: fx.redis,
    keyPrefix: prefix,
    registry: new Registry(),
    specSource,
    leases: { status: async () => leases } as Pick<LeaseManager, "status"> as LeaseManager,
    runtimes: new Map(),
    httpSd: () => Buffer.alloc(0),
    ready: () => true,
    staleAfterMs: 60_000,
  });
}

describe("ControllerStatusView: clusters held elsewhere", () => {
  it("answers a stored summary whole, and a cluster without one as pending", async () => {
    const prefix = `t-${randomUUID()}`;
    const summary = holderSummary();
    await fx.redis.set(redisKeys(prefix).status("demo"), JSON.stringify(summary));
    const status = await view(prefix).status();
    expect(status.clusters).toEqual([
      JSON.parse(JSON.stringify(summary)),
      { cluster: "other", holder: undefined, pending: true },
    ]);
    const capacityAnswer = await view(prefix).capacity();
    expect(capacityAnswer.items).toEqual([
      {
        cluster: "demo",
        observedAt: capacity.observedAt,
        remainingEnis: 3,
        remainingCpu: 1024,
        remainingMemory: 2048,
        schedulable: { small: 4 },
      },
      { cluster: "other", capacity: null, message: "held by another replica; no summary yet" },
    ]);
  });

  it.each([
    ["not JSON", "{"],
    ["conditions not a list", JSON.stringify({ ...holderSummary(), conditions: "Throttled" })],
    [
      "a condition status outside True/False/Unknown",
      JSON.stringify({
        ...holderSummary(),
        conditions: [{ type: "x", status: "Maybe", reason: "r", message: "m", lastTransitionTime: "t" }],
      }),
    ],
  ])("reads a stored summary that is %s as pending", async (_name, stored) => {
    const prefix = `t-${randomUUID()}`;
    await fx.redis.set(redisKeys(prefix).status("demo"), stored);
    const status = await view(prefix).status();
    expect(status.clusters[0]).toEqual({ cluster: "demo", holder: "replica-b", pending: true });
  });
});
