import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBody } from "../../agents/exposition/parse-body.js";
import { FUZZ_SEEDS, type FuzzCase, fuzzCorpus } from "../fuzz/scrape-fuzz-corpus.js";
import { startTargetServer, type TargetRoute, type TargetServer } from "../helpers/metrics-targets.js";
import { scrapeOnce } from "../helpers/scrape-once.js";
import { target } from "../helpers/sync-job.js";

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
    const targets = corpus.map((_, i) => target(`fuzz-${i}`, server.address, `/case/${i}`));
    targets.push(target("valid-text", server.address, "/valid-text"), target("valid-om", server.address, "/valid-om"));
    const { byId, results, snapshots } = await scrapeOnce(
      targets,
      { maxBodyBytes: 2 * 1024 * 1024, timeoutMs: 5_000, intervalMs: 10_000 },
      16,
    );
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
    expect(snapshots).toBe(3);
  });
});
