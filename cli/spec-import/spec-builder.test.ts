import { describe, expect, it } from "vitest";
import { parseSpec } from "../../crds-like-schemas/index.js";
import { emptyPlan, ImportParseError, type ImportPlan } from "./import-plan.js";
import { buildSpec } from "./spec-builder.js";

const EXISTING = `# Production monitoring (owned by the platform team)
apiVersion: ecsmon.dev/v1alpha1
kind: MonitoringSpec
metadata:
  name: prod
spec:
  clusters:
    # the web cluster
    - name: web # eu-west-1
      scrape:
        interval: 5s # fast, on purpose
`;

function plan(values: ImportPlan["clusterValues"], cluster?: string): ImportPlan {
  return {
    ...emptyPlan("prometheus-ecs-sd"),
    clusterValues: values,
    cluster: cluster ? { name: cluster, from: "-c" } : undefined,
  };
}

const built = (result: ReturnType<typeof buildSpec>) => {
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result;
};

describe("buildSpec", () => {
  it("--merge into the same cluster keeps every existing comment and value, and adds the imported ones with theirs", () => {
    const result = built(
      buildSpec(plan([{ path: ["serviceMetrics", "period"], value: "30s", from: "from -i" }], "web"), {
        command: "ecsmon spec import",
        merge: { name: "prod.yaml", text: EXISTING },
      }),
    );
    for (const line of EXISTING.split("\n")) expect(result.text).toContain(line);
    expect(result.text).toContain("      serviceMetrics:\n        # from -i\n        period: 30s\n");
    const parsed = parseSpec(result.text);
    expect(
      parsed.ok && parsed.spec.spec.clusters.map((c) => [c.name, c.scrape.interval, c.serviceMetrics.period]),
    ).toEqual([["web", "5s", "30s"]]);
  });

  it("--merge with another cluster appends an entry, with the source of its name", () => {
    const result = built(
      buildSpec(plan([{ path: ["scrape", "interval"], value: "30s", from: "x" }], "api"), {
        command: "c",
        merge: { name: "prod.yaml", text: EXISTING },
      }),
    );
    const parsed = parseSpec(result.text);
    expect(parsed.ok && parsed.spec.spec.clusters.map((c) => [c.name, c.scrape.interval])).toEqual([
      ["web", "5s"],
      ["api", "30s"],
    ]);
    expect(result.text).toContain("    # -c\n    - name: api\n");
  });

  it("a value the import replaces gets the import's source as its comment", () => {
    const result = built(
      buildSpec(
        plan([{ path: ["scrape", "interval"], value: "30s", from: "Prometheus global.scrape_interval" }], "web"),
        {
          command: "c",
          merge: { name: "prod.yaml", text: EXISTING },
        },
      ),
    );
    expect(result.text).toContain("        # Prometheus global.scrape_interval\n        interval: 30s");
  });

  it("values the spec refuses are taken out and listed with the validator's message; the rest is written", () => {
    const result = built(
      buildSpec(
        plan([
          { path: ["stats", "period"], value: "2m", from: "too slow" },
          { path: ["stats", "enabled"], value: true, from: "on" },
          { path: ["region"], value: "<REGION>", from: "placeholder" },
        ]),
        { command: "c" },
      ),
    );
    const parsed = parseSpec(result.text);
    expect(parsed.ok && parsed.spec.spec.clusters[0]?.stats).toMatchObject({ enabled: true, period: "10s" });
    expect(result.unconverted.map((u) => u.value).sort()).toEqual(['placeholder: "<REGION>"', 'too slow: "2m"']);
    expect(result.unconverted.find((u) => u.value.startsWith("placeholder"))?.reason).toContain(
      "expected an AWS region",
    );
  });

  it("--cluster wins over the input's cluster, and says so", () => {
    const result = built(buildSpec(plan([], "from-input"), { command: "c", cluster: "chosen" }));
    expect(result.text).toContain("- name: chosen");
    expect(result.unconverted).toEqual([{ value: "-c", reason: "--cluster chosen wins" }]);
  });

  it("a --merge file that is not YAML names its line; one that is not a valid spec returns the validator's errors", () => {
    expect(() => buildSpec(plan([]), { command: "c", merge: { name: "m.yaml", text: "a: 1\nb: [\n" } })).toThrow(
      ImportParseError,
    );
    const invalid = buildSpec(plan([]), {
      command: "c",
      merge: {
        name: "m.yaml",
        text: "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters: []\n  bogus: 1\n",
      },
    });
    expect(invalid.ok).toBe(false);
    expect(!invalid.ok && invalid.errors.map((e) => e.path)).toContain("spec.bogus");
  });
});
