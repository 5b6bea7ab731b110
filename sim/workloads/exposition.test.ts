import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  BASELINE_SERIES,
  negotiateFormat,
  renderExposition,
  seriesCountFor,
  type WorkloadMetricsProfile,
} from "./exposition.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const profile = (series: number): WorkloadMetricsProfile => ({
  seed: `task-1/app/${series}`,
  series,
  startedAtMs: T0,
  info: { task_id: "0123abcd", container_name: "app" },
});

/** Sample lines (not comments) keyed by series name+labels. */
function samples(body: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of body.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

describe("renderExposition", () => {
  it("passes promtool check metrics (text format 0.0.4)", () => {
    const body = renderExposition(profile(500), T0 + 90_000, "text");
    const result = spawnSync("/usr/bin/promtool", ["check", "metrics"], { input: body, encoding: "utf8" });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it.each([
    { requested: 1, expected: BASELINE_SERIES },
    { requested: BASELINE_SERIES + 1, expected: BASELINE_SERIES + 1 },
    { requested: 500, expected: 500 },
    { requested: 5_000, expected: 5_000 },
  ])("serves $expected series when $requested are requested", ({ requested, expected }) => {
    expect(seriesCountFor(requested)).toBe(expected);
    expect(samples(renderExposition(profile(requested), T0 + 1_000, "text")).size).toBe(expected);
    expect(samples(renderExposition(profile(requested), T0 + 1_000, "openmetrics")).size).toBe(expected);
  });

  it("counters and histogram buckets grow, gauges move", () => {
    const times = [10, 60, 300, 1_000, 3_600].map((s) => T0 + s * 1000);
    const bodies = times.map((at) => samples(renderExposition(profile(200), at, "text")));
    for (let i = 1; i < bodies.length; i++) {
      const [before, after] = [bodies[i - 1]!, bodies[i]!];
      for (const [key, value] of after) {
        if (/_total\{|_bucket\{|_count$|_sum$/.test(key)) expect(value, key).toBeGreaterThanOrEqual(before.get(key)!);
      }
      expect(after.get('sim_http_requests_total{code="200",method="GET"}')).toBeGreaterThan(
        before.get('sim_http_requests_total{code="200",method="GET"}')!,
      );
    }
    const levels = new Set(bodies.map((b) => b.get('sim_synthetic_level{series="3"}')));
    expect(levels.size).toBeGreaterThan(1);
    const last = bodies.at(-1)!;
    const buckets = [...last].filter(([k]) => k.startsWith("sim_http_request_duration_seconds_bucket"));
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]![1]).toBeGreaterThanOrEqual(buckets[i - 1]![1]);
    expect(buckets.at(-1)![1]).toBe(last.get("sim_http_request_duration_seconds_count"));
  });

  it("OpenMetrics: counter families drop _total, integral bounds are floats, body ends with # EOF", () => {
    const body = renderExposition(profile(40), T0 + 5_000, "openmetrics");
    expect(body).toContain("# TYPE sim_http_requests counter\n");
    expect(body).toContain('sim_http_request_duration_seconds_bucket{le="1.0"}');
    expect(body.endsWith("# EOF\n")).toBe(true);
    const text = renderExposition(profile(40), T0 + 5_000, "text");
    expect(text).toContain("# TYPE sim_http_requests_total counter\n");
    expect(text).not.toContain("# EOF");
  });

  it.each([
    { accept: undefined, format: "text" },
    { accept: "text/plain;version=0.0.4;q=0.5,*/*;q=0.1", format: "text" },
    {
      accept:
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
      format: "openmetrics",
    },
  ])("negotiates $format from $accept", ({ accept, format }) => {
    expect(negotiateFormat(accept)).toBe(format);
  });
});
