import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiErrorBody, TargetList, TargetView } from "../../crds-like-schemas/contracts/status-api.js";
import { createLogger } from "../../lib/logger.js";
import { seededRandom } from "../../lib/rng.js";
import { type ApiServer, startApiServer } from "./server.js";
import type { StatusView, TargetFilter } from "./status-view.js";

const logger = createLogger({ level: "silent", name: "test" });
const target: TargetView = {
  id: "arn:aws:ecs:us-east-1:000000000000:task/demo/abc/app/8080/metrics",
  cluster: "demo",
  state: "active.healthy",
  nodeId: "n1",
  taskArn: "arn:aws:ecs:us-east-1:000000000000:task/demo/abc",
  containerName: "app",
  serviceName: "web",
  address: "10.0.0.1:8080",
  scheme: "http",
  metricsPath: "/metrics",
  labels: undefined,
  reason: undefined,
  lastError: undefined,
  failures: 0,
  since: new Date(0).toISOString(),
  lastHealthAt: undefined,
};
const filters: TargetFilter[] = [];
let failNext = false;
let hangNext = false;
let notReady = false;
const view: StatusView = {
  ready: () => !notReady,
  status: async () => {
    if (failNext) {
      failNext = false;
      throw new Error("redis down");
    }
    if (hangNext) {
      hangNext = false;
      return new Promise<never>(() => {});
    }
    return {
      replica: "r1",
      ready: true,
      stale: [],
      leases: [],
      spec: { loaded: false, name: undefined, version: undefined, generation: undefined, conditions: [] },
      clusters: [],
    };
  },
  targets: async (f) => {
    filters.push(f);
    return { items: [target], stale: [] };
  },
  target: async (id) => (id === target.id ? target : undefined),
  agents: async () => ({ items: [], stale: [] }),
  capacity: async () => ({ items: [], stale: [] }),
  explain: async (task) =>
    task === "abc"
      ? { status: 200, body: { query: task, found: true, cluster: "demo", message: "ok", containers: [] } }
      : { status: 404, body: { error: "NotFound", message: `task ${task} not found` } },
  sd: () => gzipSync(JSON.stringify([{ targets: ["10.0.0.1:8080"], labels: { __meta_ecs_cluster: "demo" } }])),
  metrics: async () => ({ contentType: "text/plain; version=0.0.4", body: "up 1\n" }),
};

let open: ApiServer;
let secured: ApiServer;
beforeAll(async () => {
  open = await startApiServer({ view, bind: "127.0.0.1:0", logger, deadlineMs: 300 });
  secured = await startApiServer({ view, bind: "127.0.0.1:0", logger, token: "s3cret-token" });
});
afterAll(async () => {
  await open.close();
  await secured.close();
});

const get = (server: ApiServer, path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { headers });

describe("status API", () => {
  const badRequests: [string, RegExp][] = [
    ["/api/v1/targets?state=bogus", /state must be one of/],
    ["/api/v1/targets?cluster=", /cluster must not be empty/],
    ["/api/v1/targets?cluster=a&cluster=b", /single string/],
    ["/api/v1/targets?colour=red", /unknown query parameter\(s\): colour/],
    ["/api/v1/explain", /^task is required: a task ARN or task id/],
    ["/api/v1/explain?task=a&task=b", /^task must be a single string, given once/],
    [`/api/v1/explain?task=${"x".repeat(3000)}`, /longer than 2048/],
    ["/api/v1/status?x=1", /unknown query parameter/],
  ];
  it.each(badRequests)("GET %s → 400 with a message", async (path, message) => {
    const res = await get(open, path);
    expect(res.status).toBe(400);
    const body = ApiErrorBody.parse(await res.json());
    expect(body.message).toMatch(message);
  });

  it("serves targets with filters, a target by URL-encoded id, and 404 for unknown ids and paths", async () => {
    const list = await get(open, "/api/v1/targets?cluster=demo&state=active.healthy&service=web");
    expect(list.status).toBe(200);
    expect(TargetList.parse(await list.json()).count).toBe(1);
    expect(filters.at(-1)).toEqual({ cluster: "demo", state: "active.healthy", service: "web" });
    const one = await get(open, `/api/v1/targets/${encodeURIComponent(target.id)}`);
    expect(one.status).toBe(200);
    expect(TargetView.parse(await one.json()).address).toBe("10.0.0.1:8080");
    const missing = await get(open, `/api/v1/targets/${encodeURIComponent("nope/x")}`);
    expect(missing.status).toBe(404);
    expect(ApiErrorBody.parse(await missing.json()).message).toContain("nope/x");
    const unknown = await get(open, "/api/v2/whatever");
    expect(unknown.status).toBe(404);
    expect(ApiErrorBody.parse(await unknown.json()).error).toBe("NotFound");
  });

  it.each([
    ["POST", "/api/v1/status", { "content-type": "application/xml" }, "<x/>"],
    ["DELETE", "/api/v1/targets/abc", {}, undefined],
    ["PUT", "/sd/prometheus", { "content-type": "application/json" }, "x".repeat(5_000)],
    ["OPTIONS", "/healthz", {}, undefined],
    ["PATCH", "/api/v1/explain?task=abc", {}, undefined],
  ])("%s %s → 405 with Allow: GET, HEAD and the API's error shape", async (method, path, headers, body) => {
    const res = await fetch(`${open.url}${path}`, { method, headers, body });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    expect(await res.json()).toEqual({
      error: "MethodNotAllowed",
      message: `${method} is not allowed on ${path.split("?")[0]}; use GET`,
    });
    expect((await fetch(`${open.url}/api/v2/nothing`, { method })).status).toBe(404);
  });

  it("answers every error, Fastify's own included, with exactly { error, message }", async () => {
    const cases: [string, RequestInit, number, string][] = [
      ["/api/v1/targets/%E0%A4%A", {}, 400, "BadRequest"],
      ["/api/v1/explain", {}, 400, "BadRequest"],
      ["/nowhere", {}, 404, "NotFound"],
      ["/api/v1/status", { method: "POST" }, 405, "MethodNotAllowed"],
    ];
    for (const [path, init, status, error] of cases) {
      const res = await fetch(`${open.url}${path}`, init);
      expect(res.status, path).toBe(status);
      const body = (await res.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort(), path).toEqual(["error", "message"]);
      expect(body.error, path).toBe(error);
    }
    // A request the HTTP parser rejects never reaches Fastify's router: same shape, written on the socket.
    const { connect } = await import("node:net");
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(open.url).port), "127.0.0.1", () => socket.write("BOGUS\r\n\r\n"));
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString();
      });
      socket.on("close", () => resolve(text));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4))).toEqual({
      error: "BadRequest",
      message: expect.stringMatching(/^malformed HTTP request/),
    });
  });

  it("answers /readyz 503 in the same shape while not ready", async () => {
    notReady = true;
    const res = await get(open, "/readyz");
    notReady = false;
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: "ServiceUnavailable",
      message: "spec or leases not ready yet",
      ready: false,
    });
  });

  it("answers 503 once the deadline passes, whatever the view waits on", async () => {
    hangNext = true;
    const started = Date.now();
    const res = await get(open, "/api/v1/status");
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await res.json()).toEqual({ error: "ServiceUnavailable", message: expect.stringMatching(/retry/) });
  });

  it("explains tasks, serves http_sd and metrics, and never answers 500", async () => {
    expect((await get(open, "/api/v1/explain?task=abc")).status).toBe(200);
    expect((await get(open, "/api/v1/explain?task=zzz")).status).toBe(404);
    const groups = [{ targets: ["10.0.0.1:8080"], labels: { __meta_ecs_cluster: "demo" } }];
    for (const encoding of ["gzip, deflate", "identity", "gzip;q=0"]) {
      const sd = await fetch(`${open.url}/sd/prometheus`, { headers: { "accept-encoding": encoding } });
      expect(sd.headers.get("content-type")).toContain("application/json");
      expect(sd.headers.get("content-encoding") ?? "identity").toBe(encoding.startsWith("gzip,") ? "gzip" : "identity");
      expect(await sd.json()).toEqual(groups);
    }
    const metrics = await get(open, "/metrics");
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    failNext = true;
    const failed = await get(open, "/api/v1/status");
    expect(failed.status).toBe(503);
    expect(ApiErrorBody.parse(await failed.json()).message).toMatch(/retry/);
    const badEncoding = await get(open, "/api/v1/targets/%E0%A4%A");
    expect(badEncoding.status).toBeGreaterThanOrEqual(400);
    expect(badEncoding.status).toBeLessThan(500);
    expect(metrics.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("requires the bearer token except on health probes", async () => {
    expect((await get(secured, "/healthz")).status).toBe(200);
    expect((await get(secured, "/readyz")).status).toBe(200);
    expect((await get(secured, "/api/v1/status")).status).toBe(401);
    expect((await get(secured, "/sd/prometheus", { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await get(secured, "/sd/prometheus", { authorization: "Bearer s3cret-token-longer" })).status).toBe(401);
    expect((await get(secured, "/api/v1/status", { authorization: "Basic s3cret-token" })).status).toBe(401);
    expect((await get(secured, "/api/v1/status", { authorization: "Bearer s3cret-token" })).status).toBe(200);
  });
});

describe("status API fuzz", () => {
  const pieces = [
    "api",
    "v1",
    "targets",
    "status",
    "explain",
    "agents",
    "capacity",
    "sd",
    "prometheus",
    "metrics",
    "..",
    "%2e%2e",
    "%00",
    "%ff",
    "%",
    "%E0%A4%A",
    "?",
    "&",
    "=",
    "cluster",
    "state",
    "task",
    "service",
    "[]",
    "{}",
    "'",
    '"',
    "<script>",
    "a".repeat(500),
    "ü",
    "😀",
    "\\",
    ";",
    "#",
    "%20",
    "+",
    "*",
  ];
  it("answers every random path, query and header with a non-5xx status and a JSON message on errors", async () => {
    // Seeded so that a failure can be replayed.
    const random = seededRandom(20261121);
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)] as T;
    for (let i = 0; i < 300; i++) {
      const segments = Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(pieces));
      let path = `/${segments.join(random() < 0.7 ? "/" : "")}`;
      if (random() < 0.6) {
        const params = Array.from({ length: 1 + Math.floor(random() * 3) }, () => `${pick(pieces)}=${pick(pieces)}`);
        path += `?${params.join("&")}`;
      }
      const headers: Record<string, string> = {};
      if (random() < 0.3) headers.authorization = `${pick(["Bearer", "Basic", ""])} ${pick(pieces)}`;
      if (random() < 0.3) headers.accept = pick(["*/*", "application/json", "text/html", "x/y;q=bad"]);
      const server = random() < 0.5 ? open : secured;
      const res = await fetch(`${server.url}${path.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c))}`, {
        headers,
      });
      const body = await res.text();
      expect(res.status, `${path} → ${res.status} ${body.slice(0, 200)}`).toBeLessThan(500);
      if (res.status >= 400) expect(JSON.parse(body).message, path).toEqual(expect.any(String));
    }
  });
});
