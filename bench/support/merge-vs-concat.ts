import { mergeSnapshotsToChunks } from "../../agents/exposition/merge.js";
import type { Snapshot } from "../../agents/exposition/snapshot.js";
import { type BenchResult, figureBuilder } from "../types.js";

/**
 * The merge against its baseline, "plain concatenation per input byte" (issue 19 part 7), measured in one run:
 * - concatenation: `Buffer.concat` of the targets' bodies as they came off the wire (the input bytes), what a
 *   tool that concatenates bodies without labels or checks does;
 * - the merge as /metrics serves it: `mergeSnapshotsToChunks` over the scraped snapshots, i.e. every decision of
 *   the merge (families grouped, types reconciled, duplicates dropped, HELP/TYPE written) ending in the list of
 *   chunks that /metrics streams to the client as they are (metrics-server.ts never joins them);
 * - the merge flattened into one buffer (the figure until issue 19), and the copy of the merged output alone,
 *   which bounds it: the output carries the injected labels on every line, ~3× the input's bytes, and copying
 *   3× the bytes cannot run at half the speed of copying them once.
 * Label injection itself happens at scrape time, per body, and is counted in "agent CPU per scrape cycle".
 * Each round runs every variant once, in turn, so load on the shared machine hits all of them alike; each figure
 * is the median round. CPU time (process.cpuUsage) is recorded next to wall time: on a loaded machine the
 * wall clock also counts time spent waiting for a core.
 */
export interface MergeMeasurement {
  rounds: number;
  inputBytes: number;
  outputBytes: number;
  chunks: number;
  /** Median wall and CPU milliseconds per variant. */
  wall: Record<Variant, number>;
  cpu: Record<Variant, number>;
}

type Variant = "concat" | "merge" | "flattened" | "copyOnly";

export function measureMerge(
  bodies: readonly Buffer[],
  snapshots: readonly Snapshot[],
  rounds: number,
): MergeMeasurement {
  const inputBytes = bodies.reduce((n, b) => n + b.length, 0);
  const merged = mergeSnapshotsToChunks(snapshots);
  let sink = 0;
  const variants: Record<Variant, () => void> = {
    concat: () => {
      sink += Buffer.concat(bodies as Buffer[], inputBytes).length;
    },
    merge: () => {
      sink += mergeSnapshotsToChunks(snapshots).chunks.length;
    },
    flattened: () => {
      const { chunks, bytes } = mergeSnapshotsToChunks(snapshots);
      sink += Buffer.concat(chunks, bytes).length;
    },
    copyOnly: () => {
      sink += Buffer.concat(merged.chunks, merged.bytes).length;
    },
  };
  const names = Object.keys(variants) as Variant[];
  const wall = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Variant, number[]>;
  const cpu = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Variant, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      variants[name]();
      wall[name].push(performance.now() - t0);
      const used = process.cpuUsage(cpu0);
      cpu[name].push((used.user + used.system) / 1000);
    }
  }
  if (sink === 0) throw new Error("empty merge output");
  const medians = (m: Record<Variant, number[]>) =>
    Object.fromEntries(names.map((n) => [n, median(m[n])])) as Record<Variant, number>;
  return {
    rounds,
    inputBytes,
    outputBytes: merged.bytes,
    chunks: merged.chunks.length,
    wall: medians(wall),
    cpu: medians(cpu),
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const MB = 1e6;

export function mergeFigures(m: MergeMeasurement, renderMs: number): BenchResult[] {
  const { wall, cpu } = m;
  const mbps = (ms: number) => m.inputBytes / MB / (ms / 1000);
  const sizes = `${(m.inputBytes / MB).toFixed(1)} MB of bodies in, ${(m.outputBytes / MB).toFixed(1)} MB out (${(m.outputBytes / m.inputBytes).toFixed(2)}× with the injected labels) in ${m.chunks} chunks`;
  const row = figureBuilder("scrape");
  return [
    row("merge throughput (as /metrics serves it)", mbps(wall.merge), "MB/s", {
      note: `mergeSnapshotsToChunks in ${wall.merge.toFixed(2)} ms (CPU ${cpu.merge.toFixed(2)} ms); ${sizes}`,
    }),
    row("concatenation throughput (baseline)", mbps(wall.concat), "MB/s", {
      note: `Buffer.concat of the same bodies: ${wall.concat.toFixed(2)} ms (CPU ${cpu.concat.toFixed(2)} ms)`,
    }),
    row("merge ÷ concatenation per input byte", wall.concat / wall.merge, "ratio", {
      goal: "≥ 0.5",
      note: `medians of ${m.rounds} interleaved rounds, wall time; by CPU time ${(cpu.concat / cpu.merge).toFixed(2)}; the merge's every decision, ending in the chunks /metrics streams`,
    }),
    row("merge ÷ concatenation per input byte, flattened into one buffer", wall.concat / wall.flattened, "ratio", {
      goal: "≥ 0.5",
      note: `merge + Buffer.concat of its output (${wall.flattened.toFixed(2)} ms; by CPU time ${(cpu.concat / cpu.flattened).toFixed(2)}); the figure before issue 19; /metrics never does this copy`,
    }),
    row("copying the merged output alone ÷ concatenation", wall.concat / wall.copyOnly, "ratio", {
      note: `Buffer.concat of the merge's chunks, ${wall.copyOnly.toFixed(2)} ms: the ceiling of the flattened figure (${(m.outputBytes / m.inputBytes).toFixed(2)}× the bytes to copy); full /metrics render incl. own metrics ${renderMs.toFixed(1)} ms`,
    }),
    row(
      "merge ÷ concatenation, flattened, per output byte",
      m.outputBytes / wall.flattened / (m.inputBytes / wall.concat),
      "ratio",
      {
        note: "same run, normalized for the bytes each produces",
      },
    ),
  ];
}
