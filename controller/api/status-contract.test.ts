import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import * as contract from "../../crds-like-schemas/contracts/status-api.js";
import { fromRoot } from "../../lib/paths.js";
import type { ClusterCapacity } from "../capacity/compute-capacity.js";
import type { LeaseStatus } from "../leases/lease-manager.js";
import { AGENT_STATES } from "../machines/agent-machine.js";
import type { AgentView, TargetView } from "../machines/views.js";
import type { Condition } from "../model.js";
import type { ExplainReason, TaskExplanation } from "../plan/index.js";
import type { ClusterSummary } from "../reconcile/cluster-status.js";
import type { NodeWithoutAgent } from "../reconcile/node-coverage.js";

/**
 * The status API's answers are built from interfaces that live with their producers (machines, plan, leases,
 * reconcile, capacity). The contract in crds-like-schemas/contracts/status-api.ts is the source the API's types
 * are inferred from; these checks fail to compile (and `tsc` fails CI) when a producer's interface and the
 * contract drift apart: a field added, removed, renamed or retyped on either side.
 */

/** Keys whose type admits `undefined`: JSON drops them, so on the wire they are optional. */
type UndefinedKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];
type Flat<T> = { [K in keyof T]: T[K] };
/** An interface as JSON carries it: `k: X | undefined` becomes `k?: X | undefined`, recursively. */
type Wire<T> = T extends readonly (infer U)[]
  ? Wire<U>[]
  : T extends object
    ? Flat<
        { [K in Exclude<keyof T, UndefinedKeys<T>>]: Wire<T[K]> } & {
          [K in UndefinedKeys<T>]?: Wire<Exclude<T[K], undefined>> | undefined;
        }
      >
    : T;

describe("status API contract ↔ the producers' interfaces", () => {
  it("each producer interface, as JSON carries it, is exactly the contract's type", () => {
    expectTypeOf<Wire<Condition>>().toEqualTypeOf<z.infer<typeof contract.Condition>>();
    expectTypeOf<Wire<LeaseStatus>>().toEqualTypeOf<z.infer<typeof contract.LeaseStatus>>();
    expectTypeOf<Wire<NodeWithoutAgent>>().toEqualTypeOf<z.infer<typeof contract.NodeWithoutAgent>>();
    expectTypeOf<Wire<ClusterCapacity>>().toEqualTypeOf<z.infer<typeof contract.ClusterCapacity>>();
    expectTypeOf<Wire<ClusterSummary>>().toEqualTypeOf<z.infer<typeof contract.ClusterSummary>>();
    expectTypeOf<Wire<TargetView>>().toEqualTypeOf<z.infer<typeof contract.TargetView>>();
    expectTypeOf<Wire<AgentView>>().toEqualTypeOf<z.infer<typeof contract.AgentView>>();
    expectTypeOf<Wire<TaskExplanation>>().toEqualTypeOf<z.infer<typeof contract.TaskExplanation>>();
    expectTypeOf<ExplainReason>().toEqualTypeOf<(typeof contract.EXPLAIN_REASONS)[number]>();
  });

  it("the contract's agent state names are the agent machine's (the target machine takes its list from the contract)", () => {
    expect([...contract.AGENT_STATE_NAMES].sort()).toEqual([...AGENT_STATES].sort());
  });
});

describe("the committed JSON Schemas of the status API", () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const committed = (name: string) =>
    JSON.parse(readFileSync(fromRoot("crds-like-schemas", "generated", `${name}.schema.json`), "utf8")) as object;
  const summary: ClusterSummary = {
    cluster: "demo",
    holder: undefined,
    fencingToken: undefined,
    observedAt: "2026-01-01T00:00:00.000Z",
    lastReconcileAt: undefined,
    conditions: [{ type: "Reconciled", status: "True", reason: "Reconciled", message: "ok", lastTransitionTime: "t" }],
    targets: { "active.healthy": 2 },
    agents: { ready: 1 },
    invalidTargets: 0,
    nodes: 1,
    nodesWithoutAgent: [{ nodeId: "n2", ec2InstanceId: undefined, targets: 1 }],
    poolTargets: 0,
    syncJobsSent: 1,
    capacity: undefined,
  };
  /** What the server sends: the producers' objects through JSON, which drops undefined fields. */
  const wire = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

  it("accept a summary as the reconciler builds it, and reject what the zod schema rejects", () => {
    const validate = ajv.compile(committed("cluster-summary"));
    expect(validate(wire(summary)), JSON.stringify(validate.errors)).toBe(true);
    expect(contract.ClusterSummary.safeParse(wire(summary)).success).toBe(true);
    const bad = { ...summary, nodes: "1" };
    expect(validate(wire(bad))).toBe(false);
    expect(contract.ClusterSummary.safeParse(wire(bad)).success).toBe(false);
  });

  it("accept a status document holding a live summary and a pending cluster", () => {
    const validate = ajv.compile(committed("api-status"));
    const doc = {
      replica: "r1",
      ready: true,
      stale: [{ what: "leases", ageMs: null, asOf: null, reason: "not read" }],
      leases: [{ cluster: "demo", holder: undefined, token: undefined, mine: false }],
      spec: { loaded: false, name: undefined, version: undefined, generation: undefined, conditions: [] },
      clusters: [summary, { cluster: "other", holder: undefined, pending: true }],
    };
    expect(validate(wire(doc)), JSON.stringify(validate.errors)).toBe(true);
    expect(contract.StatusDocument.safeParse(wire(doc)).success).toBe(true);
  });
});
