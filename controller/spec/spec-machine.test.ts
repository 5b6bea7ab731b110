import { describe, expect, it } from "vitest";
import { createActor, initialTransition, transition } from "xstate";
import { type MonitoringSpec, parseSpec } from "../../crds-like-schemas/index.js";
import { type SpecMachineEvent, specMachine } from "./spec-machine.js";

function spec(cluster: string): MonitoringSpec {
  const result = parseSpec(
    `apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters:\n    - name: ${cluster}\n`,
  );
  if (!result.ok) throw new Error("test spec is invalid");
  return result.spec;
}

const valid = (cluster: string, version: number, at = version): SpecMachineEvent => ({
  type: "VALID",
  spec: spec(cluster),
  version,
  at,
});
const invalid = (version: number, at = version): SpecMachineEvent => ({ type: "INVALID", version, message: "bad", at });
const missing = (at = 0): SpecMachineEvent => ({ type: "MISSING", at });
const unreachable = (at = 0): SpecMachineEvent => ({ type: "UNREACHABLE", reason: "SsmUnreachable", at });

function run(events: SpecMachineEvent[]) {
  let [snapshot] = initialTransition(specMachine, { at: 0 });
  for (const event of events) [snapshot] = transition(specMachine, snapshot, event);
  return snapshot;
}

describe("spec machine", () => {
  const table: {
    name: string;
    events: SpecMachineEvent[];
    state: string;
    lastGood?: { cluster: string; version: number; generation: number };
    available?: boolean | undefined;
  }[] = [
    { name: "starts loading", events: [], state: "loading", available: undefined },
    {
      name: "first valid spec",
      events: [valid("a", 1)],
      state: "valid",
      lastGood: { cluster: "a", version: 1, generation: 1 },
    },
    { name: "invalid first: nothing in force", events: [invalid(1)], state: "invalid" },
    { name: "missing first: waiting", events: [missing()], state: "waiting", available: false },
    { name: "unreachable first: still loading", events: [unreachable()], state: "loading", available: false },
    {
      name: "waiting then valid",
      events: [missing(), valid("a", 1)],
      state: "valid",
      lastGood: { cluster: "a", version: 1, generation: 1 },
      available: true,
    },
    {
      name: "invalid keeps the last good spec",
      events: [valid("a", 1), invalid(2)],
      state: "invalid",
      lastGood: { cluster: "a", version: 1, generation: 1 },
    },
    {
      name: "valid after invalid bumps the generation",
      events: [valid("a", 1), invalid(2), valid("b", 3)],
      state: "valid",
      lastGood: { cluster: "b", version: 3, generation: 2 },
    },
    {
      name: "same content under a new version keeps the generation",
      events: [valid("a", 1), valid("a", 2)],
      state: "valid",
      lastGood: { cluster: "a", version: 2, generation: 1 },
    },
    {
      name: "SSM outage keeps the spec in force",
      events: [valid("a", 1), unreachable(), unreachable()],
      state: "valid",
      lastGood: { cluster: "a", version: 1, generation: 1 },
      available: false,
    },
    {
      name: "deleted parameter keeps the spec in force",
      events: [valid("a", 1), missing()],
      state: "valid",
      lastGood: { cluster: "a", version: 1, generation: 1 },
      available: false,
    },
  ];

  it.each(table)("$name", ({ events, state, lastGood, ...rest }) => {
    const snapshot = run(events);
    expect(snapshot.value).toBe(state);
    const good = snapshot.context.lastGood;
    if (lastGood) {
      expect({
        cluster: good?.spec.spec.clusters[0]?.name,
        version: good?.version,
        generation: good?.generation,
      }).toEqual(lastGood);
    } else {
      expect(good).toBeUndefined();
    }
    if ("available" in rest) expect(snapshot.context.available).toBe(rest.available);
  });

  it("records the rejected version until a valid one replaces it, and stamps state changes only", () => {
    const rejected = run([valid("a", 1, 10), invalid(2, 20), invalid(3, 30)]);
    expect(rejected.context.rejected).toEqual({ version: 3, message: "bad" });
    expect(rejected.context.since).toBe(20);
    const recovered = run([valid("a", 1, 10), invalid(2, 20), valid("a", 4, 40)]);
    expect(recovered.context.rejected).toBeUndefined();
    expect(recovered.context.since).toBe(40);
  });

  it("persists and restores through a snapshot", () => {
    const actor = createActor(specMachine, { input: { at: 0 } });
    actor.start();
    actor.send(valid("a", 1));
    actor.send(invalid(2));
    const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
    actor.stop();
    const restored = createActor(specMachine, { input: { at: 0 }, snapshot: persisted });
    restored.start();
    expect(restored.getSnapshot().value).toBe("invalid");
    expect(restored.getSnapshot().context.lastGood?.version).toBe(1);
    restored.stop();
  });
});
