import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBody } from "../../agents/exposition/parse-body.js";
import { createScrapeHandler } from "../../agents/scrape/scrape-handler.js";
import type { TargetHealth } from "../../crds-like-schemas/index.js";
import { FUZZ_SEEDS, type FuzzCase, fuzzCorpus } from "../fuzz/scrape-fuzz-corpus.js";
import { startTargetServer, type TargetRoute, type TargetServer } from "../helpers/metrics-targets.js";
import { syncJob, target } from "../helpers/sync-job.js";

const logger = pino({ level: "silent" });

describe("fuzz corpus of hostile bodies", () => {
  const corpus: FuzzCase[] = fuzzCorpus();
  let server: TargetServer;

  beforeAll(async () => {
    const routes: Record<string, TargetRoute> = {
      "/valid-text": { body: FUZZ_SEEDS.text },
      "/valid-om": {
        body: FUZZ_SEEDS.openmetrics,
        headers: { "content-type": "application/openmetrics-text; version=1.0.0" },
      },
    };
    corpus.forEach((c, i) => {
      routes[`/case/${i}`] = { status: c.status, headers: c.headers, body: c.body };
    });
    server = await startTargetServer(routes, "127.0.0.9");
  });
  afterAll(async () => {
    await server?.close();
  });

  it("has at least 200 cases and its seeds are valid", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(parseBody(FUZZ_SEEDS.text, "text").samples).toBeGreaterThan(5);
    expect(parseBody(FUZZ_SEEDS.openmetrics, "openmetrics").samples).toBeGreaterThan(5);
  });

  it("never crashes: every hostile target is marked failing with a reason; valid neighbours stay up", async () => {
    const results: TargetHealth[] = [];
    const handler = createScrapeHandler({
      logger,
      concurrency: 16,
      onResult: (r) => results.push(r),
      firstScrapeDelayMs: () => 60_000,
    });
    const targets = corpus.map((_, i) => target(`fuzz-${i}`, server.address, `/case/${i}`));
    targets.push(target("valid-text", server.address, "/valid-text"), target("valid-om", server.address, "/valid-om"));
    await handler.apply(
      syncJob("fuzz", 1, targets, { maxBodyBytes: 2 * 1024 * 1024, timeoutMs: 5_000, intervalMs: 10_000 }),
    );
    await handler.scrapeAll();
    const byId = new Map(results.map((r) => [r.targetId, r]));
    const wrong: string[] = [];
    corpus.forEach((c, i) => {
      const r = byId.get(`fuzz-${i}`);
      if (!r || r.ok || !r.errorClass || !r.error) wrong.push(`${c.name}: ${JSON.stringify(r)}`);
    });
    expect(wrong).toEqual([]);
    expect(byId.get("valid-text")).toMatchObject({ ok: true });
    expect(byId.get("valid-om")).toMatchObject({ ok: true });
    const classes = new Set(results.filter((r) => !r.ok).map((r) => r.errorClass));
    expect([...classes].sort()).toEqual(["body_too_large", "http_status", "other", "parse"]);
    const fresh = handler.snapshots().length;
    expect(fresh).toBe(3);
    await handler.stop();
  });
});
