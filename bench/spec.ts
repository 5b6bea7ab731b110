import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { MonitoringSpec, parseSpec } from "../crds-like-schemas/index.js";
import { fromRoot } from "../lib/paths.js";
import type { BenchResult } from "./types.js";

/**
 * Cost of reading a spec: `parseSpec` (YAML Document with positions, zod, cross-field rules) on the full example,
 * valid and with errors, against a baseline measured in the same run: plain `yaml.parse` + zod `safeParse`.
 */

function medianMicros(fn: () => void, rounds = 11, perRound = 50): number {
  for (let i = 0; i < perRound; i++) fn();
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1_000 / perRound);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

export async function run(): Promise<BenchResult[]> {
  const text = readFileSync(fromRoot("crds-like-schemas", "examples", "full.yaml"), "utf8");
  const broken = text.replace("period: 1s", "period: fast").replace("interval: 15s", "intervl: 15s");
  if (!parseSpec(text).ok || parseSpec(broken).ok) throw new Error("bench inputs are not what they should be");

  const baseline = medianMicros(() => MonitoringSpec.safeParse(parse(text)));
  const valid = medianMicros(() => parseSpec(text));
  const invalid = medianMicros(() => parseSpec(broken));
  const bytes = Buffer.byteLength(text);
  return [
    { area: "spec", name: "parse yaml+zod baseline (full.yaml)", value: baseline, unit: "µs", note: `${bytes} bytes` },
    {
      area: "spec",
      name: "parseSpec valid (full.yaml)",
      value: valid,
      unit: "µs",
      note: `${(valid / baseline).toFixed(2)}× baseline`,
    },
    {
      area: "spec",
      name: "parseSpec with 2 located errors",
      value: invalid,
      unit: "µs",
      note: `${(invalid / baseline).toFixed(2)}× baseline`,
    },
  ];
}
