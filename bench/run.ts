import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fromRoot } from "../lib/paths.js";
import type { BenchArea, BenchResult } from "./types.js";

/**
 * `npm run bench [-- <area> ...]`: runs every bench area (or the named ones) in sequence, prints one table,
 * and writes bench/results.json. Areas are the bench/<area>.ts modules; each exports `run()`.
 */
const NOT_AREAS = new Set(["run", "types"]);
const AREAS: readonly string[] = readdirSync(fileURLToPath(new URL(".", import.meta.url)))
  .filter((file) => file.endsWith(".js") && !NOT_AREAS.has(file.slice(0, -3)))
  .map((file) => file.slice(0, -3))
  .sort();

async function loadArea(area: string): Promise<BenchArea | undefined> {
  const compiled = new URL(`./${area}.js`, import.meta.url);
  if (!existsSync(compiled)) return undefined;
  const module = (await import(compiled.href)) as { run?: BenchArea };
  return module.run;
}

function printTable(results: BenchResult[]): void {
  const rows = results.map((r) => [
    r.area,
    r.name,
    Number.isInteger(r.value) ? String(r.value) : r.value.toPrecision(4),
    r.unit,
    r.goal ?? "",
    r.note ?? "",
  ]);
  const header = ["area", "figure", "value", "unit", "goal", "note"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ");
  process.stdout.write(`${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
}

async function main(): Promise<void> {
  // Every area talks to the simulator, which accepts any static keys; AWS clients use the SDK's default
  // credential chain, so the harness supplies keys the way LocalStack users do (spawned processes inherit them).
  process.env.AWS_ACCESS_KEY_ID ||= "bench";
  process.env.AWS_SECRET_ACCESS_KEY ||= "bench";
  const requested = process.argv.slice(2);
  const unknown = requested.filter((area) => !AREAS.includes(area));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown area(s) ${unknown.join(", ")}; known: ${AREAS.join(", ")}\n`);
    process.exitCode = 2;
    return;
  }
  const areas = requested.length > 0 ? requested : [...AREAS];
  const results: BenchResult[] = [];
  const failures: string[] = [];
  for (const area of areas) {
    const run = await loadArea(area);
    if (!run) {
      process.stderr.write(`bench: ${area}: no bench module yet, skipped\n`);
      continue;
    }
    process.stderr.write(`bench: ${area}: running…\n`);
    const started = Date.now();
    try {
      const figures = await run();
      results.push(...figures);
      process.stderr.write(
        `bench: ${area}: ${figures.length} figure(s) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
    } catch (error) {
      failures.push(`${area}: ${(error as Error).stack ?? String(error)}`);
      process.stderr.write(`bench: ${area}: FAILED: ${(error as Error).message}\n`);
    }
  }
  // The long fault drills (`npm run test:faults`) record their figures separately; show them in the same table.
  const faultsFile = fromRoot("bench/results-faults.json");
  if (requested.length === 0 && existsSync(faultsFile)) {
    const drills = JSON.parse(readFileSync(faultsFile, "utf8")) as BenchResult[];
    results.push(
      ...drills.map((figure) => ({
        ...figure,
        note: `from npm run test:faults${figure.note ? `; ${figure.note}` : ""}`,
      })),
    );
  }
  printTable(results);
  // A run of named areas replaces only those areas' figures in results.json; the other areas' figures are kept.
  const resultsFile = fromRoot("bench/results.json");
  if (requested.length > 0 && existsSync(resultsFile)) {
    const previous = JSON.parse(readFileSync(resultsFile, "utf8")) as { results: BenchResult[] };
    const kept = previous.results.filter((figure) => !areas.includes(figure.area));
    results.unshift(...kept);
  }
  const output = { generatedAt: new Date().toISOString(), node: process.version, results, failures };
  writeFileSync(resultsFile, `${JSON.stringify(output, null, 2)}\n`);
  process.stdout.write(
    `\nwrote bench/results.json (${results.length} figures${failures.length ? `, ${failures.length} area(s) failed` : ""})\n`,
  );
  if (failures.length > 0) process.exitCode = 1;
}

await main();
process.exit();
