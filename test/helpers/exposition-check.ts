/**
 * An independent reader of a text 0.0.4 exposition for tests: it shares no code with agents/exposition, so a bug
 * there cannot hide itself. Handles what the merged /metrics writes (legacy names, quoted values with `\\`, `\"`
 * and `\n` escapes) and blanks around labels.
 */

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?\s+\S+(?:\s+-?\d+)?\s*$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;

/** Name plus labels sorted by name, empty values left out (Prometheus treats `a=""` as no label). */
export function seriesIdentity(line: string): string {
  const match = SAMPLE.exec(line);
  if (!match) throw new Error(`not a sample line: ${JSON.stringify(line.slice(0, 200))}`);
  const pairs: string[] = [];
  const body = match[2] ?? "";
  LABEL.lastIndex = 0;
  let consumed = 0;
  for (let m = LABEL.exec(body); m !== null; m = LABEL.exec(body)) {
    if (m[2] !== "") pairs.push(`${m[1]}=${JSON.stringify(m[2])}`);
    consumed = LABEL.lastIndex;
  }
  if (body.slice(consumed).trim() !== "") throw new Error(`unreadable labels in ${JSON.stringify(line.slice(0, 200))}`);
  return `${match[1]}{${pairs.sort().join(",")}}`;
}

/** Series that appear more than once in the exposition (empty when every series is unique). */
export function duplicateSeries(text: string): string[] {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const id = seriesIdentity(line);
    if (seen.has(id)) duplicates.push(id);
    seen.add(id);
  }
  return duplicates;
}
