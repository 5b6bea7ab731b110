/**
 * Character-level rules shared by both formats: names, numbers, escapes. Written with charCode loops
 * because they run once per sample on the scrape hot path.
 */

/** `[a-zA-Z_:][a-zA-Z0-9_:]*` */
export function isMetricName(text: string): boolean {
  const n = text.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const alpha = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
    if (!alpha && !(i > 0 && c >= 48 && c <= 57)) return false;
  }
  return true;
}

/** `[a-zA-Z_][a-zA-Z0-9_]*` */
export function isLabelName(text: string): boolean {
  const n = text.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const alpha = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
    if (!alpha && !(i > 0 && c >= 48 && c <= 57)) return false;
  }
  return true;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Normalizes a sample value: decimal floats stay as written; NaN and ±Inf (any case, `Inf`/`Infinity`, as Go's
 * ParseFloat accepts) become `NaN`, `+Inf`, `-Inf`. Returns undefined when the text is not a float.
 */
export function normalizeValue(text: string): string | undefined {
  if (DECIMAL.test(text)) return text;
  switch (text.toLowerCase()) {
    case "nan":
    case "+nan":
    case "-nan":
      return "NaN";
    case "inf":
    case "+inf":
    case "infinity":
    case "+infinity":
      return "+Inf";
    case "-inf":
    case "-infinity":
      return "-Inf";
    default:
      return undefined;
  }
}

const INTEGER = /^-?\d{1,19}$/;

/** Text 0.0.4 timestamp: integer milliseconds. */
export function normalizeTextTimestamp(text: string): string | undefined {
  return INTEGER.test(text) ? text : undefined;
}

/** OpenMetrics timestamp: float seconds, converted to integer milliseconds. */
export function normalizeOmTimestamp(text: string): string | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const ms = Math.round(Number(text) * 1000);
  return Number.isSafeInteger(ms) ? String(ms) : undefined;
}

/**
 * Returns the index of the closing quote of a label value that starts at `start` (just after the opening
 * quote), or -1 when the line ends first or an escape other than `\\`, `\"`, `\n` appears (-2).
 */
export function scanQuoted(line: string, start: number): number {
  const n = line.length;
  for (let i = start; i < n; i++) {
    const c = line.charCodeAt(i);
    if (c === 34) return i;
    if (c === 92) {
      const next = line.charCodeAt(i + 1);
      if (next !== 92 && next !== 34 && next !== 110) return -2;
      i++;
    }
  }
  return -1;
}

/** Undoes label-value escaping (`\\`, `\"`, `\n`). */
export function unescapeLabelValue(raw: string): string {
  if (!raw.includes("\\")) return raw;
  return raw.replace(/\\(["\\n])/g, (_m, c: string) => (c === "n" ? "\n" : c));
}

/** Escapes a label value for the exposition formats. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** Escapes HELP text for text 0.0.4 (only `\\` and `\n`). */
export function escapeHelp(value: string): string {
  return value.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

/**
 * Validates HELP escapes and returns the text in 0.0.4 form. In OpenMetrics `\"` is also an escape, rewritten
 * to a bare quote. Returns undefined for an invalid escape.
 */
export function helpTo004(raw: string, openMetrics: boolean): string | undefined {
  if (!raw.includes("\\")) return raw;
  let out = "";
  let last = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw.charCodeAt(i) !== 92) continue;
    const next = raw[i + 1];
    if (next === "\\" || next === "n") {
      i++;
      continue;
    }
    if (next === '"' && openMetrics) {
      out += raw.slice(last, i);
      last = i + 1;
      i++;
      continue;
    }
    return undefined;
  }
  return out + raw.slice(last);
}
