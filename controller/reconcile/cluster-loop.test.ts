import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../lib/logger.js";
import { LeaseLostError } from "../leases/cluster-lease.js";
import { ControllerMetrics, RECONCILE_RESULTS } from "../outputs/controller-metrics.js";
import { ClusterLoop, type LoopStopReason, type ReconcileOutcome } from "./cluster-loop.js";
import { TerminalError } from "./errors.js";

/**
 * The loop under fake timers. Backoff uses random() = 0, so with equal jitter each retry waits exactly half of
 * min(max, initial × 2^(n-1)): 500, 1000, 2000, 4000 ms for initial 1000 ms (AWS's "equal jitter" formula, worked
 * by hand here rather than by calling lib/backoff).
 */

const logger = createLogger({ level: "silent", name: "test" });

type Step = ReconcileOutcome | Error;

interface Harness {
  loop: ClusterLoop;
  metrics: ControllerMetrics;
  /** Fake-clock time of each reconcile call. */
  runs: number[];
  stops: [LoopStopReason, unknown][];
}

/** A loop whose reconcile plays `script` in order (the last step repeats). */
function harness(script: Step[]): Harness {
  const metrics = new ControllerMetrics(new Registry());
  const runs: number[] = [];
  const stops: [LoopStopReason, unknown][] = [];
  const loop = new ClusterLoop({
    cluster: "demo",
    metrics,
    logger,
    random: () => 0,
    backoffInitialMs: 1_000,
    backoffMaxMs: 8_000,
    onStopped: (reason, error) => stops.push([reason, error]),
    reconcile: async () => {
      runs.push(Date.now());
      const step = script[Math.min(runs.length - 1, script.length - 1)] as Step;
      if (step instanceof Error) throw step;
      return step;
    },
  });
  return { loop, metrics, runs, stops };
}

async function counts(metrics: ControllerMetrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.reconcileTotal.get()).values) out[String(v.labels.result)] = v.value;
  return out;
}

async function terminalCount(metrics: ControllerMetrics): Promise<number> {
  return (await metrics.terminalErrors.get()).values.find((v) => v.labels.controller === "cluster")?.value ?? 0;
}

/** A loop whose every run waits until the test calls its `releases[i]`, then asks to requeue after `requeueAfterMs`. */
function gatedLoop(requeueAfterMs: number) {
  const releases: (() => void)[] = [];
  const runs: number[] = [];
  const loop = new ClusterLoop({
    cluster: "demo",
    metrics: new ControllerMetrics(new Registry()),
    logger,
    reconcile: () => {
      runs.push(Date.now());
      return new Promise((resolve) => releases.push(() => resolve({ requeueAfterMs })));
    },
  });
  return { loop, runs, releases };
}

const gaps = (runs: number[]) => runs.slice(1).map((t, i) => t - (runs[i] as number));
const zeroCounts = () => Object.fromEntries(RECONCILE_RESULTS.map((r) => [r, 0]));

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("ClusterLoop scheduling", () => {
  const fail = () => new Error("observation failed");
  const table: { name: string; script: Step[]; runs: number; gaps: number[]; counts: Record<string, number> }[] = [
    {
      name: "a timed requeue runs again after requeueAfterMs and is labelled requeue_after",
      script: [{ requeueAfterMs: 2_000 }],
      runs: 4,
      gaps: [2_000, 2_000, 2_000],
      counts: { requeue_after: 4 },
    },
    {
      name: "errors back off exponentially, capped, and a success resets the backoff",
      script: [fail(), fail(), fail(), fail(), fail(), { requeueAfterMs: 3_000 }, fail(), { requeueAfterMs: 3_000 }],
      runs: 9,
      gaps: [500, 1_000, 2_000, 4_000, 4_000, 3_000, 500, 3_000],
      counts: { error: 6, requeue_after: 3 },
    },
    {
      name: "a requeue without delay is rate-limited by the same backoff, without counting an error",
      script: [{ requeue: true }, { requeue: true }, { requeue: true }, { requeueAfterMs: 700 }, { requeue: true }],
      runs: 6,
      gaps: [500, 1_000, 2_000, 700, 500],
      counts: { requeue: 5, requeue_after: 1 },
    },
    {
      name: "requeueAfterMs wins over requeue, as in controller-runtime",
      script: [{ requeueAfterMs: 1_500, requeue: true }],
      runs: 3,
      gaps: [1_500, 1_500],
      counts: { requeue_after: 3 },
    },
  ];

  it.each(table)("$name", async ({ script, runs, gaps: want, counts: wantCounts }) => {
    const h = harness(script);
    h.loop.start();
    await vi.advanceTimersByTimeAsync(want.reduce((a, b) => a + b, 0));
    expect(h.runs).toHaveLength(runs);
    expect(gaps(h.runs)).toEqual(want);
    expect(await counts(h.metrics)).toEqual({ ...zeroCounts(), ...wantCounts });
    expect(await terminalCount(h.metrics)).toBe(0);
    expect(h.stops).toEqual([]);
    await h.loop.stop();
  });

  it("success (no requeue) waits for a trigger, however long", async () => {
    const h = harness([{}]);
    h.loop.start();
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(h.runs).toHaveLength(1);
    h.loop.trigger();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.runs).toHaveLength(2);
    expect(await counts(h.metrics)).toEqual({ ...zeroCounts(), success: 2 });
    await h.loop.stop();
  });
});

describe("ClusterLoop stops", () => {
  const table: {
    name: string;
    error: Error;
    reason: LoopStopReason;
    counts: Record<string, number>;
    terminal: number;
  }[] = [
    {
      name: "a terminal error stops the loop, counted as error and as a terminal error",
      error: new TerminalError("cluster demo is not in the spec in force"),
      reason: "terminal",
      counts: { error: 1 },
      terminal: 1,
    },
    {
      name: "a lost lease stops the loop, counted as lease_lost",
      error: new LeaseLostError("demo"),
      reason: "lease_lost",
      counts: { lease_lost: 1 },
      terminal: 0,
    },
  ];

  it.each(table)("$name", async ({ error, reason, counts: wantCounts, terminal }) => {
    const h = harness([{ requeueAfterMs: 1_000 }, error]);
    h.loop.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.runs).toHaveLength(2);
    expect(h.stops).toEqual([[reason, error]]);
    h.loop.trigger();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(h.runs).toHaveLength(2);
    expect(h.stops).toHaveLength(1);
    expect(await counts(h.metrics)).toEqual({ ...zeroCounts(), requeue_after: 1, ...wantCounts });
    expect(await terminalCount(h.metrics)).toBe(terminal);
    expect(h.loop.busy).toBe(false);
  });

  it("stop() waits for the run in progress and nothing runs afterwards", async () => {
    const { loop, runs, releases } = gatedLoop(100);
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(loop.busy).toBe(true);
    let stopped = false;
    const stopping = loop.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(50);
    expect(stopped).toBe(false);
    releases[0]?.();
    await stopping;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toHaveLength(1);
  });
});

describe("ClusterLoop.trigger", () => {
  it("coalesces triggers during a run into one run right after it, then resumes the requeue period", async () => {
    const { loop, runs, releases } = gatedLoop(5_000);
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(1);
    loop.trigger();
    loop.trigger();
    loop.trigger();
    await vi.advanceTimersByTimeAsync(300);
    expect(runs).toHaveLength(1);
    releases[0]?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(2);
    expect(gaps(runs)).toEqual([300]);
    releases[1]?.();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(runs).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toHaveLength(3);
    releases[2]?.();
    await loop.stop();
  });

  it("cuts an error backoff short: a trigger while waiting to retry runs now", async () => {
    const h = harness([new Error("boom"), { requeueAfterMs: 60_000 }]);
    h.loop.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(h.runs).toHaveLength(1);
    h.loop.trigger();
    await vi.advanceTimersByTimeAsync(0);
    expect(gaps(h.runs)).toEqual([100]);
    await h.loop.stop();
  });
});
