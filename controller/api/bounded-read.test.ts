import { describe, expect, it } from "vitest";
import { BoundedRead } from "./bounded-read.js";

/** A fetch the test settles by hand, counting how many reads were started. */
function manualFetch() {
  const pending: { resolve: (v: number) => void; reject: (e: Error) => void }[] = [];
  const fetch = () => new Promise<number>((resolve, reject) => pending.push({ resolve, reject }));
  return { fetch, pending };
}

describe("BoundedRead", () => {
  it("answers within waitMs when the read hangs, marks it stale, and keeps one read in flight", async () => {
    const { fetch, pending } = manualFetch();
    const read = new BoundedRead(fetch, { maxAgeMs: 0, waitMs: 30 });
    const started = Date.now();
    const first = await read.read();
    expect(Date.now() - started).toBeLessThan(500);
    expect(first).toEqual({
      value: undefined,
      readAt: undefined,
      stale: true,
      reason: "Redis did not answer within 30 ms",
    });
    await read.read();
    await read.read();
    expect(pending).toHaveLength(1);
    pending[0]?.resolve(7);
    await new Promise((r) => setTimeout(r, 0));
    const second = read.read();
    pending[1]?.resolve(8);
    expect(await second).toMatchObject({ value: 8, stale: false, reason: undefined });
  });

  it("serves the older value, stale with the read's error, when a refresh fails", async () => {
    let now = 1_000;
    const { fetch, pending } = manualFetch();
    const read = new BoundedRead(fetch, { maxAgeMs: 100, waitMs: 50, now: () => now });
    const first = read.read();
    pending[0]?.resolve(1);
    expect(await first).toEqual({ value: 1, readAt: 1_000, stale: false, reason: undefined });
    now = 1_050;
    expect(await read.read()).toMatchObject({ value: 1, stale: false });
    expect(pending).toHaveLength(1);
    now = 1_200;
    const late = read.read();
    pending[1]?.reject(new Error("Connection is closed."));
    expect(await late).toEqual({ value: 1, readAt: 1_000, stale: true, reason: "Connection is closed." });
  });
});
