import { describe, expect, it } from "vitest";
import { initialTransition, transition } from "xstate";
import { SeededRng } from "../../lib/rng.js";
import { type AgentEvent, agentMachine } from "./agent-machine.js";
import { MachineStore } from "./machine-store.js";
import { type TargetEvent, targetMachine } from "./target-machine.js";

const input = (id: string) => ({ id, cluster: "demo", at: 1_000 });
const planned = { type: "PLANNED", nodeId: "n1", at: 2_000, address: "10.0.0.1:80" } as const;

describe("MachineStore", () => {
  it("advances snapshots with pure transitions and marks only real changes dirty", () => {
    const store = new MachineStore(targetMachine);
    store.create("a", input("a"));
    store.create("b", input("b"));
    expect(store.changed().map((c) => c.key)).toEqual(["a", "b"]);
    store.markPersisted(store.changed());
    expect(store.changed()).toEqual([]);

    const sent = store.send("a", planned);
    expect(sent?.before.value).toBe("discovered");
    expect(sent?.after.value).toBe("assigning");
    const noop = store.send("b", { type: "HEALTH_OK", at: 3_000 });
    expect(noop?.after).toBe(noop?.before);
    expect(store.changed().map((c) => c.key)).toEqual(["a"]);
    expect(store.send("missing", planned)).toBeUndefined();
  });

  it("keeps a key dirty when it changed again during a write", () => {
    const store = new MachineStore(targetMachine);
    store.create("a", input("a"));
    const writing = store.changed();
    store.send("a", planned);
    store.markPersisted(writing);
    expect(store.changed().map((c) => c.key)).toEqual(["a"]);
  });

  it("restores persisted snapshots and refuses ones whose state no longer exists", () => {
    const store = new MachineStore(targetMachine);
    store.create("a", input("a"));
    store.send("a", planned);
    store.send("a", { type: "ASSIGNED", at: 2_500 });
    const [persisted] = store.changed();
    const json = JSON.parse(JSON.stringify(persisted?.persisted)) as { value: unknown; context: unknown };

    const restored = new MachineStore(targetMachine);
    expect(restored.restore("a", json).value).toEqual({ active: "unconfirmed" });
    expect(restored.changed()).toEqual([]);
    expect(restored.send("a", { type: "HEALTH_FAILED", error: "boom", at: 3_000 })?.after.value).toEqual({
      active: "failing",
    });
    // A snapshot written before `active.unconfirmed` existed still restores.
    const healthy = { value: { active: "healthy" }, context: (json as { context: object }).context };
    expect(restored.restore("d", healthy).value).toEqual({ active: "healthy" });
    restored.markPersisted(restored.changed());
    expect(() => restored.restore("b", { value: "no-such-state", context: {} })).toThrow();
    expect(() => restored.restore("c", { value: undefined, context: undefined })).toThrow(/value and context/);
    restored.markAllChanged();
    expect(restored.changed().map((c) => c.key)).toEqual(["a", "d"]);
  });

  it("ends every random event sequence where xstate's own transition() does (skipped events change nothing)", () => {
    const rng = new SeededRng(19);
    const pick = <T>(items: readonly T[]): T => items[rng.int(0, items.length - 1)]!;
    const nodes = ["n1", "n2", undefined];
    const targetEvent = (at: number): TargetEvent =>
      pick<TargetEvent>([
        { type: "PLANNED", nodeId: pick(nodes), at, address: pick(["10.0.0.1:80", "10.0.0.2:80"]) },
        { type: "ASSIGNED", at },
        { type: "HEALTH_OK", reporter: pick(nodes), at },
        { type: "HEALTH_FAILED", reporter: pick(nodes), error: "boom", at },
        { type: "GONE", at },
        { type: "DRAINED", at },
        { type: "AGENT_LOST", at },
        { type: "AGENT_BACK", at },
        { type: "INVALID", reason: "bad label", at },
      ]);
    const agentEvent = (at: number): AgentEvent =>
      rng.next() < 0.5
        ? { type: "TICK", now: at }
        : { type: "HEARTBEAT", agentId: "a", mode: "daemon", generation: rng.int(0, 2), ttlMs: 900, at };
    for (let run = 0; run < 80; run++) {
      const targets = new MachineStore(targetMachine);
      let reference = initialTransition(targetMachine, input("t"))[0];
      targets.create("t", input("t"));
      const agentInput = {
        nodeId: "n1",
        cluster: "demo",
        agentId: "a",
        mode: "daemon" as const,
        generation: 1,
        ttlMs: 900,
        at: 0,
      };
      const agents = new MachineStore(agentMachine);
      let agentReference = initialTransition(agentMachine, agentInput)[0];
      agents.create("n1", agentInput);
      for (let step = 1; step <= 25; step++) {
        const at = 1_000 + step * rng.int(100, 700);
        const event = targetEvent(at);
        reference = transition(targetMachine, reference, event)[0];
        targets.send("t", event);
        expect({ value: targets.get("t")?.value, context: targets.get("t")?.context }).toEqual({
          value: reference.value,
          context: reference.context,
        });
        const tick = agentEvent(at);
        agentReference = transition(agentMachine, agentReference, tick)[0];
        agents.send("n1", tick);
        expect(agents.get("n1")?.value).toEqual(agentReference.value);
        expect(agents.get("n1")?.context).toEqual(agentReference.context);
      }
    }
  });
});
