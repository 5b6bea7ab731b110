import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, expectTypeOf, it } from "vitest";
import * as contract from "../../crds-like-schemas/contracts/status-api.js";
import { fromRoot } from "../../lib/paths.js";
import { AGENT_STATES } from "../machines/agent-machine.js";
import type { ExplainReason } from "../plan/index.js";
import type { ClusterSummary } from "../reconcile/cluster-status.js";

/**
 * The producers' view types (targets, agents, explain, leases, summary, capacity, conditions) are the contract's
 * zod-inferred types themselves, so they cannot drift. What still has a definition of its own beside the contract
 * is checked here: the explain reasons (the plan's verdicts plus the runtime's) and the agent machine's state names.
 */
describe("status API contract ↔ what the producers define themselves", () => {
  it("the explain reasons are exactly the contract's", () => {
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
