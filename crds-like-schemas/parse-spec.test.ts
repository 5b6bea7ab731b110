import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fromRoot } from "../lib/paths.js";
import { formatSpecError, parseSpec, type SpecError } from "./parse-spec.js";

/** Lines 1-5 are fixed; `body` lines (indented 6 spaces, fields of the first cluster) start at line 6. */
const HEADER = "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters:\n    - name: prod\n";
const cluster = (...body: string[]) => HEADER + body.map((line) => `${line}\n`).join("");

interface Expected {
  path: string;
  line: number;
  column: number;
  /** Substring of the message. */
  message: string;
}

const invalid: { name: string; text: string; errors: Expected[] }[] = [
  {
    name: "bad duration in stats.period",
    text: cluster("      stats:", "        period: fast"),
    errors: [
      {
        path: "spec.clusters[0].stats.period",
        line: 7,
        column: 17,
        message: 'expected a duration like "1s", got "fast"',
      },
    ],
  },
  {
    name: "unknown field with a close match",
    text: cluster("      scrape:", "        intervl: 30s"),
    errors: [
      {
        path: "spec.clusters[0].scrape.intervl",
        line: 7,
        column: 9,
        message: 'unknown field "intervl"; did you mean "interval"?',
      },
    ],
  },
  {
    name: "unknown top-level field close to metadata",
    text: `metdata:\n  name: x\n${HEADER}`,
    errors: [{ path: "metdata", line: 1, column: 1, message: 'did you mean "metadata"?' }],
  },
  {
    name: "unknown field with nothing close lists known fields",
    text: cluster("      colour: blue"),
    errors: [
      { path: "spec.clusters[0].colour", line: 6, column: 7, message: "known fields: region, selector, scrape" },
    ],
  },
  {
    name: "unknown field in a task size",
    text: cluster("      capacity:", "        taskSizes:", "          - { name: s, cpu: 256, memroy: 512 }"),
    errors: [
      {
        path: "spec.clusters[0].capacity.taskSizes[0].memory",
        line: 8,
        column: 13,
        message: "required field is missing",
      },
      { path: "spec.clusters[0].capacity.taskSizes[0].memroy", line: 8, column: 34, message: 'did you mean "memory"?' },
    ],
  },
  {
    name: "missing cluster name points at the cluster map",
    text: "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters:\n    - region: eu-west-1\n",
    errors: [{ path: "spec.clusters[0].name", line: 5, column: 7, message: "required field is missing" }],
  },
  {
    name: "missing apiVersion points at the root map",
    text: "kind: MonitoringSpec\nspec:\n  clusters:\n    - name: a\n",
    errors: [
      { path: "apiVersion", line: 1, column: 1, message: 'required field is missing; expected "ecsmon.dev/v1alpha1"' },
    ],
  },
  {
    name: "missing spec",
    text: "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\n",
    errors: [{ path: "spec", line: 1, column: 1, message: "required field is missing" }],
  },
  {
    name: "wrong apiVersion",
    text: HEADER.replace("v1alpha1", "v2"),
    errors: [
      { path: "apiVersion", line: 1, column: 13, message: 'expected "ecsmon.dev/v1alpha1", got "ecsmon.dev/v2"' },
    ],
  },
  {
    name: "wrong kind",
    text: HEADER.replace("kind: MonitoringSpec", "kind: Monitoring"),
    errors: [{ path: "kind", line: 2, column: 7, message: 'expected "MonitoringSpec", got "Monitoring"' }],
  },
  {
    name: "empty cluster list",
    text: "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters: []\n",
    errors: [{ path: "spec.clusters", line: 4, column: 13, message: "at least one cluster is required" }],
  },
  {
    name: "clusters is a map",
    text: "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters:\n    name: a\n",
    errors: [{ path: "spec.clusters", line: 5, column: 5, message: "expected a list, got an object" }],
  },
  {
    name: "scheme outside the enum",
    text: cluster("      scrape: { scheme: ftp }"),
    errors: [
      {
        path: "spec.clusters[0].scrape.scheme",
        line: 6,
        column: 25,
        message: 'expected one of "http", "https", got "ftp"',
      },
    ],
  },
  {
    name: "scheme typo suggests the enum value",
    text: cluster("      scrape:", "        scheme: htps"),
    errors: [{ path: "spec.clusters[0].scrape.scheme", line: 7, column: 17, message: 'did you mean "https"?' }],
  },
  {
    name: "negative maxBodyBytes",
    text: cluster("      scrape:", "        maxBodyBytes: -1"),
    errors: [
      {
        path: "spec.clusters[0].scrape.maxBodyBytes",
        line: 7,
        column: 23,
        message: "must be greater than 0, got number -1",
      },
    ],
  },
  {
    name: "fractional maxBodyBytes",
    text: cluster("      scrape:", "        maxBodyBytes: 1.5"),
    errors: [
      {
        path: "spec.clusters[0].scrape.maxBodyBytes",
        line: 7,
        column: 23,
        message: "expected an integer, got number 1.5",
      },
    ],
  },
  {
    name: "maxBodyBytes as a word",
    text: cluster("      scrape:", "        maxBodyBytes: big"),
    errors: [
      { path: "spec.clusters[0].scrape.maxBodyBytes", line: 7, column: 23, message: 'expected a number, got "big"' },
    ],
  },
  {
    name: "maxBodyBytes above 1 GiB",
    text: cluster("      scrape:", "        maxBodyBytes: 2000000000"),
    errors: [
      { path: "spec.clusters[0].scrape.maxBodyBytes", line: 7, column: 23, message: "must be at most 1073741824" },
    ],
  },
  {
    name: "scrape timeout above the interval",
    text: cluster("      scrape:", "        interval: 5s", "        timeout: 6s"),
    errors: [
      {
        path: "spec.clusters[0].scrape.timeout",
        line: 8,
        column: 18,
        message: 'must not exceed the scrape interval (5s), got "6s"',
      },
    ],
  },
  {
    name: "scrape interval under 1s",
    text: cluster("      scrape:", "        interval: 500ms"),
    errors: [
      { path: "spec.clusters[0].scrape.interval", line: 7, column: 19, message: 'must be at least 1s, got "500ms"' },
    ],
  },
  {
    name: "scrape interval as a number",
    text: cluster("      scrape:", "        interval: 15"),
    errors: [
      {
        path: "spec.clusters[0].scrape.interval",
        line: 7,
        column: 19,
        message: 'expected a duration like "15s", got number 15',
      },
    ],
  },
  {
    name: "stats period above 60s",
    text: cluster("      stats:", "        period: 90s"),
    errors: [
      { path: "spec.clusters[0].stats.period", line: 7, column: 17, message: 'must be between 1s and 60s, got "90s"' },
    ],
  },
  {
    name: "stats period under 1s",
    text: cluster("      stats: { period: 500ms }"),
    errors: [
      {
        path: "spec.clusters[0].stats.period",
        line: 6,
        column: 24,
        message: 'must be between 1s and 60s, got "500ms"',
      },
    ],
  },
  {
    name: "unknown stats metric",
    text: cluster("      stats:", "        metrics: [CPU, MemoryUtilization]"),
    errors: [{ path: "spec.clusters[0].stats.metrics[0]", line: 7, column: 19, message: 'got "CPU"' }],
  },
  {
    name: "empty stats metric list",
    text: cluster("      stats:", "        metrics: []"),
    errors: [
      { path: "spec.clusters[0].stats.metrics", line: 7, column: 18, message: "must have at least 1 item, got 0" },
    ],
  },
  {
    name: "duplicate stats dimension",
    text: cluster("      stats:", "        dimensions:", "          - ClusterName", "          - ClusterName"),
    errors: [
      {
        path: "spec.clusters[0].stats.dimensions[1]",
        line: 9,
        column: 13,
        message: 'duplicate "ClusterName": already listed at [0]',
      },
    ],
  },
  {
    name: "stats namespace empty",
    text: cluster("      stats:", '        namespace: ""'),
    errors: [{ path: "spec.clusters[0].stats.namespace", line: 7, column: 20, message: "must not be empty" }],
  },
  {
    name: "duplicate cluster names",
    text: `${HEADER}    - name: other\n    - name: prod\n`,
    errors: [
      {
        path: "spec.clusters[2].name",
        line: 7,
        column: 13,
        message: 'duplicate cluster "prod": already listed at spec.clusters[0]',
      },
    ],
  },
  {
    name: "invalid regular expression in the selector",
    text: cluster("      selector:", '        serviceNames: ["^ok", "(unclosed"]'),
    errors: [
      { path: "spec.clusters[0].selector.serviceNames[1]", line: 7, column: 31, message: "invalid regular expression" },
    ],
  },
  {
    name: "a long bad value is cut in the message",
    text: cluster(`      region: ${"x".repeat(500)}`),
    errors: [
      { path: "spec.clusters[0].region", line: 6, column: 15, message: `got "${"x".repeat(60)}…" (500 characters)` },
    ],
  },
  {
    name: "bad region",
    text: cluster("      region: Ireland"),
    errors: [
      { path: "spec.clusters[0].region", line: 6, column: 15, message: "expected an AWS region such as eu-west-1" },
    ],
  },
  {
    name: "task size missing cpu points at the item",
    text: cluster("      capacity:", "        taskSizes:", "          - name: small", "            memory: 512"),
    errors: [
      { path: "spec.clusters[0].capacity.taskSizes[0].cpu", line: 8, column: 13, message: "required field is missing" },
    ],
  },
  {
    name: "duplicate task size names",
    text: cluster(
      "      capacity:",
      "        taskSizes:",
      "          - { name: s, cpu: 1, memory: 1 }",
      "          - { name: s, cpu: 2, memory: 2 }",
    ),
    errors: [
      { path: "spec.clusters[0].capacity.taskSizes[1].name", line: 9, column: 21, message: 'duplicate task size "s"' },
    ],
  },
  {
    name: "capacity period of zero",
    text: cluster("      capacity:", "        period: 0s"),
    errors: [
      { path: "spec.clusters[0].capacity.period", line: 7, column: 17, message: 'must be at least 1s, got "0s"' },
    ],
  },
  {
    name: "events queueUrl not a URL",
    text: cluster("      events:", "        queueUrl: not a url"),
    errors: [
      { path: "spec.clusters[0].events.queueUrl", line: 7, column: 19, message: 'expected a URL, got "not a url"' },
    ],
  },
  {
    name: "events missing queueUrl points at the events map",
    text: cluster("      events:", "        resyncPeriod: 5m"),
    errors: [{ path: "spec.clusters[0].events.queueUrl", line: 7, column: 9, message: "required field is missing" }],
  },
  {
    name: "events resync period too short",
    text: cluster("      events:", "        queueUrl: http://127.0.0.1:9/q", "        resyncPeriod: 1s"),
    errors: [
      { path: "spec.clusters[0].events.resyncPeriod", line: 8, column: 23, message: 'must be at least 10s, got "1s"' },
    ],
  },
  {
    name: "Cloud Map period too short",
    text: cluster("      cloudMap:", "        namespaces: [demo.local]", "        period: 500ms"),
    errors: [
      { path: "spec.clusters[0].cloudMap.period", line: 8, column: 17, message: 'must be at least 1s, got "500ms"' },
    ],
  },
  {
    name: "Cloud Map period not a duration",
    text: cluster("      cloudMap:", "        period: soon"),
    errors: [
      {
        path: "spec.clusters[0].cloudMap.period",
        line: 7,
        column: 17,
        message: 'expected a duration like "1s", got "soon"',
      },
    ],
  },
  {
    name: "boolean written as a string",
    text: cluster("      stats:", '        enabled: "yes"'),
    errors: [
      { path: "spec.clusters[0].stats.enabled", line: 7, column: 18, message: 'expected true or false, got "yes"' },
    ],
  },
  {
    name: "YAML 1.1 yes is a string in YAML 1.2",
    text: cluster("      capacity:", "        enabled: yes"),
    errors: [
      { path: "spec.clusters[0].capacity.enabled", line: 7, column: 18, message: 'expected true or false, got "yes"' },
    ],
  },
  {
    name: "empty value where a map is expected points at its key",
    text: cluster("      stats:"),
    errors: [{ path: "spec.clusters[0].stats", line: 6, column: 7, message: "expected a map, got null" }],
  },
  {
    name: "empty fileSd path",
    text: `${HEADER}  outputs:\n    fileSd:\n      path: ""\n`,
    errors: [{ path: "spec.outputs.fileSd.path", line: 8, column: 13, message: "must not be empty" }],
  },
  {
    name: "metadata name as a number",
    text: `metadata:\n  name: 42\n${HEADER}`,
    errors: [{ path: "metadata.name", line: 2, column: 9, message: "expected a string, got number 42" }],
  },
  {
    name: "several errors come back in source order",
    text: cluster(
      "      stats:",
      "        period: fast",
      "      scrape:",
      "        scheme: ftp",
      "      region: nowhere",
    ),
    errors: [
      { path: "spec.clusters[0].stats.period", line: 7, column: 17, message: "expected a duration" },
      { path: "spec.clusters[0].scrape.scheme", line: 9, column: 17, message: "expected one of" },
      { path: "spec.clusters[0].region", line: 10, column: 15, message: "expected an AWS region" },
    ],
  },
  {
    name: "JSON with a bad duration",
    text: '{\n  "apiVersion": "ecsmon.dev/v1alpha1",\n  "kind": "MonitoringSpec",\n  "spec": {\n    "clusters": [\n      { "name": "a", "scrape": { "interval": "soon" } }\n    ]\n  }\n}\n',
    errors: [{ path: "spec.clusters[0].scrape.interval", line: 6, column: 46, message: 'got "soon"' }],
  },
  {
    name: "JSON with an unknown field",
    text: '{"apiVersion": "ecsmon.dev/v1alpha1", "kind": "MonitoringSpec",\n "spec": {"clusters": [{"name": "a"}], "output": {}}}',
    errors: [{ path: "spec.output", line: 2, column: 40, message: 'did you mean "outputs"?' }],
  },
  {
    name: "YAML syntax error",
    text: "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters: [\n",
    errors: [{ path: "", line: 5, column: 1, message: "invalid YAML" }],
  },
  {
    name: "duplicate YAML key",
    text: cluster("      region: eu-west-1", "      region: eu-west-2"),
    errors: [{ path: "", line: 7, column: 7, message: "invalid YAML: Map keys must be unique" }],
  },
  {
    name: "two YAML documents",
    text: `${HEADER}---\n${HEADER}`,
    errors: [{ path: "", line: 6, column: 1, message: "invalid YAML" }],
  },
  {
    name: "empty text",
    text: "  \n\n",
    errors: [{ path: "", line: 1, column: 1, message: "the spec is empty" }],
  },
  {
    name: "comment only",
    text: "# nothing here\n",
    errors: [
      {
        path: "",
        line: 1,
        column: 1,
        message: "expected a MonitoringSpec: a map with apiVersion, kind and spec, got null",
      },
    ],
  },
  {
    name: "top-level list",
    text: "- a\n- b\n",
    errors: [{ path: "", line: 1, column: 1, message: "got a list" }],
  },
  {
    name: "top-level scalar",
    text: "hello",
    errors: [{ path: "", line: 1, column: 1, message: 'got "hello"' }],
  },
  {
    name: "unbalanced flow map",
    text: "{ apiVersion: x\n",
    errors: [{ path: "", line: 2, column: 1, message: "invalid YAML" }],
  },
  {
    name: "binary garbage",
    text: "\u0000\u0001\u0002{{{",
    errors: [{ path: "", line: 1, column: 1, message: "expected a MonitoringSpec" }],
  },
];

const valid: { name: string; text: string; check: (spec: import("./monitoring-spec.js").MonitoringSpec) => void }[] = [
  {
    name: "minimal YAML gets every default",
    text: HEADER,
    check: (spec) => {
      const c = spec.spec.clusters[0]!;
      expect(c.scrape).toMatchObject({
        enabled: true,
        interval: "15s",
        timeout: "10s",
        scheme: "http",
        maxBodyBytes: 10_485_760,
      });
      expect(c.scrape.labels).toEqual({ scrapes: "PROMETHEUS_SCRAPES", labels: "PROMETHEUS_LABELS" });
      expect(c.stats).toMatchObject({ enabled: false, period: "10s", namespace: "ECS/ContainerStats" });
      expect(spec.metadata.name).toBe("default");
      expect(spec.spec.outputs.httpSd.enabled).toBe(true);
    },
  },
  {
    name: "JSON is accepted",
    text: JSON.stringify(
      { apiVersion: "ecsmon.dev/v1alpha1", kind: "MonitoringSpec", spec: { clusters: [{ name: "j" }] } },
      null,
      2,
    ),
    check: (spec) => expect(spec.spec.clusters[0]!.name).toBe("j"),
  },
  {
    name: "tab-indented JSON is accepted",
    text: '{\n\t"apiVersion": "ecsmon.dev/v1alpha1",\n\t"kind": "MonitoringSpec",\n\t"spec": {"clusters": [{"name": "t"}]}\n}\n',
    check: (spec) => expect(spec.spec.clusters[0]!.name).toBe("t"),
  },
  {
    name: "a short interval caps the default timeout",
    text: cluster("      scrape: { interval: 5s }"),
    check: (spec) => expect(spec.spec.clusters[0]!.scrape.timeout).toBe("5s"),
  },
  {
    name: "timeout equal to the interval",
    text: cluster("      scrape: { interval: 30s, timeout: 30s }"),
    check: (spec) => expect(spec.spec.clusters[0]!.scrape.timeout).toBe("30s"),
  },
  {
    name: "stats period of 1s (high resolution)",
    text: cluster("      stats: { enabled: true, period: 1s }"),
    check: (spec) => expect(spec.spec.clusters[0]!.stats.period).toBe("1s"),
  },
  {
    name: "stats period of 1m",
    text: cluster("      stats: { period: 1m }"),
    check: (spec) => expect(spec.spec.clusters[0]!.stats.period).toBe("1m"),
  },
  {
    name: "same cluster name in two regions",
    text: `${HEADER}      region: eu-west-1\n    - name: prod\n      region: us-east-1\n`,
    check: (spec) => expect(spec.spec.clusters.map((c) => c.region)).toEqual(["eu-west-1", "us-east-1"]),
  },
  {
    name: "anchors and aliases",
    text: `${HEADER}      stats: &stats { enabled: true, period: 5s }\n    - name: other\n      stats: *stats\n`,
    check: (spec) => expect(spec.spec.clusters[1]!.stats.period).toBe("5s"),
  },
  {
    name: "byte order mark",
    text: `\uFEFF${HEADER}`,
    check: (spec) => expect(spec.spec.clusters).toHaveLength(1),
  },
  {
    name: "cluster ARN and compound durations",
    text: "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters:\n    - name: arn:aws:ecs:eu-west-1:111122223333:cluster/prod\n      serviceMetrics: { period: 1m30s }\n",
    check: (spec) => expect(spec.spec.clusters[0]!.serviceMetrics.period).toBe("1m30s"),
  },
];

describe("parseSpec: invalid specs name the path, line and column", () => {
  it.each(invalid)("$name", ({ text, errors }) => {
    const result = parseSpec(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map(({ path, line, column }) => ({ path, line, column }))).toEqual(
      errors.map(({ path, line, column }) => ({ path, line, column })),
    );
    errors.forEach((expected, index) => {
      const actual = result.errors[index] as SpecError;
      expect(actual.message).toContain(expected.message);
      expect(formatSpecError(actual)).toContain(`(line ${expected.line}, column ${expected.column})`);
    });
  });
});

describe("parseSpec: valid specs", () => {
  it.each(valid)("$name", ({ text, check }) => {
    const result = parseSpec(text);
    if (!result.ok) throw new Error(result.errors.map(formatSpecError).join("\n"));
    check(result.spec);
  });

  it.each(["minimal.yaml", "full.yaml"])("examples/%s is valid", (file) => {
    const result = parseSpec(readFileSync(fromRoot("crds-like-schemas", "examples", file), "utf8"));
    if (!result.ok) throw new Error(result.errors.map(formatSpecError).join("\n"));
    expect(result.spec.spec.clusters.length).toBeGreaterThan(0);
  });
});

describe("formatSpecError", () => {
  it("renders the documented form", () => {
    const result = parseSpec(cluster("      stats:", "        period: fast"), { source: "spec.yaml" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatSpecError(result.errors[0]!)).toBe(
      'spec.yaml: spec.clusters[0].stats.period: expected a duration like "1s", got "fast" (line 7, column 17)',
    );
    expect(formatSpecError({ path: "", message: "the spec is empty" })).toBe("the spec is empty");
  });

  it("refuses an alias bomb instead of expanding it", () => {
    const lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 0; i < 9; i++) {
      const [from, to] = [String.fromCharCode(97 + i), String.fromCharCode(98 + i)];
      lines.push(`${to}: &${to} [${Array(9).fill(`*${from}`).join(", ")}]`);
    }
    const result = parseSpec(lines.join("\n"));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toContain("Excessive alias count");
  });

  it("never throws on non-string input", () => {
    const result = parseSpec(42 as unknown as string);
    expect(result.ok).toBe(false);
  });
});
