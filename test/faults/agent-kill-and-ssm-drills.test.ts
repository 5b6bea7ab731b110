import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StatusDocument } from "../../controller/api/status-view.js";
import type { AgentView, TargetView } from "../../controller/machines/views.js";
import { freePort } from "../../lib/net.js";
import type { RunningSim } from "../../sim/index.js";
import { expectedDemoEndpoints } from "../helpers/demo-expected.js";
import { demoSpec, type InProcessStack, startInProcessStack } from "../helpers/in-process-stack.js";
import { deleteSimSpec, putSimSpec } from "../helpers/put-spec.js";
import { type Probe, until as pollUntil } from "../helpers/until.js";
import { recordFigure } from "./record-figure.js";

/**
 * Issue 9 drills with real agent processes (`ecsmon agent` from dist/, one per container instance) and the
 * controller in-process:
 * - an agent killed with SIGKILL: heartbeat loss detected within its TTL (plus one reconcile), its targets become
 *   `orphaned` in /api/v1/targets while http_sd keeps them, and everything returns when the agent restarts;
 * - the SSM parameter deleted, then replaced by garbage: the last good spec stays in force (http_sd unchanged)
 *   and a condition says why (SpecAvailable=False/ParameterNotFound, then SpecValid=False).
 */

const HEARTBEAT_TTL_MS = 3_000;
const RECONCILE_MS = 1_000;
const PARAMETER = "/ecsmon/spec";
const spec = demoSpec();

let stack: InProcessStack;
let sim: RunningSim;
let env: Record<string, string>;
const agents = new Map<string, ChildProcess>();

const until = <T>(what: string, probe: Probe<T>, timeoutMs = 60_000) => pollUntil(what, probe, timeoutMs);

const api = <T>(path: string) => stack.api<T>(path);
const sdKeys = () => stack.sdKeys();
const agentState = async (nodeId: string) =>
  (await api<{ agents: AgentView[] }>("/api/v1/agents?cluster=demo")).agents.find((a) => a.nodeId === nodeId)?.state;

async function startAgentProcess(nodeId: string): Promise<void> {
  const child = spawn(process.execPath, [join(import.meta.dirname, "../../dist/cli/ecsmon.js"), "agent"], {
    env: {
      PATH: process.env.PATH ?? "",
      ...env,
      ECSMON_CLUSTER: "demo",
      ECSMON_NODE_ID: nodeId,
      ECSMON_AGENT_BIND: `127.0.0.1:${await freePort()}`,
      LOG_LEVEL: "warn",
    },
    stdio: "ignore",
  });
  agents.set(nodeId, child);
}

beforeAll(async () => {
  stack = await startInProcessStack({
    spec,
    sim: { nodeSurfaces: false },
    env: {
      ECSMON_SPEC_PARAMETER: PARAMETER,
      ECSMON_SPEC_POLL_INTERVAL: "500ms",
      ECSMON_RECONCILE_INTERVAL: `${RECONCILE_MS}ms`,
      ECSMON_AWS_RPS: "100",
      ECSMON_AWS_BURST: "100",
      ECSMON_HEARTBEAT_INTERVAL: "500ms",
      ECSMON_HEARTBEAT_TTL: `${HEARTBEAT_TTL_MS}ms`,
      ECSMON_CONTROLLER_ID: "drill",
    },
  });
  ({ sim, env } = stack);
  for (const instance of sim.store.instances()) await startAgentProcess(instance.id);
  await until(
    "every agent ready",
    async () => {
      const views = (await api<{ agents: AgentView[] }>("/api/v1/agents?cluster=demo")).agents;
      return sim.store.instances().every((i) => views.some((a) => a.nodeId === i.id && a.state === "ready"));
    },
    90_000,
  );
}, 120_000);

afterAll(async () => {
  for (const child of agents.values()) if (child.exitCode === null) child.kill("SIGKILL");
  await stack?.stop();
});

describe("agent killed with kill -9", () => {
  it("its targets become orphaned within the heartbeat TTL, http_sd keeps them, and it resumes on restart", async () => {
    const want = expectedDemoEndpoints(sim);
    const nodeId = want.find((e) => e.nodeId)?.nodeId as string;
    const nodeTargets = want.filter((e) => e.nodeId === nodeId).length;
    expect(nodeTargets).toBeGreaterThan(0);
    const steady = await sdKeys();
    const victim = agents.get(nodeId) as ChildProcess;
    const killedAt = Date.now();
    victim.kill("SIGKILL");
    await until("the agent to be lost", async () => (await agentState(nodeId)) === "lost");
    const detectedMs = Date.now() - killedAt;
    await until("its targets to be orphaned", async () => {
      const orphaned = await api<{ count: number; targets: TargetView[] }>("/api/v1/targets?state=orphaned");
      return orphaned.count === nodeTargets && orphaned.targets.every((t) => t.nodeId === nodeId);
    });
    const orphanedMs = Date.now() - killedAt;
    expect(detectedMs).toBeLessThanOrEqual(HEARTBEAT_TTL_MS + 500 + RECONCILE_MS + 1_000);
    expect(await sdKeys()).toEqual(steady);

    const restartedAt = Date.now();
    await startAgentProcess(nodeId);
    await until("the agent ready again", async () => (await agentState(nodeId)) === "ready");
    await until("every target active again", async () => {
      const active = await api<{ count: number }>("/api/v1/targets?state=active");
      return active.count === want.length;
    });
    const resumedMs = Date.now() - restartedAt;
    recordFigure({
      name: "agent kill -9: heartbeat loss detected",
      value: detectedMs,
      unit: "ms",
      goal: `<= TTL ${HEARTBEAT_TTL_MS} ms + heartbeat + reconcile`,
    });
    recordFigure({ name: "agent kill -9: its targets orphaned", value: orphanedMs, unit: "ms" });
    recordFigure({ name: "agent restart: every target active again", value: resumedMs, unit: "ms" });
  });
});

describe("SSM parameter deleted, then replaced by garbage", () => {
  const condition = async (type: string) =>
    (await api<StatusDocument>("/api/v1/status")).spec.conditions.find((c) => c.type === type);

  it("keeps the last good spec in force, with a condition saying why", async () => {
    const steady = await sdKeys();
    await deleteSimSpec(sim, PARAMETER);
    const missing = await until("SpecAvailable=False", async () => {
      const c = await condition("SpecAvailable");
      return c?.status === "False" ? c : undefined;
    });
    expect(missing.reason).toBe("ParameterNotFound");
    await new Promise((resolve) => setTimeout(resolve, 3 * RECONCILE_MS));
    expect(await sdKeys()).toEqual(steady);

    for (const garbage of ["::: not yaml {", "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec: 42\n"]) {
      await putSimSpec(sim, garbage, PARAMETER);
      const invalid = await until("SpecValid=False", async () => {
        const c = await condition("SpecValid");
        return c?.status === "False" ? c : undefined;
      });
      expect(invalid.message.length).toBeGreaterThan(10);
      await new Promise((resolve) => setTimeout(resolve, 3 * RECONCILE_MS));
      expect(await sdKeys()).toEqual(steady);
      const status = await api<StatusDocument>("/api/v1/status");
      expect(status.spec.loaded).toBe(true);
    }

    await putSimSpec(sim, spec.replace("interval: 1s", "interval: 2s"), PARAMETER);
    await until("SpecValid=True", async () => (await condition("SpecValid"))?.status === "True");
    await until("SpecAvailable=True", async () => (await condition("SpecAvailable"))?.status === "True");
    expect(await sdKeys()).toEqual(steady);
  });
});
