import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration, tryParseDuration } from "./duration.js";

describe("duration", () => {
  it.each([
    ["1s", 1_000],
    ["500ms", 500],
    ["15s", 15_000],
    ["1m", 60_000],
    ["1h30m", 5_400_000],
    ["1.5s", 1_500],
  ])("parses %s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "fast", "10", "1d", "s", "-1s", "1s "])("rejects %j", (text) => {
    expect(tryParseDuration(text)).toBeUndefined();
    expect(() => parseDuration(text)).toThrow(/expected a duration/);
  });

  it.each([
    [90_000, "1m30s"],
    [250, "250ms"],
    [0, "0s"],
  ])("formats %d as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
