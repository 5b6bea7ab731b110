import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentView } from "../../controller/machines/views.js";
import { freePort } from "../../lib/net.js";
import { createRedisConnection } from "../../lib/redis.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { demoSpec, putSimSpec } from "../helpers/put-spec.js";
import { type Probe, until as pollUntil } from "../helpers/until.js";

/**
 * Issue 9, "Security": a real `ecsmon controller` and `ecsmon agent` (dist/) talk to a real redis-server that
 * requires a password AND TLS (rediss://, self-signed certificate, REDIS_TLS_INSECURE=true); the status API has a
 * bearer token. Proves: password + TLS connections work end to end (the agent's heartbeat reaches the controller),
 * a wrong password or an unverified certificate is refused, wrong/missing tokens get a JSON 401, no CORS headers,
 * random requests against the real API never give a 5xx, and at debug level neither process logs the token, the
 * Redis password or the AWS secret key.
 */

const PASSWORD = `pw-${randomUUID()}`;
const TOKEN = `tok-${randomUUID()}`;
const AWS_SECRET = `aws-${randomUUID()}`;
// The demo cluster with the default scrape interval and timeout.
const spec = demoSpec("15s", "10s");

let dir: string;
let redisChild: ChildProcess;
let tlsPort: number;
let sim: RunningSim;
let apiUrl: string;
const children: { name: string; child: ChildProcess; stderr: string[]; stdout: string[] }[] = [];
let nodeId: string;

const until = <T>(what: string, probe: Probe<T>, timeoutMs = 20_000) => pollUntil(what, probe, timeoutMs);

function run(name: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [join(import.meta.dirname, "../../dist/cli/ecsmon.js"), ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const entry = { name, child, stderr: [] as string[], stdout: [] as string[] };
  child.stderr?.on("data", (c: Buffer) => entry.stderr.push(c.toString()));
  child.stdout?.on("data", (c: Buffer) => entry.stdout.push(c.toString()));
  children.push(entry);
  return entry;
}

const auth = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ecsmon-sec-"));
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"],
      ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-addext", "subjectAltName=IP:127.0.0.1"],
    ],
    { stdio: "ignore" },
  );
  tlsPort = await freePort();
  redisChild = spawn(
    "redis-server",
    [
      ...["--port", "0", "--tls-port", String(tlsPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      ...["--tls-cert-file", join(dir, "cert.pem"), "--tls-key-file", join(dir, "key.pem")],
      ...["--tls-auth-clients", "no", "--requirepass", PASSWORD],
    ],
    { stdio: "ignore" },
  );
  await until("TLS redis-server", async () => {
    const client = createRedisConnection(
      { url: `rediss://127.0.0.1:${tlsPort}`, urlConfigured: true, password: PASSWORD, tlsInsecure: true },
      "producer",
      { lazyConnect: true, retryStrategy: () => null },
    );
    try {
      await client.connect();
      return (await client.ping()) === "PONG";
    } finally {
      client.disconnect();
    }
  });

  sim = await startSim({ nodeSurfaces: false, transitionDelayMs: 0 });
  await putSimSpec(sim, spec);
  nodeId = sim.store.instances()[0]?.id as string;

  const apiPort = await freePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  const common = {
    AWS_ENDPOINT_URL: sim.endpoint,
    AWS_REGION: sim.region,
    AWS_ACCESS_KEY_ID: "AKIDTEST",
    AWS_SECRET_ACCESS_KEY: AWS_SECRET,
    REDIS_URL: `rediss://127.0.0.1:${tlsPort}`,
    REDIS_PASSWORD: PASSWORD,
    REDIS_TLS_INSECURE: "true",
    LOG_LEVEL: "debug",
  };
  run("controller", ["controller"], {
    ...common,
    ECSMON_API_BIND: `127.0.0.1:${apiPort}`,
    ECSMON_API_TOKEN: TOKEN,
    ECSMON_SPEC_POLL_INTERVAL: "300ms",
    ECSMON_RECONCILE_INTERVAL: "500ms",
    ECSMON_AWS_RPS: "500",
    ECSMON_AWS_BURST: "500",
    ECSMON_HEARTBEAT_TTL: "3s",
  });
  run("agent", ["agent"], {
    ...common,
    // The agent gets the password inside the URL instead: both forms must stay out of the logs.
    REDIS_URL: `rediss://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${tlsPort}`,
    REDIS_PASSWORD: "",
    ECSMON_CLUSTER: "demo",
    ECSMON_NODE_ID: nodeId,
    ECSMON_AGENT_BIND: `127.0.0.1:${await freePort()}`,
    ECSMON_HEARTBEAT_INTERVAL: "500ms",
    ECSMON_HEARTBEAT_TTL: "3s",
  });
  await until("controller /healthz", async () => (await fetch(`${apiUrl}/healthz`)).ok);
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill("SIGKILL");
  redisChild?.kill("SIGKILL");
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("Redis with a password over TLS", () => {
  it("the agent's heartbeat reaches the controller through rediss:// with a password", async () => {
    const agents = await until("the agent to be ready", async () => {
      const res = await fetch(`${apiUrl}/api/v1/agents`, { headers: auth });
      const body = ((await res.json()) as { agents: AgentView[] }).agents;
      return body.some((a) => a.nodeId === nodeId && a.state === "ready") ? body : undefined;
    });
    expect(agents.find((a) => a.nodeId === nodeId)?.state).toBe("ready");
  });

  it.each([
    ["a wrong password", { password: "wrong", tlsInsecure: true }, /WRONGPASS|NOAUTH|invalid/i],
    ["no password", { password: undefined, tlsInsecure: true }, /NOAUTH|Authentication/i],
    ["an unverified self-signed certificate", { password: PASSWORD, tlsInsecure: false }, /certificate/i],
  ])("refuses %s", async (_name, settings, message) => {
    const client = createRedisConnection(
      { url: `rediss://127.0.0.1:${tlsPort}`, urlConfigured: true, ...settings },
      "producer",
      { lazyConnect: true, retryStrategy: () => null },
    );
    const errors: string[] = [];
    client.on("error", (error: Error) => errors.push(error.message));
    let stored = false;
    try {
      await client.connect();
      await client.set("k", "v");
      stored = true;
    } catch (error) {
      errors.push((error as Error).message);
    } finally {
      client.disconnect();
    }
    expect(stored).toBe(false);
    expect(errors.join(" | ")).toMatch(message);
  });

  it("rediss:// carries TLS options that verify certificates unless told otherwise", () => {
    const secure = createRedisConnection(
      { url: "rediss://127.0.0.1:1", urlConfigured: true, password: "x", tlsInsecure: false },
      "producer",
      { lazyConnect: true },
    );
    const plain = createRedisConnection(
      { url: "redis://127.0.0.1:1", urlConfigured: true, password: undefined, tlsInsecure: false },
      "producer",
      {
        lazyConnect: true,
      },
    );
    expect((secure.options as { tls?: unknown }).tls).toMatchObject({ rejectUnauthorized: true });
    expect((plain.options as { tls?: unknown }).tls).toBeUndefined();
    secure.disconnect();
    plain.disconnect();
  });
});

describe("status API access control on the real controller", () => {
  it("wrong or missing token → 401 with a message; right token → 200; probes stay open", async () => {
    for (const headers of [
      {},
      { authorization: "Bearer wrong" },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { authorization: `Basic ${TOKEN}` },
      { authorization: TOKEN },
    ] as Record<string, string>[]) {
      for (const path of ["/api/v1/status", "/api/v1/targets", "/sd/prometheus", "/metrics"]) {
        const res = await fetch(`${apiUrl}${path}`, { headers });
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(((await res.json()) as { message: string }).message).toEqual(expect.any(String));
      }
    }
    expect((await fetch(`${apiUrl}/api/v1/status`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${apiUrl}/healthz`)).status).toBe(200);
  });

  it("sends no CORS headers, not even to a preflight", async () => {
    const origin = { origin: "https://evil.example" };
    const responses = [
      await fetch(`${apiUrl}/api/v1/targets`, { headers: { ...auth, ...origin } }),
      await fetch(`${apiUrl}/api/v1/targets`, {
        method: "OPTIONS",
        headers: {
          ...origin,
          "access-control-request-method": "GET",
          "access-control-request-headers": "authorization",
        },
      }),
    ];
    for (const res of responses) {
      for (const name of res.headers.keys()) expect(name).not.toMatch(/^access-control-/);
      await res.arrayBuffer();
    }
  });

  it("random paths, queries, methods and headers never give a 5xx", async () => {
    let s = 7;
    const random = () => {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      return s / 0x7fffffff;
    };
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
    const segments = [
      "api",
      "v1",
      "targets",
      "agents",
      "capacity",
      "explain",
      "status",
      "sd",
      "prometheus",
      "..",
      "%2e",
      "%00",
      "%ff",
      "x".repeat(300),
      "%E2%82",
      ";",
      "*",
    ];
    const params = [
      "cluster=demo",
      "state=active",
      "state=bogus",
      "task=",
      "task=abc",
      "service=%00",
      "x=1",
      "cluster=",
      "cluster[]=a",
      "cluster=a&cluster=b",
    ];
    const methods = ["GET", "GET", "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"];
    for (let i = 0; i < 150; i++) {
      let path = `/${Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(segments)).join("/")}`;
      if (random() < 0.6)
        path += `?${Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(params)).join("&")}`;
      const method = pick(methods);
      const headers: Record<string, string> = random() < 0.7 ? { ...auth } : {};
      if (random() < 0.3) headers.accept = pick(["text/html", "application/json;q=oops", "*/*"]);
      if (random() < 0.2) headers["content-type"] = pick(["application/json", "text/plain", "multipart/form-data"]);
      const body = method === "POST" || method === "PUT" ? pick(["{", "{}", "x".repeat(5_000)]) : undefined;
      const res = await fetch(`${apiUrl}${path}`, { method, headers, body });
      const text = await res.text();
      expect(res.status, `${method} ${path} → ${text.slice(0, 200)}`).toBeLessThan(500);
      if (res.status >= 400 && method !== "HEAD") expect(JSON.parse(text).message, path).toEqual(expect.any(String));
    }
  });
});

describe("logs", () => {
  it("never contain the API token, the Redis password or the AWS secret key", async () => {
    // Drive some logging on both sides first: a spec change and a few authorized requests.
    await putSimSpec(sim, `${spec}      interval: 7s\n`);
    await sleep(1_500);
    for (const c of children) c.child.kill("SIGTERM");
    await Promise.all(
      children.map((c) =>
        c.child.exitCode === null ? new Promise((resolve) => c.child.once("exit", resolve)) : undefined,
      ),
    );
    for (const c of children) {
      const out = c.stderr.join("") + c.stdout.join("");
      expect(out.length, `${c.name} logged nothing at debug level`).toBeGreaterThan(200);
      for (const secret of [TOKEN, PASSWORD, encodeURIComponent(PASSWORD), AWS_SECRET]) {
        expect(out.includes(secret), `${c.name} logged a secret`).toBe(false);
      }
    }
  });
});
