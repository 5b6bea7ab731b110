import { describe, expect, it } from "vitest";
import { editDistance, suggestName } from "./suggest.js";

describe("editDistance", () => {
  it.each([
    ["", "", 0],
    ["abc", "", 3],
    ["interval", "intervl", 1],
    ["kitten", "sitting", 3],
    ["same", "same", 0],
  ])("%s → %s = %i", (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe("suggestName", () => {
  const known = ["enabled", "labels", "interval", "timeout", "scheme", "maxBodyBytes"];
  it.each([
    ["intervl", "interval"],
    ["Interval", "interval"],
    ["timout", "timeout"],
    ["maxbodybytes", "maxBodyBytes"],
    ["schema", "scheme"],
    ["colour", undefined],
    ["x", undefined],
  ])("%s → %s", (input, expected) => {
    expect(suggestName(input, known)).toBe(expected);
  });
});
