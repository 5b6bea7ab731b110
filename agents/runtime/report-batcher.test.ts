import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { TargetHealth, TargetHealthReport } from "../../crds-like-schemas/index.js";
import { ReportBatcher } from "./report-batcher.js";

const logger = pino({ level: "silent" });
const result = (targetId: string, ok: boolean, at = "2026-01-01T00:00:00.000Z"): TargetHealth => ({
  targetId,
  ok,
  durationMs: 1,
  samples: ok ? 1 : 0,
  at,
});

describe("ReportBatcher", () => {
  it("keeps the latest result per target, splits into batches, and retries failed sends without losing newer results", async () => {
    const sent: TargetHealthReport[] = [];
    let fail = true;
    const batcher = new ReportBatcher({
      cluster: "c",
      nodeId: "n",
      generation: () => 3,
      logger,
      maxBatch: 2,
      send: async (report) => {
        if (fail) throw new Error("redis down");
        sent.push(report);
      },
    });
    batcher.add(result("a", false));
    batcher.add(result("a", true));
    batcher.add(result("b", true));
    batcher.add(result("c", true));
    await batcher.flush();
    expect(sent).toHaveLength(0);
    expect(batcher.buffered).toBe(3);
    batcher.add(result("b", false, "2026-01-01T00:00:09.000Z"));
    batcher.retain(new Set(["a", "b"]));
    fail = false;
    await batcher.flush();
    expect(sent.map((r) => r.results.length)).toEqual([2]);
    expect(sent[0]).toMatchObject({
      contract: "ecsmon.dev/target-health/v1",
      cluster: "c",
      nodeId: "n",
      generation: 3,
    });
    const b = sent[0]?.results.find((r) => r.targetId === "b");
    expect(b).toMatchObject({ ok: false, at: "2026-01-01T00:00:09.000Z" });
    expect(batcher.buffered).toBe(0);
  });
});
