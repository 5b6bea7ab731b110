import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { DEFAULT_HELP, type MergeStats, mergeSnapshots, syntheticFamily } from "./merge.js";
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

describe("mergeSnapshots conflict rules (ADR 0044), each output checked by promtool", () => {
  const T1 = { cluster: "c", task_id: "t1" };
  const T2 = { cluster: "c", task_id: "t2" };
  const cases: Array<{
    name: string;
    sources: Array<[string, Record<string, string>]>;
    contains?: string[];
    absent?: RegExp[];
    stats: Partial<MergeStats>;
  }> = [
    {
      name: "the issue's example: histogram foo and an untyped foo_count are one family",
      sources: [
        ['# TYPE foo histogram\nfoo_bucket{le="+Inf"} 1\nfoo_sum 1\nfoo_count 1\n', T1],
        ["# HELP foo_count Other.\nfoo_count 7\n", T2],
      ],
      contains: ["# TYPE foo histogram\n", 'foo_count{cluster="c",task_id="t2"} 7\n'],
      absent: [/^# (HELP|TYPE) foo_count/m],
      stats: { folded: 1, typeConflicts: 0 },
    },
    {
      name: "an untyped foo_count first, then histogram foo: still folded into foo",
      sources: [
        ["foo_count 7\n", T1],
        ['# TYPE foo histogram\nfoo_bucket{le="+Inf"} 1\nfoo_sum 1\nfoo_count 1\n', T2],
      ],
      contains: ['foo_count{cluster="c",task_id="t1"} 7\n'],
      absent: [/^# TYPE foo_count/m],
      stats: { folded: 1 },
    },
    {
      name: "counter and gauge of one name: untyped, nothing lost",
      sources: [
        ["# TYPE x counter\nx 1\n", T1],
        ["# TYPE x gauge\nx 2\n", T2],
      ],
      contains: ["# TYPE x untyped\n", 'x{cluster="c",task_id="t1"} 1\n', 'x{cluster="c",task_id="t2"} 2\n'],
      stats: { untyped: 2 },
    },
    {
      name: "summary first, histogram second: the histogram's _sum/_count stay, its buckets go",
      sources: [
        ['# TYPE l summary\nl{quantile="0.5"} 1\nl_sum 1\nl_count 1\n', T1],
        ['# TYPE l histogram\nl_bucket{le="+Inf"} 2\nl_sum 2\nl_count 2\n', T2],
      ],
      contains: ["# TYPE l summary\n", 'l_count{cluster="c",task_id="t2"} 2\n'],
      absent: [/^l_bucket/m],
      stats: { typeConflicts: 1 },
    },
    {
      name: "gauge first, histogram second: the histogram cannot be carried",
      sources: [
        ["# TYPE g gauge\ng 1\n", T1],
        ['# TYPE g histogram\ng_bucket{le="+Inf"} 2\ng_sum 2\ng_count 2\n', T2],
      ],
      contains: ["# TYPE g gauge\n"],
      absent: [/^g_(bucket|sum|count)/m],
      stats: { typeConflicts: 3 },
    },
    {
      name: "the same series from two sources with the same labels, in another order: the first wins",
      sources: [
        ['a{x="1",y="2"} 1\n', T1],
        ['a{y="2",x="1"} 2\na{x="3"} 3\n', T1],
      ],
      contains: ['a{x="1",y="2",cluster="c",task_id="t1"} 1\n', 'a{x="3",cluster="c",task_id="t1"} 3\n'],
      absent: [/ 2$/m],
      stats: { duplicates: 1 },
    },
    {
      name: "a scraped label equal to another source's injected one makes the same series",
      sources: [
        ['a{task_id="t2"} 1\n', { cluster: "c" }],
        ["a 2\n", T2],
      ],
      contains: ['a{task_id="t2",cluster="c"} 1\n'],
      absent: [/ 2$/m],
      stats: { duplicates: 1 },
    },
    {
      name: "identical bodies of different targets are different series",
      sources: [
        ['a{x="1"} 1\n', T1],
        ['a{x="1"} 1\n', T2],
      ],
      contains: ['a{x="1",cluster="c",task_id="t1"} 1\n', 'a{x="1",cluster="c",task_id="t2"} 1\n'],
      stats: { duplicates: 0 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { text, stats } = mergeSnapshots(c.sources.map(([body, labels]) => parseBody(body, "text", labels)));
      for (const s of c.contains ?? []) expect(text).toContain(s);
      for (const r of c.absent ?? []) expect(text).not.toMatch(r);
      expect(stats).toMatchObject(c.stats);
      const result = promtool(text);
      expect(result.output).toBe("");
      expect(result.status).toBe(0);
    });
  }

  it("the agent's own series repeat a target's only when they carry its labels", () => {
    const own = parseBody('x{task_id="t2",cluster="c"} 1\nx 3\n', "text", {});
    const target = parseBody("x 2\n", "text", T2);
    const { text, stats } = mergeSnapshots([own, target]);
    expect(text).toContain('x{task_id="t2",cluster="c"} 1\n');
    expect(text).toContain("x 3\n");
    expect(text).not.toMatch(/ 2$/m);
    expect(stats.duplicates).toBe(1);
    const apart = mergeSnapshots([parseBody("x 1\n", "text", {}), target]);
    expect(apart.text).toContain("x 1\n");
    expect(apart.text).toContain('x{cluster="c",task_id="t2"} 2\n');
    expect(apart.stats.duplicates).toBe(0);
  });

  it("promtool lint findings about a target's own names pass through; the merge adds none of its own", () => {
    const body = "# TYPE requests counter\nrequests 1\n# TYPE fooBar gauge\nfooBar 2\n# TYPE x counter\nx 1\n";
    const { text } = mergeSnapshots([parseBody(body, "text", T1), parseBody("# TYPE x gauge\nx 2\n", "text", T2)]);
    const result = promtool(text);
    expect(result.status).toBe(3); // promtool's lint exit code; a parse error would be 1
    const findings = result.output.trim().split("\n");
    expect(findings.map((f) => f.split(" ")[0]).sort()).toEqual(["fooBar", "requests"]);
  });

  it("the agent's own series (nothing injected) are checked against every target", () => {
    const own = parseBody("# TYPE up gauge\nup 1\n", "text", {});
    const target = parseBody("# TYPE up gauge\nup 0\n", "text", {});
    const { text, stats } = mergeSnapshots([own, target]);
    expect(text.match(/^up /gm)).toHaveLength(1);
    expect(stats.duplicates).toBe(1);
  });
});

describe("mergeSnapshots family order", () => {
  it("groups every family once in first-seen order whatever order each source lists them in", () => {
    const body = (names: string[], value: number) =>
      names.map((n) => `# HELP ${n} ${n} help.\n# TYPE ${n} gauge\n${n}{x="1"} ${value}\n`).join("");
    const sources = [
      parseBody(body(["a", "b", "c"], 1), "text", { task_id: "t1" }),
      parseBody(body(["a", "c", "b", "d"], 2), "text", { task_id: "t2" }),
      parseBody(body(["d", "b"], 3), "text", { task_id: "t3" }),
      parseBody(body(["a", "b", "c"], 4), "text", { task_id: "t4" }),
    ];
    const { text, stats } = mergeSnapshots(sources);
    const families = [...text.matchAll(/^# TYPE (\w+) /gm)].map((m) => m[1]);
    expect(families).toEqual(["a", "b", "c", "d"]);
    const series = (name: string) => text.split("\n").filter((l) => l.startsWith(`${name}{`));
    expect(series("a").map((l) => l.split(" ")[1])).toEqual(["1", "2", "4"]);
    expect(series("b").map((l) => l.split(" ")[1])).toEqual(["1", "2", "3", "4"]);
    expect(series("c").map((l) => l.split(" ")[1])).toEqual(["1", "2", "4"]);
    expect(series("d").map((l) => l.split(" ")[1])).toEqual(["2", "3"]);
    expect(stats).toMatchObject({ families: 4, duplicates: 0 });
  });
});
