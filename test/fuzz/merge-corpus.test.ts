import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderMergedMetrics } from "../../agents/runtime/metrics-server.js";
import { createScrapeHandler, type ScrapeHandler } from "../../agents/scrape/scrape-handler.js";
import type { ScrapeTarget } from "../../crds-like-schemas/index.js";
import { fromRoot } from "../../lib/paths.js";
import { duplicateSeries } from "../helpers/exposition-check.js";
import { startTargetServer, type TargetRoute, type TargetServer } from "../helpers/metrics-targets.js";
import { syncJob } from "../helpers/sync-job.js";

/**
 * Issue 16, "Merge": an adversarial corpus of bodies (test/fixtures/merge-corpus: type conflicts across targets,
 * histogram-suffix names, duplicates in any label order, quoted UTF-8 names, every kind of escape, OpenMetrics)
 * is scraped by the real scrape handler and merged exactly as the agent's /metrics does; the merged output must
 * pass the real `promtool check metrics` and hold every series once (checked by an independent reader).
 */

const CORPUS = fromRoot("test/fixtures/merge-corpus");
const OM_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

function promtool(text: string): { status: number | null; output: string } {
  const result = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  expect(result.error, "promtool (Debian package prometheus) must be installed").toBeUndefined();
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function labels(taskId: string): Record<string, string> {
  return { cluster: "corpus", task_id: taskId, container_name: "app", service: "svc" };
}

describe("the merge of an adversarial corpus", () => {
  const files = readdirSync(CORPUS).sort();
  let server: TargetServer;
  let handler: ScrapeHandler;
  const registry = new Registry();
  let merged: string;

  beforeAll(async () => {
    const routes: Record<string, TargetRoute> = {};
    for (const file of files) {
      routes[`/${file}`] = {
        body: readFileSync(`${CORPUS}/${file}`),
        headers: { "content-type": file.endsWith(".om") ? OM_TYPE : "text/plain; version=0.0.4" },
      };
    }
    server = await startTargetServer(routes, "127.0.16.1");
    const targets: ScrapeTarget[] = files.map((file, i) => ({
      id: `corpus/task-${String(i).padStart(2, "0")}/app/${9000 + i}/${file}`,
      address: server.address,
      scheme: "http",
      metricsPath: `/${file}`,
      labels: labels(`task-${i}`),
    }));
    // One container with two endpoints serving the same body: kept apart by metrics_endpoint.
    targets.push(
      { ...targets[0]!, id: "corpus/two/app/8080/01-histogram-foo.prom", labels: labels("two") },
      { ...targets[0]!, id: "corpus/two/app/9106/01-histogram-foo.prom", labels: labels("two") },
    );
    // The same endpoint listed twice under identical labels: every series of the second is a duplicate.
    targets.push(
      { ...targets[6]!, id: "corpus/dup-a/app/7000/07-label-order-a.prom", labels: labels("dup") },
      { ...targets[6]!, id: "corpus/dup-b/app/7000/07-label-order-a.prom", labels: labels("dup") },
    );
    handler = createScrapeHandler({
      logger: pino({ level: "silent" }),
      concurrency: 8,
      registry,
      firstScrapeDelayMs: () => 3_600_000,
    });
    await handler.apply(syncJob("corpus", 1, targets, { intervalMs: 60_000, timeoutMs: 5_000 }, "corpus"));
    await handler.scrapeAll();
    await renderMergedMetrics(registry, handler);
    const { chunks, bytes } = await renderMergedMetrics(registry, handler);
    merged = Buffer.concat(chunks, bytes).toString("utf8");
  });

  afterAll(async () => {
    await handler?.stop();
    await server?.close();
  });

  it("scrapes every corpus body successfully (escapes and UTF-8 names do not fail a target)", () => {
    const down = handler.views().filter((v) => v.up !== 1);
    expect(down.map((v) => v.target.id)).toEqual([]);
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it("passes the real promtool check metrics", () => {
    const result = promtool(merged);
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  });

  it("holds every series once (order-insensitive label sets, read independently)", () => {
    expect(duplicateSeries(merged)).toEqual([]);
  });

  it("keeps the two endpoints of one container apart and drops the endpoint listed twice", () => {
    const foo = merged.split("\n").filter((l) => l.startsWith("foo_sum{") && l.includes('task_id="two"'));
    expect(foo.map((l) => /metrics_endpoint="([^"]*)"/.exec(l)?.[1]).sort()).toEqual([
      "8080/01-histogram-foo.prom",
      "9106/01-histogram-foo.prom",
    ]);
    const dup = merged.split("\n").filter((l) => l.startsWith("orders_total{") && l.includes('task_id="dup"'));
    expect(dup).toHaveLength(2);
  });

  it("resolves type conflicts as documented in ADR 0044", () => {
    expect(merged).toContain("# TYPE temp_celsius untyped\n");
    expect(merged).toMatch(/^temp_celsius\{room="a",[^}]*\} 21\.5$/m);
    expect(merged).toMatch(/^temp_celsius\{room="b",[^}]*\} 3$/m);
    expect(merged).toContain("# TYPE foo histogram\n");
    expect(merged).toMatch(/^foo_count\{shard="a",[^}]*\} 7$/m);
    expect(merged).not.toMatch(/^foo_bucket\{shard="a"/m);
    expect(merged).toContain("# TYPE lat_seconds summary\n");
    expect(merged).toMatch(/^lat_seconds_count\{path="\/h",[^}]*\} 12$/m);
    expect(merged).not.toMatch(/^lat_seconds_bucket/m);
    expect(merged).toContain("# TYPE jobs_total untyped\n");
    expect(merged).toMatch(/^s_req_sum\{zone="z",[^}]*\} 9$/m);
    expect(merged).not.toMatch(/^s_req_count_bucket/m);
  });

  it("escapes UTF-8 names with Prometheus's underscores scheme and keeps unknown escapes literal", () => {
    expect(merged).toMatch(/^my_metric\{http_method="GET",[^}]*\} 1$/m);
    expect(merged).not.toMatch(/^my_metric\{http_method="GET",[^}]*\} 3$/m);
    expect(merged).toMatch(/^_n_code_total\{/m);
    expect(merged).not.toMatch(/^h_llo_w_rld_total/m);
    expect(merged).toMatch(/^dots_hist_bucket\{le="\+Inf",[^}]*\} 2$/m);
    expect(merged).toMatch(/^om_requests_total\{path="\/a",[^}]*\} 3$/m);
    expect(merged).toContain('esc_total{v="tab\\\\there",');
    expect(merged).toContain('esc_total{v="unknown\\\\q escape",');
    expect(merged).toContain('esc_total{v="quote\\" backslash\\\\ newline\\n",');
    expect(merged).toContain(
      '# HELP esc_total Tab\\\\there, a \\\\"quote\\\\", a backslash \\\\ and a newline\\n, trailing \\\\\n',
    );
    expect(merged).toContain('build_info{version="1.0\\\\t",');
  });

  it("counts every series dropped or changed, by reason", async () => {
    const text = await registry.metrics();
    const value = (metric: string, reason: string) =>
      Number(new RegExp(`^${metric}\\{reason="${reason}"\\} (\\S+)$`, "m").exec(text)?.[1]);
    const dropped = "ecsmon_agent_merge_series_dropped_total";
    const changed = "ecsmon_agent_merge_series_changed_total";
    // 09: three copies of dup_total{a="1",b="2"}; 10: my_metric{http_method="GET"} twice after escaping.
    expect(value(dropped, "duplicate_in_target")).toBe(4);
    expect(value(dropped, "label_clash_after_escaping")).toBe(1);
    // Per render (two renders): the endpoint listed twice (2 series) and 17's own `up` and
    // `scrape_duration_seconds`, which equal the agent's synthetic ones; foo_bucket without le, the histogram's 2
    // buckets under summary lat_seconds, 3 series of histogram s_req_count.
    expect(value(dropped, "duplicate_across_targets")).toBe(2 * (2 + 2));
    expect(value(dropped, "type_conflict")).toBe(2 * (1 + 2 + 3));
    expect(value(changed, "untyped_on_type_conflict")).toBeGreaterThanOrEqual(2 * 4);
    expect(value(changed, "folded_into_family")).toBe(2 * 2);
    expect(value(changed, "name_escaped")).toBeGreaterThanOrEqual(8);
    expect(value(changed, "label_exported")).toBe(1);
  });
});
