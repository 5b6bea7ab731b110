import { describe, expect, it } from "vitest";
import { parseSpec } from "./parse-spec.js";
import { diffSpecs, formatSpecChange } from "./spec-diff.js";

const HEADER = "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters:\n";
function spec(clusters: string): unknown {
  const result = parseSpec(HEADER + clusters);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.spec;
}

describe("diffSpecs", () => {
  it.each([
    {
      name: "formatting, comments and explicit defaults are not differences",
      before: "    - name: a\n",
      after: "    # the same cluster\n    - { name: a, scrape: { interval: 15s } }\n",
      lines: [],
    },
    {
      name: "a changed scalar",
      before: "    - name: a\n",
      after: "    - name: a\n      scrape: { interval: 30s }\n",
      lines: ['~ spec.clusters[0].scrape.interval: "15s" → "30s"'],
    },
    {
      name: "an added optional field",
      before: "    - name: a\n",
      after: "    - name: a\n      region: eu-west-1\n",
      lines: ['+ spec.clusters[0].region: "eu-west-1"'],
    },
    {
      name: "a removed list item",
      before: "    - name: a\n      cloudMap: { namespaces: [x, y] }\n",
      after: "    - name: a\n      cloudMap: { namespaces: [x] }\n",
      lines: ['- spec.clusters[0].cloudMap.namespaces[1]: "y"'],
    },
  ])("$name", ({ before, after, lines }) => {
    expect(diffSpecs(spec(before), spec(after)).map(formatSpecChange)).toEqual(lines);
  });

  it("reports an added cluster as one change", () => {
    const changes = diffSpecs(spec("    - name: a\n"), spec("    - name: a\n    - name: b\n"));
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ op: "+", path: "spec.clusters[1]" });
  });

  it("compares against nothing", () => {
    expect(diffSpecs(undefined, { a: 1 })).toEqual([{ op: "~", path: "", before: undefined, after: { a: 1 } }]);
  });
});
