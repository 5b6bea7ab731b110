import { describe, expect, it, vi } from "vitest";
import { arnId, clusterNameOf } from "./arn.js";
import { Backoff, backoffDelay } from "./backoff.js";
import { chunk, mapLimit } from "./map-limit.js";
import { PeriodicRunner } from "./periodic.js";
import { SeededRng, seededRandom } from "./rng.js";

describe("backoffDelay", () => {
  it.each([
    [1, 0, 500],
    [1, 0.999999, 1000],
    [2, 0, 1000],
    [3, 1 - 1e-9, 4000],
    [10, 0, 2500],
    [0, 0, 500],
  ])("attempt %i with random %f waits %i ms (initial 1 s, max 5 s)", (attempt, r, expected) => {
    expect(backoffDelay({ initialMs: 1_000, maxMs: 5_000 }, attempt, () => r)).toBe(expected);
  });

  it("Backoff counts failures and resets", () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1_000 }, () => 0);
    expect([b.next(), b.next(), b.next(), b.attempts]).toEqual([50, 100, 200, 3]);
    b.reset();
    expect(b.next()).toBe(50);
  });
});

describe("mapLimit", () => {
  it("keeps input order and never exceeds the limit", async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it("starts nothing after the first failure and throws it", async () => {
    const started: number[] = [];
    await expect(
      mapLimit([1, 2, 3, 4], 1, async (n) => {
        started.push(n);
        if (n === 2) throw new Error("two");
      }),
    ).rejects.toThrow("two");
    expect(started).toEqual([1, 2]);
  });

  it("chunk splits by size", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});

describe("arn", () => {
  it.each([
    ["arn:aws:ecs:us-east-1:123456789012:task/prod/0b69d5c0d0e04f6a", "0b69d5c0d0e04f6a"],
    ["arn:aws:ecs:us-east-1:123456789012:task/0b69d5c0d0e04f6a", "0b69d5c0d0e04f6a"],
    ["arn:aws:ecs:us-east-1:123456789012:cluster/prod", "prod"],
    ["arn:aws:servicediscovery:us-east-1:123456789012:namespace:ns-abc", "ns-abc"],
    ["bare", "bare"],
  ])("arnId(%s) = %s", (arn, id) => expect(arnId(arn)).toBe(id));

  it("clusterNameOf takes a name or an ARN", () => {
    expect(clusterNameOf("arn:aws:ecs:eu-west-1:1:cluster/a")).toBe("a");
    expect(clusterNameOf("a")).toBe("a");
  });
});

describe("SeededRng", () => {
  it("matches mulberry32's published first outputs for seed 1 and replays", () => {
    // Reference: mulberry32 by Tommy Ettinger as widely published; seed 1 → 0.6270739405881613.
    expect(new SeededRng(1).next()).toBeCloseTo(0.6270739405881613, 15);
    const a = seededRandom(42);
    const b = seededRandom(42);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});

describe("PeriodicRunner", () => {
  it("skips a tick while a run is in progress and counts failures", async () => {
    vi.useFakeTimers();
    try {
      let release: () => void = () => {};
      const outcomes: string[] = [];
      let calls = 0;
      const runner = new PeriodicRunner({
        name: "t",
        intervalMs: 100,
        run: () => {
          calls++;
          if (calls === 1) return new Promise<void>((r) => (release = r));
          if (calls === 2) throw new Error("boom");
        },
        onRun: (o) => outcomes.push(o),
      }).start();
      await vi.advanceTimersByTimeAsync(350);
      expect(calls).toBe(1);
      expect(runner.overlapsSkipped).toBe(2);
      release();
      await vi.advanceTimersByTimeAsync(100);
      expect(runner.consecutiveFailures).toBe(1);
      await vi.advanceTimersByTimeAsync(100);
      expect(outcomes).toEqual(["success", "failure", "success"]);
      expect(runner.consecutiveFailures).toBe(0);
      await runner.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
