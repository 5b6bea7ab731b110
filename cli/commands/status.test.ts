import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, startApiServer } from "../../controller/api/server.js";
import type { StatusView } from "../../controller/api/status-view.js";
import type { StatusDocument, TargetView } from "../../crds-like-schemas/contracts/status-api.js";
import { createLogger } from "../../lib/logger.js";
import { type CliRun, runCli } from "../run-main.test-helpers.js";

/**
 * `ecsmon status`, `targets` and `explain` in-process through main(): against the real status API server (a fake
 * view behind it), and against a plain HTTP server whose answers break the contract in one field each.
 */

const condition = {
  type: "NodesWithoutAgent",
  status: "True" as const,
  reason: "NoLiveAgent",
  message: "1 node has 2 target(s) but no live agent: node-b",
  lastTransitionTime: "2026-01-01T00:00:00.000Z",
};

// Fields left undefined, as the server's producers leave them: JSON drops them, and the contract allows that.
const target: TargetView = {
  id: "arn:aws:ecs:us-east-1:000000000000:task/demo/abc/app/8080/metrics",
  cluster: "demo",
  state: "orphaned",
  nodeId: "node-b",
  taskArn: "arn:aws:ecs:us-east-1:000000000000:task/demo/abc",
  containerName: "app",
  serviceName: "web",
  address: "10.0.0.2:8080",
  scheme: undefined,
  metricsPath: "/metrics",
  labels: undefined,
  reason: "node node-b has no live agent",
  lastError: undefined,
  failures: 0,
  since: "2026-01-01T00:00:00.000Z",
  lastHealthAt: undefined,
};

const statusDocument: StatusDocument = {
  replica: "replica-a",
  ready: true,
  stale: [],
  leases: [{ cluster: "demo", holder: "replica-a", token: 7, mine: true }],
  spec: { loaded: true, name: "local", version: 3, generation: 2, conditions: [] },
  clusters: [
    {
      cluster: "demo",
      holder: "replica-a",
      fencingToken: 7,
      observedAt: "2026-01-01T00:00:00.000Z",
      lastReconcileAt: undefined,
      conditions: [condition],
      targets: { orphaned: 2 },
      agents: { ready: 1 },
      invalidTargets: 0,
      nodes: 2,
      nodesWithoutAgent: [{ nodeId: "node-b", ec2InstanceId: undefined, targets: 2 }],
      poolTargets: 0,
      syncJobsSent: 3,
      capacity: undefined,
    },
    { cluster: "other", holder: undefined, pending: true },
  ],
};

const view: StatusView = {
  ready: () => true,
  status: async () => statusDocument,
  targets: async () => ({ items: [target], stale: [] }),
  target: async () => target,
  agents: async () => ({ items: [], stale: [] }),
  capacity: async () => ({ items: [], stale: [] }),
  explain: async (task) =>
    task === "abc"
      ? {
          status: 200,
          body: {
            query: task,
            found: true,
            cluster: "demo",
            taskArn: target.taskArn,
            lastStatus: "RUNNING",
            nodeId: undefined,
            message: "1 of 1 container(s) is a target",
            containers: [
              {
                containerName: "app",
                isTarget: true,
                reason: "Target",
                message: "8080/metrics",
                targetIds: [target.id],
                invalid: [],
              },
            ],
          },
        }
      : { status: 404, body: { error: "NotFound", message: `task ${JSON.stringify(task)} not found in demo` } },
  sd: () => Buffer.alloc(0),
  metrics: async () => ({ contentType: "text/plain", body: "" }),
};

/** Answers path → [status, body text]; what the contract-breaking server sends. */
let broken: Map<string, [number, string]>;
let api: ApiServer;
let rogue: Server;
let rogueUrl: string;

beforeAll(async () => {
  api = await startApiServer({ view, bind: "127.0.0.1:0", logger: createLogger({ level: "silent", name: "test" }) });
  rogue = createServer((request, response) => {
    const [status, text] = broken.get((request.url ?? "").split("?")[0] ?? "") ?? [404, '{"error":"NotFound"}'];
    response.writeHead(status, { "content-type": "application/json" }).end(text);
  });
  await new Promise<void>((resolve) => rogue.listen(0, "127.0.0.1", resolve));
  rogueUrl = `http://127.0.0.1:${(rogue.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await api?.close();
  await new Promise((resolve) => rogue?.close(resolve));
});

const run = (...args: string[]): Promise<CliRun> => runCli(["--log-level", "silent", ...args]);

describe("status commands against the status API server", () => {
  it("status renders the summary, the pending cluster and the cluster's problem", async () => {
    const { code, stdout, stderr } = await run("status", "--url", api.url);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^replica\s+replica-a \(ready\)$/m);
    expect(stdout).toMatch(/^spec\s+local version 3 generation 2$/m);
    expect(stdout).toMatch(/^demo\s+replica-a\s+7\s+orphaned=2\s+ready=1\s+1\s+0\s+2026-01-01T00:00:00.000Z$/m);
    expect(stdout).toMatch(/^other\s+-\s+-\s+\(no summary yet\)/m);
    expect(stdout).toContain(`! demo: NodesWithoutAgent=True NoLiveAgent: ${condition.message}`);
  });

  it("targets renders each target, then the cluster's problems", async () => {
    const { code, stdout } = await run("targets", "--url", api.url, "--cluster", "demo");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^demo\s+web\s+app\s+orphaned\s+http:\/\/10\.0\.0\.2:8080\/metrics\s+node-b\s+node node-b/m);
    expect(stdout).toContain("1 target(s)");
    expect(stdout).toContain("! demo: NodesWithoutAgent=True");
  });

  it("--json prints the API's JSON as sent", async () => {
    const { code, stdout } = await run("targets", "--url", api.url, "--json");
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as { count: number; targets: Record<string, unknown>[] };
    expect(printed.count).toBe(1);
    expect(printed.targets[0]?.id).toBe(target.id);
    expect(printed.targets[0]).not.toHaveProperty("scheme");
  });

  it("explain renders a found task, and a missing one is exit 1 with the API's message", async () => {
    const found = await run("explain", "--url", api.url, "abc");
    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(/^app\s+yes\s+Target\s+8080\/metrics$/m);
    const missing = await run("explain", "--url", api.url, "nope");
    expect(missing.code).toBe(1);
    expect(missing.stdout.trim()).toBe('task "nope" not found in demo');
  });

  it.each([
    [["targets", "--state", "flying"], /^ecsmon: state must be one of /],
    [["explain", ""], /^ecsmon: task must not be empty/],
  ])("a query the API rejects (400) is a usage error, exit 2, naming the parameter: %j", async (args, message) => {
    const { code, stderr } = await run(...args, "--url", api.url);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe("an answer that breaks the contract is exit 1 naming the endpoint and the field", () => {
  const withCluster = (change: (cluster: Record<string, unknown>) => void) => {
    const doc = structuredClone(statusDocument) as unknown as { clusters: Record<string, unknown>[] };
    change(doc.clusters[0] as Record<string, unknown>);
    return JSON.stringify(doc);
  };
  const cases: { name: string; args: string[]; answers: [string, number, string][]; says: string[] }[] = [
    {
      name: "a condition status outside True/False/Unknown (inside the clusters union)",
      args: ["status"],
      answers: [
        [
          "/api/v1/status",
          200,
          withCluster((c) => {
            (c.conditions as Record<string, unknown>[])[0] = { ...condition, status: "Maybe" };
          }),
        ],
      ],
      says: ["GET /api/v1/status (200)", "clusters[0].conditions[0].status: expected one of", 'got "Maybe"'],
    },
    {
      name: "a summary field of the wrong type (the union's summary branch is the one reported)",
      args: ["status"],
      answers: [["/api/v1/status", 200, withCluster((c) => Object.assign(c, { nodes: "3" }))]],
      says: ["GET /api/v1/status (200)", 'clusters[0].nodes: expected number, got "3"'],
    },
    {
      name: "a summary field missing",
      args: ["status"],
      answers: [["/api/v1/status", 200, withCluster((c) => delete c.nodes)]],
      says: ["clusters[0].nodes: expected number, got nothing"],
    },
    {
      name: "a pending entry whose flag is not true (the union's pending branch is the one reported)",
      args: ["status"],
      answers: [
        ["/api/v1/status", 200, JSON.stringify({ ...statusDocument, clusters: [{ cluster: "x", pending: "yes" }] })],
      ],
      says: ['clusters[0].pending: expected true, got "yes"'],
    },
    {
      name: "a required field missing",
      args: ["status"],
      answers: [["/api/v1/status", 200, JSON.stringify({ ...statusDocument, replica: undefined })]],
      says: ["GET /api/v1/status (200)", "replica: expected string, got nothing"],
    },
    {
      name: "a count that is a string",
      args: ["targets"],
      answers: [["/api/v1/targets", 200, JSON.stringify({ count: "1", targets: [target], stale: [] })]],
      says: ["GET /api/v1/targets (200)", 'count: expected number, got "1"'],
    },
    {
      name: "an unknown target state",
      args: ["targets"],
      answers: [
        ["/api/v1/targets", 200, JSON.stringify({ count: 1, targets: [{ ...target, state: "x" }], stale: [] })],
      ],
      says: ["targets[0].state: expected one of", 'got "x"'],
    },
    {
      name: "an agents answer of the wrong shape after a good status",
      args: ["status"],
      answers: [
        ["/api/v1/status", 200, JSON.stringify(statusDocument)],
        ["/api/v1/agents", 200, JSON.stringify({ count: 1, agents: {}, stale: [] })],
      ],
      says: ["GET /api/v1/agents (200)", "agents: expected array, got an object"],
    },
    {
      name: "a body that is not JSON",
      args: ["status"],
      answers: [["/api/v1/status", 200, "<html>proxy login</html>"]],
      says: ["GET /api/v1/status (200) is not JSON", "<html>proxy login"],
    },
    {
      name: "a 404 explain answer without its message",
      args: ["explain", "abc"],
      answers: [["/api/v1/explain", 404, JSON.stringify({ error: "NotFound" })]],
      says: ["GET /api/v1/explain (404)", "message: expected string, got nothing"],
    },
  ];

  it.each(cases)("$name", async ({ args, answers, says }) => {
    broken = new Map(answers.map(([path, status, text]) => [path, [status, text]]));
    const { code, stderr } = await run(...args, "--url", rogueUrl);
    expect(code).toBe(1);
    expect(stderr.startsWith("ecsmon: the controller's answer to ")).toBe(true);
    for (const text of says) expect(stderr).toContain(text);
    if (!says.some((text) => text.endsWith("is not JSON"))) {
      expect(stderr).toContain("does not match the status API contract");
    }
  });
});
