import { describe, expect, it } from "vitest";
import { StringPool } from "./string-pool.js";

describe("StringPool", () => {
  it("returns the first copy of equal strings and forgets everything once full", () => {
    const pool = new StringPool(2);
    const first = pool.get(["arn:aws:ecs:", "task-definition/app:1"].join(""));
    expect(pool.get("arn:aws:ecs:task-definition/app:1")).toBe(first);
    expect(pool.get(undefined)).toBeUndefined();
    pool.get("b");
    const c = pool.get("c");
    expect(pool.get("c")).toBe(c);
    expect(pool.get("arn:aws:ecs:task-definition/app:1")).toBe("arn:aws:ecs:task-definition/app:1");
  });
});
