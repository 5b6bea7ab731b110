import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fromRoot } from "../lib/paths.js";
import { formatSpecError, parseSpec } from "./parse-spec.js";
import { cluster, HEADER } from "./parse-spec.test-helpers.js";

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
