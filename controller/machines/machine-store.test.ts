import { describe, expect, it } from "vitest";
import { MachineStore } from "./machine-store.js";
import { targetMachine } from "./target-machine.js";

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
});
