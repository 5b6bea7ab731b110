import { createServer } from "node:net";
import { gzipSync } from "node:zlib";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeSnapshots } from "../../agents/exposition/merge.js";
import { createScrapeHandler } from "../../agents/scrape/scrape-handler.js";
import { startTargetServer, type TargetServer } from "../helpers/metrics-targets.js";
import { recordingScrapeHandler, scrapeOnce as scrapeRound } from "../helpers/scrape-once.js";
import { syncJob, target } from "../helpers/sync-job.js";

const logger = pino({ level: "silent" });
const TEXT =
  '# HELP app_requests_total Requests.\n# TYPE app_requests_total counter\napp_requests_total{code="200"} 5\n';
const OM = '# TYPE app_jobs counter\n# HELP app_jobs Jobs.\napp_jobs_total 3 # {trace_id="t"} 1\n# EOF\n';

describe("scrape handler against real HTTP targets", () => {
  let a: TargetServer;
  let other: TargetServer;
  const accepts: string[] = [];

  beforeAll(async () => {
    other = await startTargetServer({ "/metrics": { body: TEXT } }, "127.0.0.2");
    a = await startTargetServer({
      "/metrics": { body: TEXT },
      "/om": { body: OM, headers: { "content-type": "application/openmetrics-text; version=1.0.0; charset=utf-8" } },
      "/gz": (req, res) => {
        accepts.push(String(req.headers["accept-encoding"]));
        res.writeHead(200, { "content-encoding": "gzip", "content-type": "text/plain" }).end(gzipSync(TEXT));
      },
      "/bomb": { body: gzipSync(Buffer.alloc(8 * 1024 * 1024, "a")), headers: { "content-encoding": "gzip" } },
      "/big": { body: `# ${"x".repeat(300_000)}\n` },
      "/500": { status: 500, body: "oops" },
      "/slow": { body: TEXT, delayMs: 3000 },
      "/redirect-same": { status: 302, headers: { location: "/metrics" }, body: "" },
      "/redirect-loop": { status: 302, headers: { location: "/redirect-loop" }, body: "" },
      "/redirect-imds": { status: 301, headers: { location: "http://169.254.169.254/latest/meta-data/" }, body: "" },
      "/bad": { body: "bad metric line\n" },
    });
  });
  afterAll(async () => {
    await a.close();
    await other.close();
  });

  const scrapeOnce = (targets: ReturnType<typeof target>[], scrape = {}) =>
    scrapeRound(targets, { maxBodyBytes: 256 * 1024, intervalMs: 10_000, timeoutMs: 5_000, ...scrape });

  it("scrapes text, OpenMetrics and gzip bodies, negotiating the format", async () => {
    const { byId, merged } = await scrapeOnce([
      target("t/text", a.address, "/metrics"),
      target("t/om", a.address, "/om"),
      target("t/gz", a.address, "/gz"),
    ]);
    for (const id of ["t/text", "t/om", "t/gz"])
      expect(byId.get(id)).toMatchObject({ ok: true, samples: expect.any(Number) });
    expect(byId.get("t/om")?.samples).toBe(1);
    expect(a.lastHeaders?.accept).toMatch(
      /^application\/openmetrics-text;version=1\.0\.0,.*text\/plain;version=0\.0\.4;q=0\.5/,
    );
    expect(accepts).toContain("gzip");
    expect(merged).toContain(
      `app_jobs_total{cluster="test-cluster",container_name="app",metrics_endpoint="${a.port}/om",task_id="tom"} 3\n`,
    );
    expect(merged).toContain(
      `up{cluster="test-cluster",container_name="app",metrics_endpoint="${a.port}/gz",task_id="tgz"} 1\n`,
    );
    expect(merged.match(/^# TYPE app_requests_total counter$/gm)).toHaveLength(1);
    expect(merged).toMatch(/^scrape_samples_scraped\{[^}]*task_id="ttext"\} 1$/m);
  });

  it("classifies failures: http status, parse, body too large (plain and gzip bomb), connection", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const { byId, merged } = await scrapeOnce([
      target("f/500", a.address, "/500"),
      target("f/bad", a.address, "/bad"),
      target("f/big", a.address, "/big"),
      target("f/bomb", a.address, "/bomb"),
      target("f/refused", `127.0.0.1:${closed}`, "/metrics"),
    ]);
    expect(byId.get("f/500")).toMatchObject({ ok: false, errorClass: "http_status", error: "http_status: HTTP 500" });
    expect(byId.get("f/bad")).toMatchObject({ ok: false, errorClass: "parse" });
    expect(byId.get("f/bad")?.error).toMatch(/line 1/);
    expect(byId.get("f/big")).toMatchObject({ ok: false, errorClass: "body_too_large" });
    expect(byId.get("f/bomb")).toMatchObject({ ok: false, errorClass: "body_too_large" });
    expect(byId.get("f/refused")).toMatchObject({ ok: false, errorClass: "connection" });
    expect(merged).toMatch(/^up\{[^}]*task_id="f500"\} 0$/m);
  });

  it("survives a connection reset mid-body and a trickling body (timeout)", async () => {
    const hostile = await startTargetServer({
      "/reset": (_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("# TYPE a gauge\na 1\nb{x=");
        setTimeout(() => res.socket?.destroy(), 20);
      },
      "/trickle": (_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write("# x\n")), 50);
        res.on("close", () => clearInterval(timer));
      },
    });
    try {
      const { byId } = await scrapeOnce(
        [target("h/reset", hostile.address, "/reset"), target("h/trickle", hostile.address, "/trickle")],
        { intervalMs: 600, timeoutMs: 600 },
      );
      expect(byId.get("h/reset")).toMatchObject({ ok: false });
      expect(["connection", "parse"]).toContain(byId.get("h/reset")?.errorClass);
      expect(byId.get("h/trickle")).toMatchObject({ ok: false, errorClass: "timeout" });
    } finally {
      await hostile.close();
    }
  });

  it("refuses SSRF: metadata address, '..' and URL paths, cross-host redirects; follows a same-host redirect once", async () => {
    const otherUrl = `http://127.0.0.2:${other.port}/metrics`;
    const routesOther = `/redirect-other`;
    // Point the cross-host redirect at the second server (a real, reachable other host).
    const cross = await startTargetServer(
      { [routesOther]: { status: 302, headers: { location: otherUrl }, body: "" } },
      "127.0.0.3",
    );
    try {
      const before = other.hits.get("/metrics") ?? 0;
      const { byId } = await scrapeOnce([
        target("s/imds", "169.254.169.254:80", "/latest/meta-data/"),
        target("s/dotdot", a.address, "/metrics/../../etc"),
        target("s/url", a.address, "/http://169.254.169.254/"),
        target("s/at", a.address, "/@127.0.0.2/metrics"),
        target("s/cross", cross.address, routesOther),
        target("s/imds-redirect", a.address, "/redirect-imds"),
        target("s/same", a.address, "/redirect-same"),
        target("s/loop", a.address, "/redirect-loop"),
      ]);
      for (const id of ["s/imds", "s/dotdot", "s/url", "s/at", "s/cross", "s/imds-redirect"]) {
        expect(byId.get(id), id).toMatchObject({ ok: false, errorClass: "forbidden_address" });
      }
      expect(other.hits.get("/metrics") ?? 0).toBe(before);
      expect(byId.get("s/same")).toMatchObject({ ok: true, samples: 1 });
      expect(byId.get("s/loop")).toMatchObject({ ok: false, errorClass: "http_status" });
    } finally {
      await cross.close();
    }
  });

  it("a slow target never delays the others", async () => {
    const { handler, results } = recordingScrapeHandler(2, 0);
    const started = Date.now();
    await handler.apply(
      syncJob(
        "n1",
        1,
        [
          target("slow", a.address, "/slow"),
          target("fast1", a.address, "/metrics"),
          target("fast2", other.address, "/metrics"),
        ],
        { intervalMs: 300, timeoutMs: 300 },
      ),
    );
    await new Promise((r) => setTimeout(r, 1_600));
    await handler.stop();
    const fast = results.filter((r) => r.targetId.startsWith("fast"));
    const slow = results.filter((r) => r.targetId === "slow");
    // Each fast target is due 6 times in 1.6 s; the slow one holds a slot for its whole timeout every time.
    expect(fast.every((r) => r.ok)).toBe(true);
    expect(fast.filter((r) => r.targetId === "fast1").length).toBeGreaterThanOrEqual(4);
    expect(fast.filter((r) => r.targetId === "fast2").length).toBeGreaterThanOrEqual(4);
    expect(slow.length).toBeGreaterThanOrEqual(2);
    expect(slow.every((r) => !r.ok && r.errorClass === "timeout" && r.durationMs >= 290)).toBe(true);
    const firstFast = Math.min(...fast.map((r) => Date.parse(r.at)));
    expect(firstFast - started).toBeLessThan(250);
  });

  it("serves the last good snapshot after a failure until it goes stale (2 × interval + timeout)", async () => {
    let status = 200;
    const flaky = await startTargetServer({
      "/metrics": (_req, res) => {
        res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? TEXT : "down");
      },
    });
    let now = 1_000_000;
    const handler = createScrapeHandler({
      logger,
      concurrency: 2,
      now: () => now,
      firstScrapeDelayMs: () => 3_600_000,
    });
    try {
      await handler.apply(syncJob("n1", 1, [target("flaky", flaky.address)], { intervalMs: 10_000, timeoutMs: 5_000 }));
      await handler.scrapeAll();
      status = 503;
      now += 20_000;
      await handler.scrapeAll();
      let merged = mergeSnapshots(handler.snapshots()).text;
      expect(merged).toMatch(/^up\{[^}]*task_id="flaky"\} 0$/m);
      expect(merged).toContain('app_requests_total{code="200",cluster="test-cluster"');
      now += 5_001;
      merged = mergeSnapshots(handler.snapshots()).text;
      expect(merged).not.toContain("app_requests_total{");
      expect(merged).toMatch(/^up\{[^}]*task_id="flaky"\} 0$/m);
      status = 200;
      await handler.scrapeAll();
      expect(mergeSnapshots(handler.snapshots()).text).toContain("app_requests_total{");
    } finally {
      await handler.stop();
      await flaky.close();
    }
  });

  it("applying the same generation twice changes nothing; a newer one converges", async () => {
    const { handler, results } = recordingScrapeHandler(4, 0);
    const job = syncJob("n1", 3, [target("x", a.address)], { intervalMs: 60_000 });
    await handler.apply(job);
    await new Promise((r) => setTimeout(r, 100));
    await handler.apply(job);
    await handler.apply({ ...job, generation: 2, scrape: { ...job.scrape, targets: [] } });
    await new Promise((r) => setTimeout(r, 100));
    expect(results).toHaveLength(1);
    expect(handler.views().map((v) => v.target.id)).toEqual(["x"]);
    await handler.apply({ ...job, generation: 4 });
    await new Promise((r) => setTimeout(r, 100));
    expect(results).toHaveLength(1);
    await handler.apply({ ...job, generation: 5, scrape: { ...job.scrape, targets: [] } });
    expect(handler.views()).toHaveLength(0);
    expect(handler.generation).toBe(5);
    await handler.stop();
  });
});
