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
 * Returns the index of the closing quote of a quoted string that starts at `start` (just after the opening quote),
 * or -1 when the line ends first. Any character may follow a backslash: Prometheus's lexer (`promlex.l`,
 * `\"(\\.|[^\\"])*\"`) accepts every escape and keeps the unknown ones literally, so `\t` must not fail a target.
 */
export function scanQuoted(line: string, start: number): number {
  const n = line.length;
  for (let i = start; i < n; i++) {
    const c = line.charCodeAt(i);
    if (c === 34) return i;
    if (c === 92) i++;
  }
  return -1;
}

/**
 * Rewrites a quoted string as written into the one canonical escaped form the text format allows (`\\`, `\"`,
 * `\n`): an unknown escape such as `\t` means a literal backslash followed by `t` (Prometheus's `lvalReplacer`
 * replaces only the three known escapes), so its backslash is doubled. Returns the input itself when it has no
 * unknown escape (the common case, no allocation).
 */
export function canonicalEscapes(raw: string): string {
  if (!raw.includes("\\")) return raw;
  let out = "";
  let last = 0;
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    if (raw.charCodeAt(i) !== 92) continue;
    const next = raw.charCodeAt(i + 1);
    if (next === 92 || next === 34 || next === 110) {
      i++;
      continue;
    }
    out += `${raw.slice(last, i)}\\\\`;
    last = i + 1;
  }
  return last === 0 ? raw : out + raw.slice(last);
}

/** Undoes label-value escaping (`\\`, `\"`, `\n`) of a value in canonical form (see {@link canonicalEscapes}). */
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
 * Returns HELP text as written in its 0.0.4 escaped form. The text format knows only `\\` and `\n` in HELP
 * (Prometheus's `helpReplacer`); any other backslash is literal, so it is doubled (`\t` → `\\t`, a trailing `\` →
 * `\\`). OpenMetrics also escapes `\"`, which becomes a bare quote.
 */
export function helpTo004(raw: string, openMetrics: boolean): string {
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
    out += raw.slice(last, i);
    if (next === '"' && openMetrics) {
      last = i + 1;
      i++;
      continue;
    }
    out += "\\\\";
    last = i + 1;
  }
  return out + raw.slice(last);
}

/**
 * Prometheus's `underscores` escaping scheme (prometheus.io/docs/instrumenting/escaping_schemes): every character
 * outside the legacy set becomes `_`, and a leading digit too. Metric names keep `:`; label names (legacy set
 * `[a-zA-Z_][a-zA-Z0-9_]*`) do not. One `_` per code point, as Go's `range` over a string gives.
 */
export function escapeToLegacy(name: string, metric: boolean): string {
  let out = "";
  let first = true;
  for (const ch of name) {
    const c = ch.charCodeAt(0);
    const ok =
      (c >= 97 && c <= 122) ||
      (c >= 65 && c <= 90) ||
      c === 95 ||
      (metric && c === 58) ||
      (!first && c >= 48 && c <= 57);
    out += ok && ch.length === 1 ? ch : "_";
    first = false;
  }
  return out;
}
