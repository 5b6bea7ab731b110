import { spawnSync } from "node:child_process";
import { get } from "node:http";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../lib/net.js";
import { FakeClusterStore } from "../../test/helpers/fake-cluster-store.js";
import type { SimContainerInstance, SimTask, SimTaskDefinition } from "../state/model.js";
import { startWorkloads, type WorkloadManager } from "./workload-manager.js";

// Addresses owned by this file: instance 127.0.221.1, task ENIs 127.0.222.x and 127.0.223.x.
const INSTANCE_IP = "127.0.221.1";
const store = new FakeClusterStore("workloads");
let instance: SimContainerInstance;
let manager: WorkloadManager;
let ports: { a: number; b: number; host: number; vpc: number };
let bridge: SimTask;
let host: SimTask;
let vpc1: SimTask;
let vpc2: SimTask;
let failing: Record<string, SimTask>;
let vpcDef: SimTaskDefinition;

const raw = (url: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    }).on("error", reject);
  });

const urlOf = (task: SimTask, containerName?: string) =>
  manager
    .endpoints()
    .filter((e) => e.taskArn === task.taskArn && (!containerName || e.containerName === containerName));

beforeAll(async () => {
  instance = store.addInstance(221);
  ports = {
    a: await freePort(INSTANCE_IP),
    b: await freePort(INSTANCE_IP),
    host: await freePort(INSTANCE_IP),
    vpc: await freePort("127.0.222.5"),
  };
  const web = store.addTaskDefinition("web", "bridge", [
    {
      name: "app",
      portMappings: [
        { containerPort: 8080, protocol: "tcp" },
        { containerPort: 9106, protocol: "tcp" },
      ],
      dockerLabels: { PROMETHEUS_SCRAPES: "8080/internal/metrics, 9106,not-a-port", SIM_SERIES: "300" },
    },
    { name: "quiet" },
  ]);
  const seed002 = store.addTaskDefinition("legacy", "host", [
    { name: "exporter", dockerLabels: { "container-exposes-metrics": `${ports.host}/custom/path` } },
  ]);
  vpcDef = store.addTaskDefinition("api", "awsvpc", [
    { name: "api", dockerLabels: { PROMETHEUS_SCRAPES: String(ports.vpc) } },
  ]);
  bridge = store.addTask(web, { instance, hostPorts: { 8080: ports.a, 9106: ports.b } });
  host = store.addTask(seed002, { instance });
  vpc1 = store.addTask(vpcDef, { instance, eniIp: "127.0.222.5" });
  manager = startWorkloads(store, { seriesPerTarget: 40, slowDelayMs: 400, oversizedBytes: 21 * 1024 * 1024 });
  vpc2 = store.addTask(vpcDef, { instance, eniIp: "127.0.222.6" });
  failing = {};
  for (const [i, failure] of ["http500", "garbage", "slow", "oversized", "refused"].entries()) {
    const def = store.addTaskDefinition(`f-${failure}`, "awsvpc", [
      { name: "app", dockerLabels: { PROMETHEUS_SCRAPES: String(ports.vpc), SIM_FAILURE: failure } },
    ]);
    failing[failure] = store.addTask(def, { instance, eniIp: `127.0.222.${20 + i}` });
  }
  await manager.ready();
});

afterAll(async () => {
  await manager?.close();
});

describe("workload addresses", () => {
  it("bridge: instance IP and the mapped host port of each scrape entry; bad entries are skipped", async () => {
    const endpoints = urlOf(bridge);
    expect(endpoints.map((e) => e.url).sort()).toEqual(
      [`http://${INSTANCE_IP}:${ports.a}/internal/metrics`, `http://${INSTANCE_IP}:${ports.b}/metrics`].sort(),
    );
    const res = await fetch(`http://${INSTANCE_IP}:${ports.a}/internal/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const body = await res.text();
    expect(body).toContain(`sim_task_id="${bridge.id}"`);
    expect(body).toContain('sim_container="app"');
    expect(body.split("\n").filter((l) => l && !l.startsWith("#"))).toHaveLength(300);
    expect((await fetch(`http://${INSTANCE_IP}:${ports.a}/metrics`)).status).toBe(404);
  });

  it("host: the instance IP and the container port, from a seed-002 port/path label", async () => {
    expect(urlOf(host).map((e) => e.url)).toEqual([`http://${INSTANCE_IP}:${ports.host}/custom/path`]);
    const res = await fetch(`http://${INSTANCE_IP}:${ports.host}/custom/path`);
    expect(res.status).toBe(200);
    const lines = (await res.text()).split("\n").filter((l) => l && !l.startsWith("#"));
    expect(lines).toHaveLength(40);
  });

  it("awsvpc: each task's ENI IP, the same port on different addresses", async () => {
    expect(urlOf(vpc1).map((e) => e.url)).toEqual([`http://127.0.222.5:${ports.vpc}/metrics`]);
    expect(urlOf(vpc2).map((e) => e.url)).toEqual([`http://127.0.222.6:${ports.vpc}/metrics`]);
    const [one, two] = await Promise.all([
      fetch(`http://127.0.222.5:${ports.vpc}/metrics`).then((r) => r.text()),
      fetch(`http://127.0.222.6:${ports.vpc}/metrics`).then((r) => r.text()),
    ]);
    expect(one).toContain(`sim_task_id="${vpc1.id}"`);
    expect(two).toContain(`sim_task_id="${vpc2.id}"`);
  });

  it("serves exposition that promtool accepts, OpenMetrics on request, and gzip", async () => {
    const url = `http://127.0.222.5:${ports.vpc}/metrics`;
    const text = await (await fetch(url)).text();
    const lint = spawnSync("/usr/bin/promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(lint.stdout + lint.stderr).toBe("");
    expect(lint.status).toBe(0);
    const om = await fetch(url, { headers: { accept: "application/openmetrics-text;version=1.0.0,text/plain;q=0.5" } });
    expect(om.headers.get("content-type")).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    expect((await om.text()).endsWith("# EOF\n")).toBe(true);
    const zipped = await raw(url, { "accept-encoding": "gzip" });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(zipped.body).toString()).toContain("sim_http_requests_total");
  });

  it("a __metrics_path__ in PROMETHEUS_LABELS is served (and advertised) besides the declared path", async () => {
    const def = store.addTaskDefinition("prom-path", "awsvpc", [
      {
        name: "api",
        dockerLabels: { PROMETHEUS_SCRAPES: String(ports.vpc), PROMETHEUS_LABELS: "__metrics_path__=/prom,team=api" },
      },
    ]);
    const task = store.addTask(def, { instance, eniIp: "127.0.222.60" });
    await manager.ready();
    expect(urlOf(task).map((e) => e.url)).toEqual([`http://127.0.222.60:${ports.vpc}/prom`]);
    expect((await fetch(`http://127.0.222.60:${ports.vpc}/prom`)).status).toBe(200);
    expect((await fetch(`http://127.0.222.60:${ports.vpc}/metrics`)).status).toBe(200);
    store.setTaskStatus(task.taskArn, "STOPPED");
    await manager.ready();
  });

  it("counters move between scrapes", async () => {
    const url = `http://${INSTANCE_IP}:${ports.b}/metrics`;
    const value = async () =>
      (await (await fetch(url)).text())
        .split("\n")
        .filter((l) => l.startsWith("sim_synthetic_events_total"))
        .reduce((sum, l) => sum + Number(l.split(" ").at(-1)), 0);
    const first = await value();
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await value()).toBeGreaterThan(first);
  });
});

describe("failure modes", () => {
  const url = (failure: string) => urlOf(failing[failure]!)[0]!.url;

  it("http500 answers 500", async () => {
    expect((await fetch(url("http500"))).status).toBe(500);
  });

  it("garbage answers 200 with random bytes", async () => {
    const res = await raw(url("garbage"));
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(4096);
    const lint = spawnSync("/usr/bin/promtool", ["check", "metrics"], { input: res.body });
    expect(lint.status).not.toBe(0);
  });

  it("slow answers only after the configured delay", async () => {
    const started = Date.now();
    const res = await fetch(url("slow"));
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
  });

  it("oversized streams more than 20 MB, plain or gzip", async () => {
    const plain = await raw(url("oversized"));
    expect(plain.body.length).toBeGreaterThan(20 * 1024 * 1024);
    const zipped = await raw(url("oversized"), { "accept-encoding": "gzip" });
    expect(zipped.body.length).toBeLessThan(plain.body.length);
    expect(gunzipSync(zipped.body).length).toBeGreaterThan(20 * 1024 * 1024);
  });

  it("refused has no listener but is still listed", async () => {
    const endpoint = urlOf(failing.refused!)[0]!;
    expect(endpoint.failure).toBe("refused");
    await expect(fetch(endpoint.url)).rejects.toThrow();
  });

  it("the model's failure field wins over the label", async () => {
    const task = store.addTask(vpcDef, { instance, eniIp: "127.0.222.40", failure: "http500" });
    await manager.ready();
    expect((await fetch(urlOf(task)[0]!.url)).status).toBe(500);
  });
});

describe("lifecycle", () => {
  it("starts listeners when a task starts running and stops them when it stops", async () => {
    const task = store.addTask(vpcDef, { instance, eniIp: "127.0.222.50", status: "PENDING" });
    expect(urlOf(task)).toEqual([]);
    store.setTaskStatus(task.taskArn, "RUNNING");
    await manager.ready();
    const endpoint = urlOf(task)[0]!;
    expect((await fetch(endpoint.url)).status).toBe(200);
    store.setTaskStatus(task.taskArn, "STOPPED");
    expect(urlOf(task)).toEqual([]);
    await manager.ready();
    await expect(fetch(endpoint.url)).rejects.toThrow();
  });

  it("copes with 100 targets quickly", async () => {
    const started = Date.now();
    const tasks = Array.from({ length: 100 }, (_, i) =>
      store.addTask(vpcDef, { instance, eniIp: `127.0.223.${i + 1}` }),
    );
    await manager.ready();
    const startMs = Date.now() - started;
    const results = await Promise.all(tasks.map((t) => fetch(urlOf(t)[0]!.url).then((r) => r.status)));
    expect(results.every((s) => s === 200)).toBe(true);
    expect(startMs).toBeLessThan(5_000);
    for (const t of tasks) store.setTaskStatus(t.taskArn, "STOPPED");
    await manager.ready();
  });
});

describe("the host option", () => {
  it("binds every workload to one address on ephemeral ports and reports the real URLs", async () => {
    const other = new FakeClusterStore("workloads-host");
    const node = other.addInstance(225);
    const def = other.addTaskDefinition("api", "awsvpc", [
      { name: "api", dockerLabels: { PROMETHEUS_SCRAPES: "9100" } },
    ]);
    const tasks = [1, 2, 3].map((i) => other.addTask(def, { instance: node, eniIp: `127.0.226.${i}` }));
    const hosted = startWorkloads(other, { host: "127.0.224.1" });
    try {
      await hosted.ready();
      const urls = hosted.endpoints().map((e) => new URL(e.url));
      expect(urls).toHaveLength(3);
      expect(new Set(urls.map((u) => u.hostname))).toEqual(new Set(["127.0.224.1"]));
      expect(new Set(urls.map((u) => u.port)).size).toBe(3);
      for (const task of tasks) {
        const endpoint = hosted.endpoints().find((e) => e.taskArn === task.taskArn)!;
        expect(await (await fetch(endpoint.url)).text()).toContain(`sim_task_id="${task.id}"`);
      }
    } finally {
      await hosted.close();
    }
  });
});
