import { readFileSync } from "node:fs";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createContainerBaselines } from "./container-baselines.js";
import { parseStatsPayload, type StatsSnapshot } from "./stats-payload.js";

const reads = (name: string): unknown[] =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8")) as unknown[];

function snap(name: string, index: number, edit?: (payload: Record<string, unknown>) => void): StatsSnapshot {
  const payload = structuredClone(reads(name)[index]) as Record<string, unknown>;
  edit?.(payload);
  const result = parseStatsPayload(payload, 0);
  if (!result.ok) throw new Error(result.error);
  return result.snapshot;
}

async function count(registry: Registry, name: string, label: string): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => Object.values(v.labels).includes(label))?.value;
}

function setup() {
  const registry = new Registry();
  const lines: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(line) });
  return { registry, lines, baselines: createContainerBaselines({ registry, logger, source: "docker" }) };
}

describe("createContainerBaselines", () => {
  it("returns the previous read of the same container, and none on first read, replacement or restart", async () => {
    const { registry, baselines } = setup();
    const first = snap("docker-20.10-v1-cpu-bound", 0);
    const second = snap("docker-20.10-v1-cpu-bound", 1);
    expect(baselines.advance("t/app", "id-1", first)).toBeUndefined();
    expect(baselines.advance("t/app", "id-1", second)).toBe(first);
    // Restarted in place: the same id, counters back near zero.
    expect(baselines.advance("t/app", "id-1", snap("docker-20.10-v1-tmpfs", 0))).toBeUndefined();
    expect(await count(registry, "ecsmon_stats_container_events_total", "restarted")).toBe(1);
    // Replaced: a new id for the same task container.
    expect(baselines.advance("t/app", "id-2", second)).toBeUndefined();
    expect(await count(registry, "ecsmon_stats_container_events_total", "replaced")).toBe(1);
    // Removed: counted once, however many cycles keep missing it.
    baselines.notFound("t/app");
    baselines.notFound("t/app");
    expect(await count(registry, "ecsmon_stats_container_events_total", "removed")).toBe(1);
    expect(baselines.advance("t/app", "id-2", second)).toBeUndefined();
  });

  it("counts every cycle the engine is away and logs only the transitions", async () => {
    const { registry, lines, baselines } = setup();
    const away = { ok: false as const, reason: "unreachable" as const, error: "connect ENOENT" };
    baselines.noteEngine([away]);
    baselines.noteEngine([away, away]);
    baselines.noteEngine([{ ok: true, runtimeId: "x", payload: {}, collectedAtMs: 0 }]);
    expect(await count(registry, "ecsmon_stats_container_events_total", "engine_unreachable")).toBe(2);
    expect(lines.filter((l) => l.includes("unreachable"))).toHaveLength(1);
    expect(lines.filter((l) => l.includes("reachable again"))).toHaveLength(1);
  });

  it("counts each read without memory detail and logs it once per container", async () => {
    const { registry, lines, baselines } = setup();
    const bare = (p: Record<string, unknown>) => {
      delete (p.memory_stats as Record<string, unknown>).stats;
    };
    baselines.advance("t/app", "id-1", snap("docker-20.10-v1-tmpfs", 0, bare));
    baselines.advance("t/app", "id-1", snap("docker-20.10-v1-tmpfs", 1, bare));
    baselines.advance("t/web", "id-2", snap("docker-20.10-v1-tmpfs", 0));
    expect(await count(registry, "ecsmon_stats_memory_detail_missing_total", "docker")).toBe(2);
    const warnings = lines.filter((l) => l.includes("no memory_stats.stats"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"container":"t/app"');
  });
});
