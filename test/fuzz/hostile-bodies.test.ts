import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTargetServer, type TargetServer } from "../helpers/metrics-targets.js";
import { recordingScrapeHandler } from "../helpers/scrape-once.js";
import { syncJob, target } from "../helpers/sync-job.js";

/**
 * Issue 9, "Metrics bodies": extends test/integration/agent-fuzz.test.ts (hostile bodies) to hostile *timing*:
 * slow-loris targets that trickle a byte at a time, never answer, or stall after the headers, and endless bodies
 * (valid exposition text that never ends). Each ends within its timeout or body cap with a classified error,
 * the agent's memory stays bounded, and a healthy neighbour keeps being scraped.
 */

const TIMEOUT_MS = 800;
const MAX_BODY = 256 * 1024;
let server: TargetServer;
const open = new Set<ServerResponse>();

function trickle(res: ServerResponse, chunk: string, everyMs: number) {
  open.add(res);
  res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
  const timer = setInterval(() => {
    if (res.destroyed) clearInterval(timer);
    else res.write(chunk);
  }, everyMs);
  res.on("close", () => clearInterval(timer));
}

beforeAll(async () => {
  let n = 0;
  server = await startTargetServer(
    {
      "/ok": { body: "up_total 1\n" },
      "/loris-byte": (_req, res) => trickle(res, "a", 50),
      "/loris-line": (_req, res) => trickle(res, `x_total{i="1"} 1\n`, 100),
      "/no-answer": (_req, res) => open.add(res),
      "/headers-then-stall": (_req, res) => {
        open.add(res);
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("# HELP x a\n");
      },
      "/endless": (_req, res) => {
        open.add(res);
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
        const pump = () => {
          while (!res.destroyed && res.write(`endless_total{n="${n++}"} 1\n`.repeat(64))) {}
          if (!res.destroyed) res.once("drain", pump);
        };
        pump();
      },
      "/endless-gzip-claim": (_req, res) => {
        open.add(res);
        res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" });
        const pump = () => {
          while (!res.destroyed && res.write(Buffer.alloc(16_384, 0))) {}
          if (!res.destroyed) res.once("drain", pump);
        };
        pump();
      },
      "/huge-content-length": { headers: { "content-length": String(10 * 1024 ** 3) }, body: "" },
    },
    "127.0.94.1",
  );
});

afterAll(async () => {
  for (const res of open) res.destroy();
  await server?.close();
});

describe("slow-loris and endless targets", () => {
  it("each ends within its timeout or body cap with a classified error; the neighbour stays up", async () => {
    const { handler, results } = recordingScrapeHandler(16, 60_000);
    const paths = [
      "/loris-byte",
      "/loris-line",
      "/no-answer",
      "/headers-then-stall",
      "/endless",
      "/endless-gzip-claim",
      "/huge-content-length",
    ];
    await handler.apply(
      syncJob(
        "loris",
        1,
        [...paths.map((p) => target(p.slice(1), server.address, p)), target("ok", server.address, "/ok")],
        { timeoutMs: TIMEOUT_MS, maxBodyBytes: MAX_BODY, intervalMs: 60_000 },
      ),
    );
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    await handler.scrapeAll();
    const elapsed = performance.now() - started;
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    const byId = new Map(results.map((r) => [r.targetId, r]));
    for (const p of paths) {
      const r = byId.get(p.slice(1));
      expect(r?.ok, p).toBe(false);
      expect(r?.errorClass, p).toMatch(/^(timeout|body_too_large|parse|other|connection|http_status)$/);
      expect(r?.error, p).toEqual(expect.any(String));
      expect(r?.durationMs, p).toBeLessThan(TIMEOUT_MS + 1_500);
    }
    expect(byId.get("loris-byte")?.errorClass).toBe("timeout");
    expect(byId.get("no-answer")?.errorClass).toBe("timeout");
    expect(byId.get("endless")?.errorClass).toBe("body_too_large");
    expect(byId.get("ok")?.ok).toBe(true);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 3_000);
    expect(heapGrowth).toBeLessThan(64 * 1024 * 1024);
    await handler.stop();
  });
});
