import type { AddressInfo } from "node:net";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { current, instance, observed, spec, task, taskDef } from "../../controller/plan/fixtures.test-helpers.js";
import { plan } from "../../controller/plan/plan.js";
import type { ScrapeTarget, TargetHealth } from "../../crds-like-schemas/index.js";
import { startTargetServer, type TargetServer } from "../helpers/metrics-targets.js";
import { scrapeOnce } from "../helpers/scrape-once.js";

/**
 * Issue 9, "SSRF": hostile docker labels and hostile assigned targets never make an agent connect anywhere the
 * controller did not assign. A raw TCP "canary" on its own loopback address counts every connection it receives;
 * it must count zero. The one legitimate target (another loopback address) must see only the assigned path.
 */

const LEGIT_HOST = "127.0.93.1";
const CANARY_HOST = "127.0.93.2";

let legit: TargetServer;
let canary: Server;
let canaryPort = 0;
let canaryConnections = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  canary = createServer((socket) => {
    canaryConnections++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.end("HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\ncanary_hit 1");
  });
  await new Promise<void>((resolve) => canary.listen(0, CANARY_HOST, resolve));
  canaryPort = (canary.address() as AddressInfo).port;
  legit = await startTargetServer(
    {
      "/metrics": { body: "up_total 1\n" },
      "/redirect": { status: 302, headers: { location: `http://${CANARY_HOST}:${canaryPort}/metrics` }, body: "" },
    },
    LEGIT_HOST,
  );
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => canary?.close(() => resolve()));
  await legit?.close();
});

async function scrape(targets: ScrapeTarget[]): Promise<Map<string, TargetHealth>> {
  return (await scrapeOnce(targets, { timeoutMs: 2_000 })).byId;
}

const t = (id: string, address: string, metricsPath = "/metrics", scheme = "http"): ScrapeTarget =>
  ({ id, address, metricsPath, scheme, labels: { cluster: "c" } }) as ScrapeTarget;

describe("SSRF canary", () => {
  it("hostile docker labels assign nothing but the node's own address, and the agent never reaches the canary", async () => {
    const node = instance(1, { privateIp: LEGIT_HOST });
    const hostile = [
      "169.254.169.254/latest",
      `localhost:${canaryPort}`,
      `${canaryPort}@${CANARY_HOST}`,
      "8080@evil",
      `${legit.port}/../metrics`,
      `${legit.port}/http://${CANARY_HOST}:${canaryPort}/metrics`,
      `${legit.port}//${CANARY_HOST}:${canaryPort}/metrics`,
      `${CANARY_HOST}:${canaryPort}`,
      `http://${CANARY_HOST}:${canaryPort}/metrics`,
    ];
    const defs = hostile.map((value, i) =>
      taskDef(`f${i}`, "host", [{ name: "app", dockerLabels: { PROMETHEUS_SCRAPES: value } }]),
    );
    const legitDef = taskDef("ok", "host", [
      { name: "app", dockerLabels: { PROMETHEUS_SCRAPES: `${legit.port}`, PROMETHEUS_LABELS: "job=x" } },
    ]);
    const tasks = [...defs, legitDef].map((d, i) => task(`t${i}`, d, { on: node }));
    const result = plan(
      spec(),
      observed({ tasks, defs: [...defs, legitDef], instances: [node] }),
      current([node.nodeId]),
    );
    expect(result.invalid.length).toBeGreaterThanOrEqual(hostile.length - 1);
    for (const desired of result.targets) expect(desired.target.address.startsWith(`${LEGIT_HOST}:`)).toBe(true);
    const byId = await scrape(result.targets.map((d) => d.target));
    expect(byId.size).toBe(result.targets.length);
    expect(canaryConnections).toBe(0);
    for (const path of legit.hits.keys()) expect(path).toBe("/metrics");
  });

  it("the agent refuses hostile assigned targets and follows no redirect", async () => {
    const before = legit.hits.get("/metrics") ?? 0;
    const targets = [
      t("imds", "169.254.169.254:80", "/latest/meta-data/"),
      t("imds-mapped", "[::ffff:169.254.169.254]:80", "/latest"),
      t("imds-v6", "[fd00:ec2::254]:80", "/latest"),
      t("hostname", `localhost:${canaryPort}`),
      t("userinfo", `${LEGIT_HOST}:${legit.port}@${CANARY_HOST}:${canaryPort}`),
      t("dotdot", legit.address, "/../metrics"),
      t("encoded-dotdot", legit.address, "/%2e%2e/metrics"),
      t("url-in-path", legit.address, `/http://${CANARY_HOST}:${canaryPort}/metrics`),
      t("authority-path", legit.address, `//${CANARY_HOST}:${canaryPort}/metrics`),
      t("at-path", legit.address, `@${CANARY_HOST}:${canaryPort}/metrics`),
      t("backslash", legit.address, `/\\\\${CANARY_HOST}/metrics`),
      t("fragment", legit.address, "/metrics#@evil"),
      t("scheme", legit.address, "/metrics", "file"),
      t("redirect", legit.address, "/redirect"),
      t("ok", legit.address, "/metrics"),
    ];
    const byId = await scrape(targets);
    expect(canaryConnections).toBe(0);
    for (const target of targets.filter((x) => x.id !== "ok")) {
      const r = byId.get(target.id);
      expect(r?.ok, target.id).toBe(false);
      expect(r?.error, target.id).toEqual(expect.any(String));
    }
    expect(byId.get("ok")?.ok).toBe(true);
    expect(legit.hits.get("/metrics")).toBe(before + 1);
    expect([...legit.hits.keys()].sort()).toEqual(["/metrics", "/redirect"]);
  });
});
