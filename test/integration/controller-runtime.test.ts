import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse as parseYaml } from "yaml";
import { buildProgram } from "../../cli/program.js";
import type { StatusDocument } from "../../controller/api/status-view.js";
import { ReportStore } from "../../controller/dispatch/report-store.js";
import type { AgentView, TargetView } from "../../controller/machines/views.js";
import type { TargetGroup } from "../../controller/outputs/target-groups.js";
import {
  NodeSyncJob,
  nodeQueueName,
  REPORTS_QUEUE,
  redisKeys,
  type TargetHealth,
} from "../../crds-like-schemas/index.js";
import { expectedDemoEndpoints, PORT_PATH_LABEL } from "../helpers/demo-expected.js";
import { type InProcessStack, startInProcessStack } from "../helpers/in-process-stack.js";
import { clusterSpec, putSimSpec } from "../helpers/put-spec.js";
import { type Probe, until as pollUntil } from "../helpers/until.js";

/**
 * The whole controller in-process against the simulator over HTTP (real SDK clients, real SpecWatcher on the
 * simulator's SSM) and a real redis-server: discovery on demo.yaml, churn, invalid spec, throttling.
 */

const spec = clusterSpec("demo", `      scrape:\n        labels: { portPath: ${PORT_PATH_LABEL} }\n`);

let stack: InProcessStack;
let dir: string;
const keyPrefix = `it-${randomUUID()}`;
const bullPrefix = `bull-${randomUUID()}`;
const keys = redisKeys(keyPrefix);

const until = <T>(what: string, probe: Probe<T>, timeoutMs = 15_000) => pollUntil(what, probe, timeoutMs);

const api = <T>(path: string): Promise<T> => stack.api<T>(path);
const sd = () => api<TargetGroup[]>("/sd/prometheus");
const key = (g: TargetGroup) => `${g.labels.__scheme__}://${g.targets[0]}${g.labels.__metrics_path__}`;
const expectedKeys = () =>
  expectedDemoEndpoints(stack.sim)
    .map((e) => `${e.scheme}://${e.address}${e.path}`)
    .sort();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ecsmon-ctl-"));
  stack = await startInProcessStack({
    spec,
    sim: { nodeSurfaces: false },
    env: {
      AWS_MAX_ATTEMPTS: "1",
      ECSMON_SPEC_POLL_INTERVAL: "200ms",
      ECSMON_RECONCILE_INTERVAL: "400ms",
      ECSMON_LEASE_TTL: "3s",
      ECSMON_CONTROLLER_ID: "it-a",
    },
    controller: { fileSdPath: join(dir, "file_sd.yml"), keyPrefix, bullPrefix },
  });
});

afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("controller against the simulator", () => {
  it("discovers every demo.yaml target with the right address, path and labels", async () => {
    const want = expectedDemoEndpoints(stack.sim);
    expect(want.length).toBeGreaterThan(10);
    const groups = await until("http_sd to list every target", async () => {
      const got = await sd();
      return got.length === want.length ? got : undefined;
    });
    expect(groups.map(key).sort()).toEqual(expectedKeys());
    for (const e of want) {
      const group = groups.find((g) => g.targets[0] === e.address && g.labels.__metrics_path__ === e.path);
      expect(group?.labels).toMatchObject({
        __meta_ecs_cluster: "demo",
        __meta_ecs_task_arn: e.taskArn,
        cluster: "demo",
        task_id: e.taskId,
        container_name: e.container,
        ...(e.service ? { service: e.service, __meta_ecs_service: e.service } : {}),
      });
    }
    // file_sd is written from the SD bodies on the controller's next output tick (ADR 0012), so it may trail http_sd.
    const fileSd = await until("file_sd to list every target", async () => {
      const text = await readFile(join(dir, "file_sd.yml"), "utf8").catch(() => undefined);
      const parsed = text === undefined ? undefined : (parseYaml(text) as TargetGroup[] | null);
      return parsed?.length === want.length ? parsed : undefined;
    });
    expect(fileSd.map(key).sort()).toEqual(expectedKeys());

    // No agent runs in this test: nothing scraped any target, so none may be healthy. Targets on EC2 nodes are
    // orphaned (their node has no live agent), the pool's (Fargate without sidecar) wait for a first scrape.
    const targets = await until("every target in the state its evidence supports", async () => {
      const got = await api<{ count: number; targets: TargetView[] }>("/api/v1/targets?cluster=demo");
      return got.count === want.length && got.targets.every((t) => t.state !== "assigning") ? got : undefined;
    });
    for (const t of targets.targets) {
      const e = want.find((w) => t.address === w.address && t.metricsPath === w.path);
      if (e?.nodeId) expect(t).toMatchObject({ state: "orphaned", reason: `node ${e.nodeId} has no live agent` });
      else expect(t).toMatchObject({ state: "active.unconfirmed", reason: expect.stringContaining("the pool") });
    }
    const status = await api<StatusDocument>("/api/v1/status");
    const summary = status.clusters[0] as { conditions: { type: string; status: string; message: string }[] };
    const noAgent = summary.conditions.find((c) => c.type === "NodesWithoutAgent");
    expect(noAgent?.status).toBe("True");
    for (const nodeId of new Set(want.map((e) => e.nodeId).filter(Boolean))) expect(noAgent?.message).toContain(nodeId);
    expect(await (await fetch(`${stack.controller.apiUrl}/metrics`)).text()).toMatch(
      /^ecsmon_nodes_without_agent\{cluster="demo"\} [1-9]/m,
    );

    // Every node's queue holds a sync job with exactly the node's targets; the latest-key contract holds.
    for (const nodeId of new Set(want.map((e) => e.nodeId).filter((n): n is string => n !== undefined))) {
      const latestId = await stack.redis.get(keys.node(nodeId).latest);
      expect(latestId).toMatch(new RegExp(`^sync-${nodeId}-g\\d+$`));
      const queue = new Queue(nodeQueueName(nodeId), { connection: stack.redis, prefix: bullPrefix });
      const job = await queue.getJob(latestId ?? "");
      await queue.close();
      const data = NodeSyncJob.parse(job?.data);
      expect(data.scrape.targets.map((t) => t.address).sort()).toEqual(
        want
          .filter((e) => e.nodeId === nodeId)
          .map((e) => e.address)
          .sort(),
      );
    }
  });

  it("drains and removes a stopped task's targets and adds its replacement's within a cycle", async () => {
    const before = expectedDemoEndpoints(stack.sim);
    const victim = before.find((e) => e.service === "web");
    expect(victim).toBeDefined();
    stack.sim.store.stopTask(victim?.taskArn ?? "", "churn test", "UserInitiated", true);
    await until("the stopped task's targets to leave http_sd and its replacement to appear", async () => {
      const now = expectedKeys();
      const got = (await sd()).map(key).sort();
      return (
        !expectedDemoEndpoints(stack.sim).some((e) => e.taskArn === victim?.taskArn) &&
        got.join("\n") === now.join("\n") &&
        !got.includes(`${victim?.scheme}://${victim?.address}${victim?.path}`)
      );
    });
    const gone = await api<TargetView[] | { message: string }>(
      `/api/v1/targets/${encodeURIComponent(`${victim?.taskArn}/${victim?.container}/8080/internal/metrics`)}`,
    );
    expect("message" in gone || (gone as unknown as TargetView).state === "draining").toBe(true);
  });

  it("applies stored health results to their targets and forgets results of targets it does not hold", async () => {
    const reports = new ReportStore(stack.redis, keyPrefix);
    const targets = await api<{ targets: TargetView[] }>("/api/v1/targets?cluster=demo");
    const live = targets.targets.find((t) => t.state.startsWith("active"));
    expect(live).toBeDefined();
    const at = new Date().toISOString();
    const result = (targetId: string, ok: boolean): TargetHealth => ({
      targetId,
      ok,
      ...(ok ? {} : { errorClass: "timeout" as const }),
      durationMs: 3,
      samples: 1,
      at,
    });
    await reports.putHealth(
      "demo",
      live?.nodeId ?? "pool",
      [result(live?.id ?? "", false), result("no-such-target", false)],
      Date.now(),
    );
    await until("the failing result to reach its target and the unknown one to be forgotten", async () => {
      const view = await api<TargetView>(`/api/v1/targets/${encodeURIComponent(live?.id ?? "")}`);
      const stored = await stack.redis.hkeys(reports.key("demo", "health"));
      return view.state === "active.failing" && !stored.includes("no-such-target") && stored.includes(live?.id ?? "");
    });
    await reports.putHealth("demo", live?.nodeId ?? "pool", [result(live?.id ?? "", true)], Date.now());
    await until("the target to be healthy again", async () => {
      const view = await api<TargetView>(`/api/v1/targets/${encodeURIComponent(live?.id ?? "")}`);
      return view.state === "active.healthy";
    });
  });

  it("keeps the last good spec when the parameter turns into garbage, with a condition saying why", async () => {
    const before = (await sd()).map(key).sort();
    await putSimSpec(stack.sim, "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters: []\n");
    const status = await until("SpecValid=False", async () => {
      const s = await api<StatusDocument>("/api/v1/status");
      return s.spec.conditions.find((c) => c.type === "SpecValid" && c.status === "False") ? s : undefined;
    });
    expect(status.spec.loaded).toBe(true);
    expect(status.clusters.map((c) => c.cluster)).toEqual(["demo"]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await sd()).map(key).sort()).toEqual(before);
    await putSimSpec(stack.sim, spec);
    await until("SpecValid=True", async () => {
      const s = await api<StatusDocument>("/api/v1/status");
      return s.spec.conditions.some((c) => c.type === "SpecValid" && c.status === "True");
    });
  });

  it("never publishes a partial target list while ECS throttles half the calls", async () => {
    const full = await until("every target to be published", async () => {
      const keys = (await sd()).map(key).sort();
      return keys.join() === expectedKeys().join() ? keys : undefined;
    });
    stack.sim.server.faults.set({ service: "ecs", operation: "*", throttlePct: 50 });
    try {
      const seen = new Set<number>();
      const deadline = Date.now() + 4_000;
      while (Date.now() < deadline) {
        const got = (await sd()).map(key).sort();
        seen.add(got.length);
        expect(got).toEqual(full);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const status = await api<StatusDocument>("/api/v1/status");
      const cluster = status.clusters[0] as { conditions?: { type: string; status: string; reason: string }[] };
      expect(cluster.conditions?.length).toBeGreaterThan(0);
      const metrics = await (await fetch(`${stack.controller.apiUrl}/metrics`)).text();
      expect(metrics).toMatch(
        /ecsmon_aws_requests_total\{service="ecs",operation="ListTasks",outcome="throttled"\} [1-9]/,
      );
      expect(metrics).toMatch(/ecsmon_reconcile_total\{controller="cluster",result="error"\} [1-9]/);
    } finally {
      stack.sim.server.faults.remove("ecs", "*");
    }
  });
});

describe("agents and reports", () => {
  it("turns heartbeats into agent machines, orphans targets when the agent is lost and reassigns them when it returns", async () => {
    const want = expectedDemoEndpoints(stack.sim);
    const nodeId = want.find((e) => e.nodeId)?.nodeId as string;
    const nodeTargets = want.filter((e) => e.nodeId === nodeId).length;
    const reports = new Queue(REPORTS_QUEUE, { connection: stack.redis, prefix: bullPrefix });
    const heartbeat = (generation: number) =>
      reports.add("heartbeat", {
        contract: "ecsmon.dev/heartbeat/v1",
        cluster: "demo",
        nodeId,
        agentId: "agent-1",
        mode: "daemon",
        generation,
        ttlMs: 1_500,
        at: new Date().toISOString(),
      });
    await reports.add("report", { contract: "ecsmon.dev/heartbeat/v1", cluster: "demo" });
    await heartbeat(3);
    await until("the agent to be ready", async () => {
      const agents = await api<{ agents: AgentView[] }>("/api/v1/agents?cluster=demo");
      return agents.agents.find((a) => a.nodeId === nodeId && a.state === "ready");
    });
    const onNode = async () =>
      (await api<{ targets: TargetView[] }>("/api/v1/targets?cluster=demo")).targets.filter((t) => t.nodeId === nodeId);
    // Heartbeats keep the agent live while waiting; it reports no scrape, so its targets are never healthy.
    await until("the agent's targets to be assigned but unconfirmed", async () => {
      await heartbeat(3);
      const targets = await onNode();
      return targets.length === nodeTargets && targets.every((t) => t.state === "active.unconfirmed");
    });
    const lastBeat = Date.now();
    await until("the agent's targets to be orphaned", async () => {
      const targets = await onNode();
      return targets.length === nodeTargets && targets.every((t) => t.state === "orphaned");
    });
    const lostAfter = Date.now() - lastBeat;
    expect(lostAfter).toBeLessThan(1_500 + 1_000 + 1_500);
    const agents = await api<{ agents: AgentView[] }>("/api/v1/agents");
    expect(agents.agents.find((a) => a.nodeId === nodeId)?.state).toBe("lost");
    expect((await sd()).length).toBe(want.length);

    await until("the agent's targets to be assigned again, still unconfirmed", async () => {
      await heartbeat(4);
      const targets = await onNode();
      return targets.length === nodeTargets && targets.every((t) => t.state === "active.unconfirmed");
    });
    const metrics = await (await fetch(`${stack.controller.apiUrl}/metrics`)).text();
    const reported = (kind: string) =>
      Number(new RegExp(`^ecsmon_reports_total\\{kind="${kind}"\\} (\\d+)$`, "m").exec(metrics)?.[1] ?? 0);
    expect(reported("invalid")).toBe(1);
    expect(reported("heartbeat")).toBeGreaterThanOrEqual(2);
    await reports.close();
  });
});

describe("status CLI against the running controller", () => {
  async function cli(...args: string[]): Promise<string> {
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    });
    try {
      await buildProgram().parseAsync(["node", "ecsmon", ...args, "--url", stack.controller.apiUrl ?? ""]);
    } finally {
      spy.mockRestore();
    }
    return chunks.join("");
  }

  it("prints status, targets and explain tables, and JSON with --json", async () => {
    const status = await cli("status");
    expect(status).toMatch(/CLUSTER\s+HOLDER/);
    expect(status).toContain("demo");
    expect(status).toMatch(/NODE\s+STATE\s+MODE/);
    const targets = await cli("targets", "--cluster", "demo", "--service", "web");
    const web = expectedDemoEndpoints(stack.sim).filter((e) => e.service === "web");
    expect(targets).toContain(`${web.length} target(s)`);
    for (const e of web) expect(targets).toContain(`${e.scheme}://${e.address}${e.path}`);
    // No agent is live here: `targets` ends with the cluster condition saying why its targets are not scraped.
    expect(targets).toMatch(/^! demo: NodesWithoutAgent=True NoLiveAgent: \d+ nodes? ha(s|ve) \d+ target\(s\)/m);
    expect(status).toMatch(/^! demo: NodesWithoutAgent=True NoLiveAgent/m);
    const json = JSON.parse(await cli("targets", "--json", "--cluster", "demo")) as { count: number };
    expect(json.count).toBe(expectedDemoEndpoints(stack.sim).length);
    const explained = await cli("explain", web[0]?.taskId ?? "");
    expect(explained).toMatch(/CONTAINER\s+TARGET\s+REASON/);
    expect(explained).toContain("app");
    expect(explained).toContain("log-router");
  });
});

describe("Redis outage", () => {
  it("keeps serving the last targets while Redis is down and rebuilds its state after a restart without data", async () => {
    const full = await until("every target to be published", async () => {
      const keys = (await sd()).map(key).sort();
      return keys.join() === expectedKeys().join() ? keys : undefined;
    });
    const node = expectedDemoEndpoints(stack.sim).find((e) => e.nodeId)?.nodeId as string;
    const before = Number((await stack.redis.get(keys.node(node).latest))?.split("-g")[1]);
    await stack.redisServer.stop(true);
    const deadline = Date.now() + 2_000;
    while (Date.now() < deadline) {
      expect((await sd()).map(key).sort()).toEqual(full);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await stack.redisServer.restart();
    await until(
      "the controller to republish its state into the empty Redis",
      async () => {
        const latest = await stack.redis.get(keys.node(node).latest);
        const published = await stack.redis.get(keys.sd("demo"));
        return latest && published ? latest : undefined;
      },
      20_000,
    );
    const after = Number((await stack.redis.get(keys.node(node).latest))?.split("-g")[1]);
    expect(after).toBeGreaterThan(before);
    expect((await sd()).map(key).sort()).toEqual(expectedKeys());
  });
});
