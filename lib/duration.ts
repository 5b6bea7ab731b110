/**
 * Durations in the spec and on the CLI are strings such as "500ms", "15s", "1m" or "1h30m".
 * This module is the one place that turns them into milliseconds.
 */
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** Matches a whole duration string: one or more `<number><unit>` parts, largest unit first by convention. */
export const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

/** Returns the duration in milliseconds, or `undefined` when `text` is not a duration. */
export function tryParseDuration(text: string): number | undefined {
  if (!DURATION_PATTERN.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(PART)) {
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  return total;
}

/** Like {@link tryParseDuration} but throws a message that quotes the bad value. */
export function parseDuration(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) throw new Error(`expected a duration like "15s" or "1m", got ${JSON.stringify(text)}`);
  return ms;
}

/** Formats milliseconds as the shortest exact duration string ("1m30s", "250ms"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const [unit, size] of [
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1_000],
    ["ms", 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
