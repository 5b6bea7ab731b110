import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isNotRunningPayload } from "./docker-collector.js";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), "utf8"));

describe("isNotRunningPayload", () => {
  it.each([
    // Captured from Docker 20.10: a created, never started container.
    { name: "a stopped container's empty payload", payload: fixture("docker-20.10-not-running"), expected: true },
    {
      name: "a running container's one-shot read",
      payload: (fixture("docker-20.10-v1-tmpfs") as unknown[])[0],
      expected: false,
    },
    { name: "no read time at all (some compatible APIs)", payload: { cpu_stats: {} }, expected: false },
    { name: "not an object", payload: "garbage", expected: false },
    { name: "null", payload: null, expected: false },
  ])("$name → $expected", ({ payload, expected }) => {
    expect(isNotRunningPayload(payload)).toBe(expected);
  });
});
