import { describe, expect, it } from "vitest";
import { unescapeLabelValue } from "./lexical.js";
import { ExpositionParser } from "./parser.js";
import type { ExpositionFormat, OutputFamily, ParsedSample } from "./types.js";
import { ExpositionParseError } from "./types.js";

interface Seen {
  family: string;
  type: string;
  help: string | undefined;
  name: string;
  labels: Record<string, string>;
  value: string;
  ts?: string;
  exemplar?: string;
}

function parse(body: string, format: ExpositionFormat, chunkSize = 0): Seen[] {
  const seen: Seen[] = [];
  const families: Array<[OutputFamily, Seen]> = [];
  const parser = new ExpositionParser(format, {
    onSample(family: OutputFamily, s: ParsedSample) {
      const entry: Seen = {
        family: family.name,
        type: family.type,
        help: family.help,
        name: s.name,
        labels: Object.fromEntries(s.labels.map((l) => [l.name, unescapeLabelValue(l.value)])),
        value: s.value,
      };
      if (s.timestampMs !== undefined) entry.ts = s.timestampMs;
      if (s.exemplar !== undefined)
        entry.exemplar = `${s.exemplar.labels.map((l) => `${l.name}=${l.value}`).join(",")} ${s.exemplar.value}`;
      seen.push(entry);
      families.push([family, entry]);
    },
  });
  if (chunkSize > 0) for (let i = 0; i < body.length; i += chunkSize) parser.push(body.slice(i, i + chunkSize));
  else parser.push(body);
  parser.end();
  for (const [family, entry] of families) entry.help = family.help;
  return seen;
}

interface ParseCase {
  name: string;
  body: string;
  expect: Partial<Seen>[];
}

/** Each case parses to its expected samples, in order, whole (size 0) and split into chunks of each size. */
function itParses(format: ExpositionFormat, chunkSizes: number[], cases: ParseCase[]) {
  it.each(cases)("$name", (c) => {
    for (const chunk of chunkSizes) {
      const seen = parse(c.body, format, chunk);
      expect(seen).toHaveLength(c.expect.length);
      c.expect.forEach((e, i) => {
        expect(seen[i]).toMatchObject(e);
      });
    }
  });
}

/** Each [name, body, message]: parsing the body throws an ExpositionParseError whose message matches. */
type RejectCase = [name: string, body: string, message: RegExp];

function itRejects(format: ExpositionFormat, cases: RejectCase[]) {
  it.each(cases)("rejects: %s", (_name, body, message) => {
    expect(() => parse(body, format)).toThrow(ExpositionParseError);
    expect(() => parse(body, format)).toThrow(message);
  });
}

describe("text 0.0.4", () => {
  const cases: ParseCase[] = [
    {
      name: "counter with HELP/TYPE, labels and timestamp",
      body: '# HELP http_total Requests.\n# TYPE http_total counter\nhttp_total{code="200",path="/a"} 1027 1395066363000\n',
      expect: [
        {
          family: "http_total",
          type: "counter",
          help: "Requests.",
          labels: { code: "200", path: "/a" },
          value: "1027",
          ts: "1395066363000",
        },
      ],
    },
    {
      name: "escapes in label values and HELP",
      body: '# HELP m a \\\\ b\\nc\nm{p="C:\\\\DIR\\\\",q="say \\"hi\\"\\n"} 1\n',
      expect: [{ help: "a \\\\ b\\nc", labels: { p: "C:\\DIR\\", q: 'say "hi"\n' } }],
    },
    {
      name: "unknown escapes are literal backslashes (Prometheus's lvalReplacer/helpReplacer), kept in canonical form",
      body: '# HELP m tab\\there \\"q\\" end\\\nm{p="a\\tb",q="\\x41\\\\"} 1\n',
      expect: [{ help: 'tab\\\\there \\\\"q\\\\" end\\\\', labels: { p: "a\\tb", q: "\\x41\\" } }],
    },
    {
      name: "quoted UTF-8 metric and label names (Prometheus 3)",
      body: '# HELP "my.metric" Dotted.\n# TYPE "my.metric" gauge\n{"my.metric","http.code"="200",b="x"} 1\n{ "my.metric" } 2\n',
      expect: [
        {
          family: "my.metric",
          type: "gauge",
          help: "Dotted.",
          name: "my.metric",
          labels: { "http.code": "200", b: "x" },
        },
        { family: "my.metric", name: "my.metric", labels: {}, value: "2" },
      ],
    },
    {
      name: "quoted histogram name keeps its suffixes",
      body: '# TYPE "a.h" histogram\n{"a.h_bucket",le="1"} 1\n{"a.h_count"} 1\n{"a.h_sum"} 1\n',
      expect: [{ family: "a.h", type: "histogram" }, { family: "a.h" }, { family: "a.h" }],
    },
    {
      name: "NaN and infinities normalized",
      body: "a NaN\nb +Inf\nc -Inf\nd inf\ne 1e-3\nf -0.5\n",
      expect: [
        { value: "NaN" },
        { value: "+Inf" },
        { value: "-Inf" },
        { value: "+Inf" },
        { value: "1e-3" },
        { value: "-0.5" },
      ],
    },
    {
      name: "histogram groups _bucket/_sum/_count",
      body: '# TYPE h histogram\nh_bucket{le="0.1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 0.3\nh_count 2\n',
      expect: [
        { family: "h", type: "histogram" },
        { family: "h" },
        { family: "h", name: "h_sum" },
        { family: "h", name: "h_count" },
      ],
    },
    {
      name: "summary groups quantiles/_sum/_count",
      body: '# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 2\ns_count 3\n',
      expect: [{ family: "s", type: "summary" }, { family: "s" }, { family: "s" }],
    },
    {
      name: "untyped family without metadata, blank lines, comments, whitespace and trailing comma",
      body: '\n# just a comment\n  x { a = "1" , } \t 2\n\n',
      expect: [{ family: "x", type: "untyped", labels: { a: "1" }, value: "2" }],
    },
    {
      name: "last line without newline and CRLF",
      body: "a 1\r\nb 2",
      expect: [{ name: "a" }, { name: "b" }],
    },
    {
      name: "HELP after samples is allowed",
      body: "a 1\n# HELP a late\n",
      expect: [{ name: "a", help: "late" }],
    },
  ];
  itParses("text", [0, 1, 7], cases);

  const errors: RejectCase[] = [
    ["bad metric name", "3foo 1\n", /line 1: invalid metric name/],
    ["bad value", "a one\n", /invalid value/],
    ["bad timestamp", "a 1 1.5\n", /invalid timestamp/],
    ["extra token", "a 1 2 3\n", /unexpected text/],
    ["unterminated labels", 'a{b="c" 1\n', /expected "," or "}"/],
    ["unterminated value", 'a{b="c} 1\n', /unterminated value/],
    ["quoted metric name after a plain one", 'a{"b"} 1\n', /unexpected metric name/],
    ["no metric name", '{a="b"} 1\n', /metric name missing/],
    ["unterminated quoted name", '{"a} 1\n', /unterminated/],
    ["duplicate label", 'a{b="1",b="2"} 1\n', /duplicate label/],
    ["second TYPE", "# TYPE a gauge\n# TYPE a gauge\n", /second TYPE/],
    ["TYPE after samples", "a 1\n# TYPE a gauge\n", /after its samples/],
    ["unknown type", "# TYPE a foo\n", /unknown metric type/],
    ["bucket without le", "# TYPE h histogram\nh_bucket 1\n", /without an "le"/],
    ["exemplar in text format", 'a 1 # {x="y"} 1\n', /unexpected "#"/],
    ["missing value", "a\n", /missing value/],
    ["second HELP", "# HELP a x\n# HELP a y\n", /second HELP/],
  ];
  itRejects("text", errors);
});

describe("OpenMetrics 1.0", () => {
  const cases: ParseCase[] = [
    {
      name: "counter maps to _total, _created to a gauge family; exemplar and float-seconds timestamp",
      body: '# TYPE foo_seconds counter\n# UNIT foo_seconds seconds\n# HELP foo_seconds Say \\"hi\\".\nfoo_seconds_total{a="b"} 17 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67\nfoo_seconds_created{a="b"} 1520430000.123\n# EOF\n',
      expect: [
        {
          family: "foo_seconds_total",
          type: "counter",
          help: 'Say "hi".',
          value: "17",
          ts: "1520879607789",
          exemplar: "trace_id=KOO5S4vxi0o 0.67",
        },
        { family: "foo_seconds_created", type: "gauge", name: "foo_seconds_created" },
      ],
    },
    {
      name: "histogram with exemplars on buckets",
      body: '# TYPE h histogram\nh_bucket{le="1"} 0 # {id="a"} 0.5 123\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 0.5\nh_created 1\n# EOF',
      expect: [
        { family: "h", type: "histogram" },
        { family: "h" },
        { family: "h" },
        { family: "h" },
        { family: "h_created", type: "gauge" },
      ],
    },
    {
      name: "info, stateset, gaugehistogram, summary and unknown",
      body: '# TYPE i info\ni_info{v="1"} 1\n# TYPE s stateset\ns{s="a"} 1\n# TYPE g gaugehistogram\ng_bucket{le="+Inf"} 2\ng_gcount 2\ng_gsum 2\n# TYPE q summary\nq{quantile="0.9"} NaN\nq_sum +Inf\nq_count -Inf\n# TYPE u unknown\nu 1\nv 2\n# EOF\n',
      expect: [
        { family: "i_info", type: "gauge" },
        { family: "s", type: "gauge" },
        { family: "g", type: "histogram" },
        { family: "g_gcount", type: "gauge" },
        { family: "g_gsum", type: "gauge" },
        { family: "q", type: "summary", value: "NaN" },
        { family: "q", value: "+Inf" },
        { family: "q", value: "-Inf" },
        { family: "u", type: "untyped" },
        { family: "v", type: "untyped" },
      ],
    },
    {
      name: "tolerates `# TYPE x_total counter` with a bare x_total sample",
      body: "# TYPE x_total counter\nx_total 1\n# EOF\n",
      expect: [{ family: "x_total", type: "counter" }],
    },
  ];
  itParses("openmetrics", [0, 1, 5], cases);

  const errors: RejectCase[] = [
    ["missing EOF", "a 1\n", /missing # EOF/],
    ["content after EOF", "# EOF\na 1\n", /after # EOF/],
    ["blank line", "a 1\n\n# EOF\n", /empty line/],
    ["plain comment", "# hello\n# EOF\n", /comment lines must be/],
    ["unknown keyword", "# NOTE a b\n# EOF\n", /unknown metadata keyword/],
    ["interleaved families", "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n# EOF\n", /appears twice/],
    ["metadata after samples", "# TYPE a gauge\na 1\n# HELP a x\n# EOF\n", /after its samples/],
    ["unit not a suffix", "# TYPE a gauge\n# UNIT a seconds\n# EOF\n", /not a suffix/],
    ["exemplar on a gauge", '# TYPE a gauge\na 1 # {x="y"} 1\n# EOF\n', /exemplar not allowed/],
    ["exemplar too long", `# TYPE a counter\na_total 1 # {x="${"y".repeat(130)}"} 1\n# EOF\n`, /exceed 128/],
    ["stateset without its label", "# TYPE s stateset\ns 1\n# EOF\n", /without a "s" label/],
    ["unknown type", "# TYPE a untyped\n# EOF\n", /unknown metric type/],
    ["bare counter sample", "# TYPE c counter\nc 1\n# EOF\n", /appears twice/],
  ];
  itRejects("openmetrics", errors);
});

describe("limits", () => {
  it("rejects a line longer than the limit while streaming, before the line ends", () => {
    const parser = new ExpositionParser("text", { onSample() {} }, { maxLineLength: 100 });
    expect(() => parser.push(`a{b="${"x".repeat(200)}`)).toThrow(/longer than 100/);
  });
  it("rejects too many labels", () => {
    const labels = Array.from({ length: 5 }, (_, i) => `l${i}="v"`).join(",");
    const parser = new ExpositionParser("text", { onSample() {} }, { maxLabels: 4 });
    expect(() => parser.push(`a{${labels}} 1\n`)).toThrow(/more than 4 labels/);
  });
});
