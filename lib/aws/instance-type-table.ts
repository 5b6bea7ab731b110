import { readFileSync } from "node:fs";

/**
 * Parses a published per-instance-type table kept as text (`<instance-type> <figure> [<figure>…]`, one row a line,
 * blank lines and `#` comment lines ignored) into a map. A malformed or repeated row throws, naming the table, the line (1-based, in the
 * text) and the row, so a transcription mistake fails at module load and in the tests instead of giving a wrong
 * figure.
 */
export function parseInstanceTypeTable(
  name: string,
  text: string,
  columns: number,
): ReadonlyMap<string, readonly number[]> {
  const rows = new Map<string, readonly number[]>();
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [type, ...figures] = line.split(/\s+/);
    const numbers = figures.map(Number);
    if (
      !type ||
      !/^[a-z0-9-]+\.[a-z0-9-]+$/.test(type) ||
      numbers.length !== columns ||
      numbers.some((n) => !Number.isInteger(n))
    ) {
      throw new Error(`${name} line ${index + 1}: expected "<instance-type>" and ${columns} integer(s), got "${line}"`);
    }
    if (rows.has(type)) throw new Error(`${name} line ${index + 1}: ${type} is listed twice`);
    rows.set(type, numbers);
  }
  return rows;
}

/**
 * Reads and parses `lib/aws/data/<file>` once, at the caller's module load. The data files ship beside the compiled
 * modules (scripts/post-build.mjs copies lib/aws/data into dist/lib/aws/data); errors name the file.
 */
export function loadInstanceTypeTable(file: string, columns: number): ReadonlyMap<string, readonly number[]> {
  const text = readFileSync(new URL(`./data/${file}`, import.meta.url), "utf8");
  return parseInstanceTypeTable(`lib/aws/data/${file}`, text, columns);
}
