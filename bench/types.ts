/** One figure printed by `npm run bench` and written to bench/results.json. */
export interface BenchResult {
  /** The issue area, e.g. "sim", "controller", "scrape", "stats", "capacity", "events", "reliability". */
  area: string;
  name: string;
  /** Median unless the name says otherwise (p99, max…). */
  value: number;
  unit: string;
  /** The goal, e.g. "< 10 s". */
  goal?: string;
  note?: string;
}

/** Each bench/<area>.ts module exports this. */
export type BenchArea = () => Promise<BenchResult[]>;

/** A figure builder bound to one area: `row(name, value, unit, { goal, note })`. */
export function figureBuilder(area: string) {
  return (name: string, value: number, unit: string, extra: Partial<BenchResult> = {}): BenchResult => ({
    area,
    name,
    value,
    unit,
    ...extra,
  });
}
