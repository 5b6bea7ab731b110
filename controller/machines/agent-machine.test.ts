import { describe, expect, it } from "vitest";
import { initialTransition, transition } from "xstate";
import { type AgentEvent, agentMachine } from "./agent-machine.js";

const hb = (at: number, generation = 3, agentId = "a1"): AgentEvent => ({
  type: "HEARTBEAT",
  agentId,
  mode: "daemon",
  generation,
  ttlMs: 10_000,
  at,
});
const tick = (now: number): AgentEvent => ({ type: "TICK", now });

function run(firstGeneration: number, events: AgentEvent[]) {
  let [s] = initialTransition(agentMachine, {
    nodeId: "n1",
    cluster: "demo",
    agentId: "a1",
    mode: "daemon",
    generation: firstGeneration,
    ttlMs: 10_000,
    at: 0,
  });
  for (const e of events) [s] = transition(agentMachine, s, e);
  return s;
}

describe("agent machine", () => {
  const table: { name: string; first: number; events: AgentEvent[]; state: string }[] = [
    { name: "unsynced agent joins", first: -1, events: [], state: "joining" },
    { name: "synced agent is ready at once", first: 2, events: [], state: "ready" },
    { name: "joining → ready after first sync", first: -1, events: [hb(1_000, 0)], state: "ready" },
    { name: "stays ready within half the TTL", first: 2, events: [tick(5_000)], state: "ready" },
    { name: "suspect after half the TTL", first: 2, events: [tick(5_001)], state: "suspect" },
    { name: "lost after the TTL", first: 2, events: [tick(5_001), tick(10_001)], state: "lost" },
    { name: "lost straight from ready", first: 2, events: [tick(10_001)], state: "lost" },
    { name: "suspect recovers on heartbeat", first: 2, events: [tick(6_000), hb(6_500)], state: "ready" },
    { name: "lost agent back (synced)", first: 2, events: [tick(20_000), hb(21_000)], state: "ready" },
    {
      name: "lost agent restarted unsynced → joining",
      first: 2,
      events: [tick(20_000), hb(21_000, -1, "a2")],
      state: "joining",
    },
    { name: "heartbeat resets the clock", first: 2, events: [hb(8_000), tick(12_000)], state: "ready" },
    { name: "joining agent expires", first: -1, events: [tick(10_001)], state: "lost" },
  ];
  it.each(table)("$name", ({ first, events, state }) => {
    expect(run(first, events).value).toBe(state);
  });

  it("counts incarnations when the agent id changes", () => {
    const s = run(2, [hb(1_000, 2, "a1"), hb(2_000, -1, "a2"), hb(3_000, 5, "a2")]);
    expect(s.context.incarnations).toBe(2);
    expect(s.context.generation).toBe(5);
    expect(s.value).toBe("ready");
  });
});
