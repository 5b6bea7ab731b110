import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchResult } from "../../bench/types.js";

/** Where fault drills record their figures (merged by name; the drills run one file at a time). */
export const FAULT_RESULTS_PATH = join(import.meta.dirname, "../../bench/results-faults.json");

/** Records one drill figure in bench/results-faults.json (replacing an earlier one of the same name) and prints it. */
export function recordFigure(figure: Omit<BenchResult, "area">): void {
  const entry: BenchResult = { area: "reliability", ...figure };
  let all: BenchResult[] = [];
  if (existsSync(FAULT_RESULTS_PATH)) {
    try {
      all = JSON.parse(readFileSync(FAULT_RESULTS_PATH, "utf8")) as BenchResult[];
    } catch {
      all = [];
    }
  }
  all = [...all.filter((r) => r.name !== entry.name), entry];
  writeFileSync(FAULT_RESULTS_PATH, `${JSON.stringify(all, null, 2)}\n`);
  console.log(`[drill] ${entry.name}: ${entry.value} ${entry.unit}${entry.goal ? ` (goal ${entry.goal})` : ""}`);
}
