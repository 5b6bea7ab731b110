import { describe, expect, it } from "vitest";
import { formatSpecError, parseSpec, type SpecError } from "./parse-spec.js";
import { cluster, HEADER } from "./parse-spec.test-helpers.js";

interface Expected {
  path: string;
  line: number;
  column: number;
  /** Substring of the message. */
  message: string;
}

const at = (path: string, line: number, column: number, message: string): Expected => ({ path, line, column, message });

/** Each case: its name, the spec text, and the errors expected in source order. */
const invalid: [name: string, text: string, ...errors: Expected[]][] = [
  [
    "bad duration in stats.period",
    cluster("      stats:", "        period: fast"),
    at("spec.clusters[0].stats.period", 7, 17, 'expected a duration like "1s", got "fast"'),
  ],
  [
    "unknown field with a close match",
    cluster("      scrape:", "        intervl: 30s"),
    at("spec.clusters[0].scrape.intervl", 7, 9, 'unknown field "intervl"; did you mean "interval"?'),
  ],
  [
    "unknown top-level field close to metadata",
    `metdata:\n  name: x\n${HEADER}`,
    at("metdata", 1, 1, 'did you mean "metadata"?'),
  ],
  [
    "unknown field with nothing close lists known fields",
    cluster("      colour: blue"),
    at("spec.clusters[0].colour", 6, 7, "known fields: region, selector, scrape"),
  ],
  [
    "unknown field in a task size",
    cluster("      capacity:", "        taskSizes:", "          - { name: s, cpu: 256, memroy: 512 }"),
    at("spec.clusters[0].capacity.taskSizes[0].memory", 8, 13, "required field is missing"),
    at("spec.clusters[0].capacity.taskSizes[0].memroy", 8, 34, 'did you mean "memory"?'),
  ],
  [
    "missing cluster name points at the cluster map",
    "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters:\n    - region: eu-west-1\n",
    at("spec.clusters[0].name", 5, 7, "required field is missing"),
  ],
  [
    "missing apiVersion points at the root map",
    "kind: MonitoringSpec\nspec:\n  clusters:\n    - name: a\n",
    at("apiVersion", 1, 1, 'required field is missing; expected "ecsmon.dev/v1alpha1"'),
  ],
  [
    "missing spec",
    "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\n",
    at("spec", 1, 1, "required field is missing"),
  ],
  [
    "wrong apiVersion",
    HEADER.replace("v1alpha1", "v2"),
    at("apiVersion", 1, 13, 'expected "ecsmon.dev/v1alpha1", got "ecsmon.dev/v2"'),
  ],
  [
    "wrong kind",
    HEADER.replace("kind: MonitoringSpec", "kind: Monitoring"),
    at("kind", 2, 7, 'expected "MonitoringSpec", got "Monitoring"'),
  ],
  [
    "empty cluster list",
    "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters: []\n",
    at("spec.clusters", 4, 13, "at least one cluster is required"),
  ],
  [
    "clusters is a map",
    "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters:\n    name: a\n",
    at("spec.clusters", 5, 5, "expected a list, got an object"),
  ],
  [
    "scheme outside the enum",
    cluster("      scrape: { scheme: ftp }"),
    at("spec.clusters[0].scrape.scheme", 6, 25, 'expected one of "http", "https", got "ftp"'),
  ],
  [
    "scheme typo suggests the enum value",
    cluster("      scrape:", "        scheme: htps"),
    at("spec.clusters[0].scrape.scheme", 7, 17, 'did you mean "https"?'),
  ],
  [
    "negative maxBodyBytes",
    cluster("      scrape:", "        maxBodyBytes: -1"),
    at("spec.clusters[0].scrape.maxBodyBytes", 7, 23, "must be greater than 0, got number -1"),
  ],
  [
    "fractional maxBodyBytes",
    cluster("      scrape:", "        maxBodyBytes: 1.5"),
    at("spec.clusters[0].scrape.maxBodyBytes", 7, 23, "expected an integer, got number 1.5"),
  ],
  [
    "maxBodyBytes as a word",
    cluster("      scrape:", "        maxBodyBytes: big"),
    at("spec.clusters[0].scrape.maxBodyBytes", 7, 23, 'expected a number, got "big"'),
  ],
  [
    "maxBodyBytes above 1 GiB",
    cluster("      scrape:", "        maxBodyBytes: 2000000000"),
    at("spec.clusters[0].scrape.maxBodyBytes", 7, 23, "must be at most 1073741824"),
  ],
  [
    "scrape timeout above the interval",
    cluster("      scrape:", "        interval: 5s", "        timeout: 6s"),
    at("spec.clusters[0].scrape.timeout", 8, 18, 'must not exceed the scrape interval (5s), got "6s"'),
  ],
  [
    "scrape interval under 1s",
    cluster("      scrape:", "        interval: 500ms"),
    at("spec.clusters[0].scrape.interval", 7, 19, 'must be at least 1s, got "500ms"'),
  ],
  [
    "scrape interval as a number",
    cluster("      scrape:", "        interval: 15"),
    at("spec.clusters[0].scrape.interval", 7, 19, 'expected a duration like "15s", got number 15'),
  ],
  [
    "stats period above 60s",
    cluster("      stats:", "        period: 90s"),
    at("spec.clusters[0].stats.period", 7, 17, 'must be between 1s and 60s, got "90s"'),
  ],
  [
    "stats period under 1s",
    cluster("      stats: { period: 500ms }"),
    at("spec.clusters[0].stats.period", 6, 24, 'must be between 1s and 60s, got "500ms"'),
  ],
  [
    "unknown stats metric",
    cluster("      stats:", "        metrics: [CPU, MemoryUtilization]"),
    at("spec.clusters[0].stats.metrics[0]", 7, 19, 'got "CPU"'),
  ],
  [
    "empty stats metric list",
    cluster("      stats:", "        metrics: []"),
    at("spec.clusters[0].stats.metrics", 7, 18, "must have at least 1 item, got 0"),
  ],
  [
    "duplicate stats dimension",
    cluster("      stats:", "        dimensions:", "          - ClusterName", "          - ClusterName"),
    at("spec.clusters[0].stats.dimensions[1]", 9, 13, 'duplicate "ClusterName": already listed at [0]'),
  ],
  [
    "stats namespace empty",
    cluster("      stats:", '        namespace: ""'),
    at("spec.clusters[0].stats.namespace", 7, 20, "must not be empty"),
  ],
  [
    "duplicate cluster names",
    `${HEADER}    - name: other\n    - name: prod\n`,
    at("spec.clusters[2].name", 7, 13, 'duplicate cluster "prod": already listed at spec.clusters[0]'),
  ],
  [
    "invalid regular expression in the selector",
    cluster("      selector:", '        serviceNames: ["^ok", "(unclosed"]'),
    at("spec.clusters[0].selector.serviceNames[1]", 7, 31, "invalid regular expression"),
  ],
  [
    "a long bad value is cut in the message",
    cluster(`      region: ${"x".repeat(500)}`),
    at("spec.clusters[0].region", 6, 15, `got "${"x".repeat(60)}…" (500 characters)`),
  ],
  [
    "bad region",
    cluster("      region: Ireland"),
    at("spec.clusters[0].region", 6, 15, "expected an AWS region such as eu-west-1"),
  ],
  [
    "task size missing cpu points at the item",
    cluster("      capacity:", "        taskSizes:", "          - name: small", "            memory: 512"),
    at("spec.clusters[0].capacity.taskSizes[0].cpu", 8, 13, "required field is missing"),
  ],
  [
    "duplicate task size names",
    cluster(
      "      capacity:",
      "        taskSizes:",
      "          - { name: s, cpu: 1, memory: 1 }",
      "          - { name: s, cpu: 2, memory: 2 }",
    ),
    at("spec.clusters[0].capacity.taskSizes[1].name", 9, 21, 'duplicate task size "s"'),
  ],
  [
    "capacity period of zero",
    cluster("      capacity:", "        period: 0s"),
    at("spec.clusters[0].capacity.period", 7, 17, 'must be at least 1s, got "0s"'),
  ],
  [
    "events queueUrl not a URL",
    cluster("      events:", "        queueUrl: not a url"),
    at("spec.clusters[0].events.queueUrl", 7, 19, 'expected a URL, got "not a url"'),
  ],
  [
    "events missing queueUrl points at the events map",
    cluster("      events:", "        resyncPeriod: 5m"),
    at("spec.clusters[0].events.queueUrl", 7, 9, "required field is missing"),
  ],
  [
    "events resync period too short",
    cluster("      events:", "        queueUrl: http://127.0.0.1:9/q", "        resyncPeriod: 1s"),
    at("spec.clusters[0].events.resyncPeriod", 8, 23, 'must be at least 10s, got "1s"'),
  ],
  [
    "Cloud Map period too short",
    cluster("      cloudMap:", "        namespaces: [demo.local]", "        period: 500ms"),
    at("spec.clusters[0].cloudMap.period", 8, 17, 'must be at least 1s, got "500ms"'),
  ],
  [
    "Cloud Map period not a duration",
    cluster("      cloudMap:", "        period: soon"),
    at("spec.clusters[0].cloudMap.period", 7, 17, 'expected a duration like "1s", got "soon"'),
  ],
  [
    "boolean written as a string",
    cluster("      stats:", '        enabled: "yes"'),
    at("spec.clusters[0].stats.enabled", 7, 18, 'expected true or false, got "yes"'),
  ],
  [
    "YAML 1.1 yes is a string in YAML 1.2",
    cluster("      capacity:", "        enabled: yes"),
    at("spec.clusters[0].capacity.enabled", 7, 18, 'expected true or false, got "yes"'),
  ],
  [
    "empty value where a map is expected points at its key",
    cluster("      stats:"),
    at("spec.clusters[0].stats", 6, 7, "expected a map, got null"),
  ],
  [
    "empty fileSd path",
    `${HEADER}  outputs:\n    fileSd:\n      path: ""\n`,
    at("spec.outputs.fileSd.path", 8, 13, "must not be empty"),
  ],
  [
    "metadata name as a number",
    `metadata:\n  name: 42\n${HEADER}`,
    at("metadata.name", 2, 9, "expected a string, got number 42"),
  ],
  [
    "several errors come back in source order",
    cluster("      stats:", "        period: fast", "      scrape:", "        scheme: ftp", "      region: nowhere"),
    at("spec.clusters[0].stats.period", 7, 17, "expected a duration"),
    at("spec.clusters[0].scrape.scheme", 9, 17, "expected one of"),
    at("spec.clusters[0].region", 10, 15, "expected an AWS region"),
  ],
  [
    "JSON with a bad duration",
    '{\n  "apiVersion": "ecsmon.dev/v1alpha1",\n  "kind": "MonitoringSpec",\n  "spec": {\n    "clusters": [\n      { "name": "a", "scrape": { "interval": "soon" } }\n    ]\n  }\n}\n',
    at("spec.clusters[0].scrape.interval", 6, 46, 'got "soon"'),
  ],
  [
    "JSON with an unknown field",
    '{"apiVersion": "ecsmon.dev/v1alpha1", "kind": "MonitoringSpec",\n "spec": {"clusters": [{"name": "a"}], "output": {}}}',
    at("spec.output", 2, 40, 'did you mean "outputs"?'),
  ],
  [
    "YAML syntax error",
    "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters: [\n",
    at("", 5, 1, "invalid YAML"),
  ],
  [
    "duplicate YAML key",
    cluster("      region: eu-west-1", "      region: eu-west-2"),
    at("", 7, 7, "invalid YAML: Map keys must be unique"),
  ],
  ["two YAML documents", `${HEADER}---\n${HEADER}`, at("", 6, 1, "invalid YAML")],
  ["empty text", "  \n\n", at("", 1, 1, "the spec is empty")],
  [
    "comment only",
    "# nothing here\n",
    at("", 1, 1, "expected a MonitoringSpec: a map with apiVersion, kind and spec, got null"),
  ],
  ["top-level list", "- a\n- b\n", at("", 1, 1, "got a list")],
  ["top-level scalar", "hello", at("", 1, 1, 'got "hello"')],
  ["unbalanced flow map", "{ apiVersion: x\n", at("", 2, 1, "invalid YAML")],
  ["binary garbage", "\u0000\u0001\u0002{{{", at("", 1, 1, "expected a MonitoringSpec")],
];

describe("parseSpec: invalid specs name the path, line and column", () => {
  it.each(invalid)("%s", (_name, text, ...errors) => {
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
