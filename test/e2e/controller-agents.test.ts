import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentView, TargetView } from "../../controller/machines/views.js";
import { expectedDemoEndpoints } from "../helpers/demo-expected.js";
import { type InProcessStack, startInProcessStack } from "../helpers/in-process-stack.js";
import { type Probe, until as pollUntil } from "../helpers/until.js";

/**
 * Controller and real agents end to end: the simulator (with its workload metrics servers), a real redis-server,
 * the controller in-process, one agent per container instance plus a pool agent. Sync jobs reach the agents,
 * their heartbeats make the agent machines ready, and their health reports drive every target to `active.*`.
 */

let stack: InProcessStack;
const until = <T>(what: string, probe: Probe<T>) => pollUntil(what, probe, 30_000);

beforeAll(async () => {
  stack = await startInProcessStack({
    agents: "nodes+pool",
    agentOptions: { reportFlushIntervalMs: 300, firstScrapeDelayMs: () => 0 },
  });
});

afterAll(() => stack?.stop());

describe("controller with real agents", () => {
  it("gets every agent ready and every target a health verdict from its agent", async () => {
    const want = expectedDemoEndpoints(stack.sim);
    await until("every node agent to be ready", async () => {
      const { agents: views } = await stack.api<{ agents: AgentView[] }>("/api/v1/agents?cluster=demo");
      const ready = views.filter((a) => a.state === "ready" && a.mode === "daemon").map((a) => a.nodeId);
      return stack.sim.store.instances().every((i) => ready.includes(i.id));
    });
    const targets = await until("every target to have a health result", async () => {
      const { targets: views } = await stack.api<{ targets: TargetView[] }>("/api/v1/targets?cluster=demo");
      return views.length === want.length && views.every((t) => t.lastHealthAt !== undefined) ? views : undefined;
    });
    for (const t of targets) expect(t.state).toMatch(/^active\.(healthy|failing)$/);
    expect(targets.filter((t) => t.state === "active.healthy").length).toBeGreaterThan(want.length / 2);
    for (const agent of stack.agents.filter((a) => a.identity.mode === "daemon")) {
      expect(agent.generation()).toBeGreaterThanOrEqual(1);
    }
  });
});
