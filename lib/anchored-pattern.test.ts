import { describe, expect, it } from "vitest";
import { AnchoredPatterns } from "./anchored-pattern.js";

describe("AnchoredPatterns", () => {
  it.each([
    [[], "anything", true],
    [[], undefined, true],
    [["web"], "web", true],
    [["web"], "web-api", false],
    [["web"], "my-web", false],
    [["web.*"], "web-api", true],
    [["a|b"], "b", true],
    [["a|b"], "ab", false],
    [["api", "web"], "web", true],
    [["web"], undefined, false],
    [["("], "(", false],
    [["(", "web"], "web", true],
  ] as const)("%j matches %s: %s", (sources, name, expected) => {
    expect(new AnchoredPatterns(sources).matches(name)).toBe(expected);
  });

  it("reports each source that does not compile, with the engine's message", () => {
    const invalid: [string, string][] = [];
    const patterns = new AnchoredPatterns(["(", "ok", "[z-a]"], (source, error) => invalid.push([source, error]));
    expect(invalid.map(([source]) => source)).toEqual(["(", "[z-a]"]);
    expect(invalid[0]?.[1]).toMatch(/Invalid regular expression/);
    expect(patterns.matchesAll).toBe(false);
    expect(patterns.matches("ok")).toBe(true);
  });
});
