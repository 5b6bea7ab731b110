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
/** A scrape result reported by the agent of `reporter` (default n1, the node the tables plan on). */
const ok = (reporter = "n1", at = 3_500): TargetEvent => ({ type: "HEALTH_OK", reporter, at });
const failed = (reporter = "n1", at = 3_500): TargetEvent => ({ type: "HEALTH_FAILED", reporter, at });

describe("target machine", () => {
  const table: { name: string; events: TargetEvent[]; state: string; nodeId?: string | undefined }[] = [
    { name: "starts discovered", events: [], state: "discovered" },
    { name: "planned → assigning", events: [planned("n1")], state: "assigning", nodeId: "n1" },
    {
      name: "assigned → active.unconfirmed (a dispatched job proves nothing)",
      events: [planned("n1"), ev("ASSIGNED")],
      state: "active.unconfirmed",
    },
    {
      name: "first successful scrape from its agent → active.healthy",
      events: [planned("n1"), ev("ASSIGNED"), ok()],
      state: "active.healthy",
    },
    {
      name: "first failed scrape → active.failing",
      events: [planned("n1"), ev("ASSIGNED"), failed()],
      state: "active.failing",
    },
    {
      name: "a result from another node's agent does not confirm it",
      events: [planned("n1"), ev("ASSIGNED"), ok("n2")],
      state: "active.unconfirmed",
    },
    {
      name: "nor fail it",
      events: [planned("n1"), ev("ASSIGNED"), ok(), failed("n2")],
      state: "active.healthy",
    },
    {
      name: "pool targets take results from the pool agent",
      events: [planned(undefined), ev("ASSIGNED"), ok("pool-demo")],
      state: "active.healthy",
    },
    {
      name: "health failed → failing",
      events: [planned("n1"), ev("ASSIGNED"), ok(), { type: "HEALTH_FAILED", error: "timeout", at: 4_000 }],
      state: "active.failing",
    },
    {
      name: "failing → healthy on ok",
      events: [planned("n1"), ev("ASSIGNED"), failed(), ok()],
      state: "active.healthy",
    },
    {
      name: "moved to another node → unconfirmed again until the new agent reports",
      events: [planned("n1"), ev("ASSIGNED"), ok(), planned("n2"), ev("ASSIGNED"), ok("n1")],
      state: "active.unconfirmed",
      nodeId: "n2",
    },
    {
      name: "agent back → unconfirmed until it scrapes",
      events: [planned("n1"), ev("ASSIGNED"), ok(), ev("AGENT_LOST"), ev("AGENT_BACK"), ev("ASSIGNED")],
      state: "active.unconfirmed",
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
    {
      name: "active same node stays",
      events: [planned("n1"), ev("ASSIGNED"), ok(), planned("n1")],
      state: "active.healthy",
    },
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
    { name: "health ignored while orphaned", events: [planned("n1"), ev("AGENT_LOST"), ok()], state: "orphaned" },
  ];

  it.each(table)("$name", ({ events, state, ...rest }) => {
    const snapshot = run(events);
    expect(targetStateName(snapshot.value)).toBe(state);
    if ("nodeId" in rest) expect(snapshot.context.nodeId).toBe(rest.nodeId);
  });

  it("keeps the invalid reason and replaces it when fixed", () => {
    const invalid = run([{ type: "INVALID", reason: "PROMETHEUS_SCRAPES: position 5: bad port", at: 2_000 }]);
    expect(invalid.context.reason).toBe("PROMETHEUS_SCRAPES: position 5: bad port");
    const fixed = run([{ type: "INVALID", reason: "x", at: 2_000 }, planned("n1")]);
    expect(fixed.context.reason).toBe("sync job for the agent of node n1 not dispatched yet");
  });

  it("gives every state short of a verdict a reason, and clears it with the verdict", () => {
    const table: { events: TargetEvent[]; reason: string | undefined }[] = [
      { events: [planned("n1")], reason: "sync job for the agent of node n1 not dispatched yet" },
      { events: [planned(undefined)], reason: "sync job for the pool not dispatched yet" },
      { events: [planned("n1"), ev("ASSIGNED")], reason: "assigned to the agent of node n1; no scrape reported yet" },
      { events: [planned(undefined), ev("ASSIGNED")], reason: "assigned to the pool; no scrape reported yet" },
      { events: [planned("n1"), ev("AGENT_LOST")], reason: "node n1 has no live agent" },
      { events: [planned("n1"), ev("ASSIGNED"), ev("AGENT_LOST")], reason: "node n1 has no live agent" },
      { events: [planned("n1"), ev("ASSIGNED"), ok()], reason: undefined },
      { events: [planned("n1"), ev("ASSIGNED"), failed()], reason: undefined },
      { events: [planned("n1"), ev("ASSIGNED"), ok(), ev("GONE")], reason: undefined },
    ];
    for (const { events, reason } of table) expect(run(events).context.reason).toBe(reason);
  });

  it("counts consecutive failures and stamps state entry time", () => {
    const s = run([
      planned("n1", 2_000),
      { type: "ASSIGNED", at: 2_500 },
      { type: "HEALTH_FAILED", reporter: "n1", error: "timeout", at: 3_000 },
      { type: "HEALTH_FAILED", reporter: "n1", error: "connection", at: 4_000 },
    ]);
    expect(s.context.failures).toBe(2);
    expect(s.context.lastError).toBe("connection");
    expect(s.context.since).toBe(3_000);
    const unconfirmed = run([planned("n1", 2_000), { type: "ASSIGNED", at: 2_500 }]);
    expect(unconfirmed.context.since).toBe(2_500);
    const confirmed = run([planned("n1"), { type: "ASSIGNED", at: 2_500 }, ok("n1", 7_000)]);
    expect(confirmed.context.since).toBe(7_000);
    const back = run([planned("n1"), ev("ASSIGNED"), failed(), { type: "HEALTH_OK", reporter: "n1", at: 9_000 }]);
    expect(back.context.failures).toBe(0);
    expect(back.context.since).toBe(9_000);
  });
});
