import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { DEFAULT_HELP, mergeSnapshots, syntheticFamily } from "./merge.js";
import { parseBody } from "./parse-body.js";
import { plainSnapshot } from "./snapshot.js";

const OM_BODY = `# TYPE rpc_seconds histogram
# UNIT rpc_seconds seconds
# HELP rpc_seconds RPC latency with "quotes" and \\\\ backslash.
rpc_seconds_bucket{le="0.1"} 1 # {trace_id="abc"} 0.05 1700000000.5
rpc_seconds_bucket{le="+Inf"} 3
rpc_seconds_sum 1.5
rpc_seconds_count 3
rpc_seconds_created 1700000000
# TYPE jobs counter
# HELP jobs Jobs done.
jobs_total{cluster="theirs",kind="a"} 5
jobs_created{cluster="theirs",kind="a"} 1700000000
# TYPE build info
build_info{version="1.2"} 1
# TYPE mode stateset
mode{mode="on"} 1
mode{mode="off"} 0
# TYPE queue gaugehistogram
queue_bucket{le="+Inf"} 4
queue_gcount 4
queue_gsum 9
# TYPE temp gauge
# HELP temp Temperature.
temp NaN
# EOF
`;

const TEXT_BODY = `# HELP jobs_total Jobs done (text).
# TYPE jobs_total counter
jobs_total{kind="b",exported_cluster="x"} 7 1700000000000
# HELP temp Other help that loses.
# TYPE temp counter
temp 3
# TYPE latency summary
latency{quantile="0.5"} 0.2
latency_sum 4
latency_count 10
no_help_metric{path="/a\\\\b\\"c\\n"} -Inf
`;

function promtool(text: string): { status: number | null; output: string } {
  const result = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("mergeSnapshots", () => {
  const a = parseBody(OM_BODY, "openmetrics", { cluster: "prod", task_id: "t-1", container_name: "app" });
  const b = parseBody(TEXT_BODY, "text", { cluster: "prod", task_id: "t-2", container_name: "app" });
  const { text, stats } = mergeSnapshots([a, b]);

  it("writes each family once with one HELP and one TYPE", () => {
    const typeLines = text.split("\n").filter((l) => l.startsWith("# TYPE "));
    const names = typeLines.map((l) => l.split(" ")[2]);
    expect(new Set(names).size).toBe(names.length);
    expect(text.match(/^# HELP jobs_total /gm)).toHaveLength(1);
    expect(text).toContain("# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\n");
    expect(text).toContain(
      'jobs_total{kind="b",exported_cluster="x",cluster="prod",container_name="app",task_id="t-2"} 7',
    );
  });

  it("injects labels and renames conflicting ones exported_<name>", () => {
    expect(text).toContain(
      'jobs_total{exported_cluster="theirs",kind="a",cluster="prod",container_name="app",task_id="t-1"} 5\n',
    );
    for (const line of text.split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      expect(line).toMatch(/cluster="prod"/);
      expect(line).toMatch(/task_id="t-[12]"/);
    }
  });

  it("a gauge and a counter of one name become one untyped family that keeps both series, counted", () => {
    expect(text).toContain("# HELP temp Temperature.\n# TYPE temp untyped\n");
    expect(text).toMatch(/^temp\{[^}]*task_id="t-1"\} NaN$/m);
    expect(text).toMatch(/^temp\{[^}]*task_id="t-2"\} 3$/m);
    expect(stats).toMatchObject({ untyped: 2, typeConflicts: 0, duplicates: 0 });
  });

  it("maps OpenMetrics families to text 0.0.4 and converts timestamps to milliseconds", () => {
    expect(text).toContain("# TYPE rpc_seconds histogram\n");
    expect(text).toContain('rpc_seconds_bucket{le="0.1",cluster="prod",container_name="app",task_id="t-1"} 1\n');
    expect(text).toContain("# TYPE rpc_seconds_created gauge\n");
    expect(text).toContain("# TYPE build_info gauge\n");
    expect(text).toContain("# TYPE queue_gcount gauge\n");
    expect(text).toContain('# HELP rpc_seconds RPC latency with "quotes" and \\\\ backslash.\n');
    expect(text).not.toContain("trace_id");
  });

  it("gives families without HELP a default one", () => {
    expect(text).toContain(`# HELP no_help_metric ${DEFAULT_HELP}\n`);
  });

  it("is accepted by promtool check metrics", () => {
    const up = syntheticFamily("up", "gauge", "1 if the last scrape of the target succeeded.", [
      'up{task_id="t-1"} 1\n',
    ]);
    const merged = mergeSnapshots([plainSnapshot([up], 1), a, b]).text;
    const result = promtool(merged);
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  });

  it("promtool rejects a broken exposition (the check can fail)", () => {
    expect(promtool("# TYPE a gauge\n# TYPE a gauge\na 1\n").status).not.toBe(0);
  });

  it("renames past an existing exported_<name>", () => {
    const snap = parseBody('a{cluster="1",exported_cluster="2"} 1\n', "text", { cluster: "c" });
    expect(mergeSnapshots([snap]).text).toContain(
      'a{exported_exported_cluster="1",exported_cluster="2",cluster="c"} 1\n',
    );
  });

  it("drops duplicate series inside one body", () => {
    const snap = parseBody('a{x="1"} 1\na{x="1"} 2\na{x="2"} 3\n', "text", {});
    expect(snap.samples).toBe(2);
    expect(snap.duplicates).toBe(1);
  });

  it("drops empty-valued scraped labels and __-prefixed injected labels", () => {
    const snap = parseBody('a{x="",y="1"} 1\n', "text", { __meta_x: "no", z: "", k: "v" });
    expect(mergeSnapshots([snap]).text).toContain('a{y="1",k="v"} 1\n');
  });
});
