import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { mergeSnapshots } from "../../agents/exposition/merge.js";
import { parseBody } from "../../agents/exposition/parse-body.js";
import { renderExposition, seriesCountFor } from "../../sim/workloads/exposition.js";

/** The agent's parser reads what the simulator's workloads serve, in both formats, and the merge stays promtool-clean. */
describe("simulator workload bodies", () => {
  const profile = { seed: "w-1", series: 300, startedAtMs: Date.now() - 60_000, info: { app: "demo", version: "1.2" } };
  for (const format of ["text", "openmetrics"] as const) {
    it(`parses every series of a ${format} body`, () => {
      const snapshot = parseBody(renderExposition(profile, Date.now(), format), format, {
        cluster: "sim",
        container_name: "web",
      });
      expect(snapshot.samples).toBe(seriesCountFor(profile.series));
      expect(snapshot.duplicates).toBe(0);
    });
  }

  it("merges a text and an OpenMetrics target into one promtool-clean exposition", () => {
    const a = parseBody(renderExposition(profile, Date.now(), "text"), "text", { cluster: "sim", task_id: "a" });
    const b = parseBody(renderExposition({ ...profile, seed: "w-2" }, Date.now(), "openmetrics"), "openmetrics", {
      cluster: "sim",
      task_id: "b",
    });
    const { text, stats } = mergeSnapshots([a, b]);
    expect(stats.typeConflicts).toBe(0);
    expect(text.match(/^# TYPE sim_http_requests_total counter$/gm)).toHaveLength(1);
    const result = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(`${result.stdout}${result.stderr}`).toBe("");
    expect(result.status).toBe(0);
  });
});
