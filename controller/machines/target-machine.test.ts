import { describe, expect, it } from "vitest";
import { initialTransition, transition } from "xstate";
import { type TargetEvent, targetMachine, targetStateName } from "./target-machine.js";

const input = { id: "arn:task/1/app/8080/metrics", cluster: "demo", at: 1_000 };

function run(events: TargetEvent[]) {
  let [snapshot] = initialTransition(targetMachine, input);
  for (const event of events) [snapshot] = transition(targetMachine, snapshot, event);
  return snapshot;
}

const planned = (nodeId: string | undefined, at = 2_000): TargetEvent => ({ type: "PLANNED", nodeId, at });
const ev = <T extends TargetEvent["type"]>(type: T, at = 3_000) => ({ type, at }) as TargetEvent;

describe("target machine", () => {
  const table: { name: string; events: TargetEvent[]; state: string; nodeId?: string | undefined }[] = [
    { name: "starts discovered", events: [], state: "discovered" },
    { name: "planned → assigning", events: [planned("n1")], state: "assigning", nodeId: "n1" },
    { name: "assigned → active.healthy", events: [planned("n1"), ev("ASSIGNED")], state: "active.healthy" },
    {
      name: "health failed → failing",
      events: [planned("n1"), ev("ASSIGNED"), { type: "HEALTH_FAILED", error: "timeout", at: 4_000 }],
      state: "active.failing",
    },
    {
      name: "failing → healthy on ok",
      events: [planned("n1"), ev("ASSIGNED"), ev("HEALTH_FAILED"), ev("HEALTH_OK")],
      state: "active.healthy",
    },
    { name: "gone while active → draining", events: [planned("n1"), ev("ASSIGNED"), ev("GONE")], state: "draining" },
    { name: "drained → removed", events: [planned("n1"), ev("ASSIGNED"), ev("GONE"), ev("DRAINED")], state: "removed" },
    {
      name: "planned again while draining → assigning",
      events: [planned("n1"), ev("GONE"), planned("n1")],
      state: "assigning",
    },
    { name: "gone while assigning → draining", events: [planned("n1"), ev("GONE")], state: "draining" },
    { name: "gone before planning → removed", events: [ev("GONE")], state: "removed" },
    { name: "agent lost → orphaned", events: [planned("n1"), ev("ASSIGNED"), ev("AGENT_LOST")], state: "orphaned" },
    {
      name: "orphaned waits when planned on the same node",
      events: [planned("n1"), ev("ASSIGNED"), ev("AGENT_LOST"), planned("n1")],
      state: "orphaned",
      nodeId: "n1",
    },
    {
      name: "orphaned reassigned to the pool",
      events: [planned("n1"), ev("ASSIGNED"), ev("AGENT_LOST"), planned(undefined)],
      state: "assigning",
      nodeId: undefined,
    },
    {
      name: "orphaned reassigned to another agent",
      events: [planned("n1"), ev("ASSIGNED"), ev("AGENT_LOST"), planned("n2")],
      state: "assigning",
      nodeId: "n2",
    },
    {
      name: "agent back → assigning",
      events: [planned("n1"), ev("ASSIGNED"), ev("AGENT_LOST"), ev("AGENT_BACK")],
      state: "assigning",
    },
    { name: "orphaned and gone → draining", events: [planned("n1"), ev("AGENT_LOST"), ev("GONE")], state: "draining" },
    {
      name: "active node change → assigning",
      events: [planned("n1"), ev("ASSIGNED"), planned("n2")],
      state: "assigning",
      nodeId: "n2",
    },
    { name: "active same node stays", events: [planned("n1"), ev("ASSIGNED"), planned("n1")], state: "active.healthy" },
    {
      name: "invalid from discovered",
      events: [{ type: "INVALID", reason: "bad label at 3", at: 2_000 }],
      state: "invalid",
    },
    {
      name: "invalid fixed → assigning",
      events: [{ type: "INVALID", reason: "x", at: 2_000 }, planned("n1")],
      state: "assigning",
      nodeId: "n1",
    },
    {
      name: "invalid gone → removed",
      events: [{ type: "INVALID", reason: "x", at: 2_000 }, ev("GONE")],
      state: "removed",
    },
    { name: "removed is final", events: [ev("GONE"), planned("n1")], state: "removed" },
    { name: "health ignored before assignment", events: [planned("n1"), ev("HEALTH_FAILED")], state: "assigning" },
  ];

  it.each(table)("$name", ({ events, state, ...rest }) => {
    const snapshot = run(events);
    expect(targetStateName(snapshot.value)).toBe(state);
    if ("nodeId" in rest) expect(snapshot.context.nodeId).toBe(rest.nodeId);
  });

  it("keeps the invalid reason and clears it when fixed", () => {
    const invalid = run([{ type: "INVALID", reason: "PROMETHEUS_SCRAPES: position 5: bad port", at: 2_000 }]);
    expect(invalid.context.reason).toBe("PROMETHEUS_SCRAPES: position 5: bad port");
    const fixed = run([{ type: "INVALID", reason: "x", at: 2_000 }, planned("n1")]);
    expect(fixed.context.reason).toBeUndefined();
  });

  it("counts consecutive failures and stamps state entry time", () => {
    const s = run([
      planned("n1", 2_000),
      { type: "ASSIGNED", at: 2_500 },
      { type: "HEALTH_FAILED", error: "timeout", at: 3_000 },
      { type: "HEALTH_FAILED", error: "connection", at: 4_000 },
    ]);
    expect(s.context.failures).toBe(2);
    expect(s.context.lastError).toBe("connection");
    expect(s.context.since).toBe(3_000);
    const ok = run([planned("n1"), ev("ASSIGNED"), ev("HEALTH_FAILED"), { type: "HEALTH_OK", at: 9_000 }]);
    expect(ok.context.failures).toBe(0);
    expect(ok.context.since).toBe(9_000);
  });
});
