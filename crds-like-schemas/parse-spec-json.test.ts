import { describe, expect, it } from "vitest";
import { parseSpec } from "./parse-spec.js";

/** `format: "json"` parses as JSON.parse does (RFC 8259), where YAML would accept more. */

const VALID = `{
  "apiVersion": "ecsmon.dev/v1alpha1",
  "kind": "MonitoringSpec",
  "spec": { "clusters": [{ "name": "prod" }] }
}
`;

describe("parseSpec with format json", () => {
  it("accepts valid JSON, with positions for schema errors", () => {
    expect(parseSpec(VALID, { format: "json" }).ok).toBe(true);
    const result = parseSpec(VALID.replace('"prod" }', '"prod", "bogus": 1 }'), { format: "json" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatchObject({ path: "spec.clusters[0].bogus", line: 4 });
  });

  it.each([
    {
      name: "a trailing comma in an object",
      text: VALID.replace('"prod" }', '"prod", }'),
      line: 4,
      column: 42,
      message: 'invalid JSON: trailing comma before "}"',
    },
    {
      name: "a trailing comma in a list",
      text: VALID.replace('"prod" }]', '"prod" },]'),
      line: 4,
      column: 44,
      message: 'invalid JSON: trailing comma before "]"',
    },
    { name: "a comment", text: `# spec\n${VALID}`, line: 1, column: 1, message: "JSON has no comments" },
    {
      name: "an unquoted key",
      text: VALID.replace('"kind"', "kind"),
      line: 3,
      column: 3,
      message: "expected a double-quoted property name",
    },
    {
      name: "a single-quoted string",
      text: VALID.replace('"MonitoringSpec"', "'MonitoringSpec'"),
      line: 3,
      column: 11,
      message: "JSON strings take double quotes",
    },
  ])("rejects $name at line $line, column $column (YAML would accept it)", ({ text, line, column, message }) => {
    expect(parseSpec(text).ok).toBe(true);
    const result = parseSpec(text, { format: "json", source: "spec.json" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ source: "spec.json", line, column });
    expect(result.errors[0]?.message).toContain(message);
  });

  it("names the end of a truncated document", () => {
    const text = VALID.slice(0, 40);
    const result = parseSpec(text, { format: "json" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatchObject({ line: 2 });
  });
});
