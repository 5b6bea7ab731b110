import {
  canonicalEscapes,
  isLabelName,
  isMetricName,
  normalizeOmTimestamp,
  normalizeTextTimestamp,
  normalizeValue,
  scanQuoted,
  unescapeLabelValue,
} from "./lexical.js";
import type { Exemplar, Label, ParsedSample } from "./types.js";

/** A sample line could not be parsed; the caller adds the line number. */
export class SampleSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SampleSyntaxError";
  }
}

const MAX_EXEMPLAR_LABEL_CHARS = 128;
const NO_LABELS: Label[] = [];

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

function skipBlanks(line: string, i: number): number {
  while (i < line.length && isBlank(line.charCodeAt(i))) i++;
  return i;
}

interface ParsedLabels {
  labels: Label[];
  /** Index just after the `}`. */
  end: number;
  /** The text between the braces has no blanks, no trailing comma, no quoted name and only canonical escapes. */
  compact: boolean;
  /** A quoted string standing alone in the braces (`{"my.metric",a="b"}`): the Prometheus 3 metric name. */
  name: string | undefined;
  /** A quoted metric or label name outside the legacy character set. */
  nonLegacy: boolean;
}

/** Reads a quoted name starting at the `"`; returns it unescaped and the index after the closing quote. */
export function quotedName(line: string, at: number): { name: string; end: number } {
  const close = scanQuoted(line, at + 1);
  if (close < 0) throw new SampleSyntaxError("unterminated quoted name");
  const name = unescapeLabelValue(canonicalEscapes(line.slice(at + 1, close)));
  if (name === "") throw new SampleSyntaxError("empty quoted name");
  return { name, end: close + 1 };
}

/**
 * Parses `{a="b",c="d"}` starting at the `{`. Label names may be quoted (`"my.label"="v"`), and when `nameAllowed`
 * a quoted string followed by `,` or `}` is the metric name, as Prometheus's `promparse` reads UTF-8 names.
 * Values keep their escapes, rewritten to the canonical form (see {@link canonicalEscapes}).
 */
function parseLabels(line: string, open: number, what: string, nameAllowed: boolean): ParsedLabels {
  const labels: Label[] = [];
  let metricName: string | undefined;
  let nonLegacy = false;
  const escapes = line.includes("\\", open);
  let i = skipBlanks(line, open + 1);
  let compact = i === open + 1;
  while (i < line.length && line.charCodeAt(i) !== 125) {
    let name: string;
    let j: number;
    if (line.charCodeAt(i) === 34) {
      compact = false;
      const quoted = quotedName(line, i);
      name = quoted.name;
      j = skipBlanks(line, quoted.end);
      const after = line.charCodeAt(j);
      if (after === 44 || after === 125) {
        if (!nameAllowed || metricName !== undefined)
          throw new SampleSyntaxError(
            `unexpected metric name ${JSON.stringify(name.slice(0, 64))} in the ${what}label set`,
          );
        metricName = name;
        if (!isMetricName(name)) nonLegacy = true;
        i = after === 44 ? skipBlanks(line, j + 1) : j;
        continue;
      }
      if (!isLabelName(name)) nonLegacy = true;
    } else {
      j = i;
      while (j < line.length) {
        const c = line.charCodeAt(j);
        if (c === 61 || isBlank(c) || c === 125 || c === 44) break;
        j++;
      }
      name = line.slice(i, j);
      if (!isLabelName(name)) throw new SampleSyntaxError(`invalid ${what}label name ${JSON.stringify(name)}`);
    }
    if (name === "__name__") throw new SampleSyntaxError(`reserved label name "__name__"`);
    if (isBlank(line.charCodeAt(j))) {
      compact = false;
      j = skipBlanks(line, j);
    }
    if (line.charCodeAt(j) !== 61) throw new SampleSyntaxError(`expected "=" after label name ${JSON.stringify(name)}`);
    if (isBlank(line.charCodeAt(j + 1))) compact = false;
    j = skipBlanks(line, j + 1);
    if (line.charCodeAt(j) !== 34) throw new SampleSyntaxError(`expected '"' to open the value of label ${name}`);
    const close = scanQuoted(line, j + 1);
    if (close === -1) throw new SampleSyntaxError(`unterminated value of label ${name}`);
    for (const existing of labels) {
      if (existing.name === name) throw new SampleSyntaxError(`duplicate label name ${JSON.stringify(name)}`);
    }
    let value = line.slice(j + 1, close);
    if (escapes) {
      const canonical = canonicalEscapes(value);
      if (canonical !== value) {
        compact = false;
        value = canonical;
      }
    }
    labels.push({ name, value });
    i = skipBlanks(line, close + 1);
    if (i !== close + 1) compact = false;
    const c = line.charCodeAt(i);
    if (c === 44) {
      const after = skipBlanks(line, i + 1);
      if (after !== i + 1 || line.charCodeAt(after) === 125) compact = false;
      i = after;
    } else if (c !== 125) {
      throw new SampleSyntaxError(`expected "," or "}" after the value of label ${name}`);
    }
  }
  if (i >= line.length) throw new SampleSyntaxError("unterminated label set");
  return { labels, end: i + 1, compact, name: metricName, nonLegacy };
}

/** Splits the rest of a line on blanks into at most `max` tokens (extra tokens are an error for the caller). */
function tokens(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    i = skipBlanks(text, i);
    if (i >= n) break;
    let j = i;
    while (j < n && !isBlank(text.charCodeAt(j))) j++;
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}

/**
 * Parses one sample line of either format: `name[{labels}] value [timestamp]`, plus an optional
 * OpenMetrics exemplar ` # {labels} value [timestamp]`.
 */
export function parseSampleLine(line: string, openMetrics: boolean): ParsedSample {
  let i = 0;
  const n = line.length;
  if (!openMetrics) i = skipBlanks(line, 0);
  const nameStart = i;
  let name: string;
  let labels: Label[] = NO_LABELS;
  let rawLabels: string | undefined = "";
  let nonLegacy = false;
  if (line.charCodeAt(i) === 123) {
    const parsed = parseLabels(line, i, "", true);
    if (parsed.name === undefined) throw new SampleSyntaxError("metric name missing before the label set");
    name = parsed.name;
    labels = parsed.labels;
    rawLabels = undefined;
    nonLegacy = parsed.nonLegacy;
    i = parsed.end;
  } else {
    while (i < n) {
      const c = line.charCodeAt(i);
      if (c === 123 || isBlank(c)) break;
      i++;
    }
    name = line.slice(nameStart, i);
    if (!isMetricName(name)) throw new SampleSyntaxError(`invalid metric name ${JSON.stringify(name.slice(0, 64))}`);
    const brace = openMetrics ? i : skipBlanks(line, i);
    if (line.charCodeAt(brace) === 123) {
      const parsed = parseLabels(line, brace, "", false);
      labels = parsed.labels;
      rawLabels = parsed.compact ? line.slice(brace + 1, parsed.end - 1) : undefined;
      nonLegacy = parsed.nonLegacy;
      i = parsed.end;
    }
  }
  const series = line.slice(nameStart, i);
  // value [timestamp] [# exemplar], scanned in place (no intermediate arrays on the hot path).
  let j = skipBlanks(line, i);
  if (j === i && i < n) throw new SampleSyntaxError(`expected a blank before the value of ${name}`);
  let k = j;
  while (k < n && !isBlank(line.charCodeAt(k))) k++;
  const valueText = line.slice(j, k);
  if (valueText === "" || valueText === "#") throw new SampleSyntaxError(`missing value for ${name}`);
  const value = normalizeValue(valueText);
  if (value === undefined)
    throw new SampleSyntaxError(`invalid value ${JSON.stringify(valueText.slice(0, 64))} for ${name}`);
  let timestampMs: string | undefined;
  let exemplar: Exemplar | undefined;
  j = skipBlanks(line, k);
  if (j < n && line.charCodeAt(j) !== 35) {
    k = j;
    while (k < n && !isBlank(line.charCodeAt(k))) k++;
    const tsText = line.slice(j, k);
    timestampMs = openMetrics ? normalizeOmTimestamp(tsText) : normalizeTextTimestamp(tsText);
    if (timestampMs === undefined)
      throw new SampleSyntaxError(`invalid timestamp ${JSON.stringify(tsText.slice(0, 64))}`);
    j = skipBlanks(line, k);
  }
  if (j < n) {
    if (line.charCodeAt(j) !== 35) throw new SampleSyntaxError(`unexpected text after the timestamp of ${name}`);
    if (!openMetrics) throw new SampleSyntaxError(`unexpected "#" after the sample value`);
    exemplar = parseExemplar(line.slice(j + 1));
  }
  return { name, labels, rawLabels, series, nonLegacy, value, timestampMs, exemplar };
}

function parseExemplar(text: string): Exemplar {
  const open = text.indexOf("{");
  if (open < 0 || text.slice(0, open).trim() !== "")
    throw new SampleSyntaxError("exemplar must start with a label set");
  const { labels, end } = parseLabels(text, open, "exemplar ", false);
  let chars = 0;
  for (const l of labels) chars += l.name.length + l.value.length;
  if (chars > MAX_EXEMPLAR_LABEL_CHARS)
    throw new SampleSyntaxError(`exemplar labels exceed ${MAX_EXEMPLAR_LABEL_CHARS} characters`);
  const parts = tokens(text.slice(end));
  if (parts.length === 0 || parts.length > 2)
    throw new SampleSyntaxError("exemplar needs a value and an optional timestamp");
  const value = normalizeValue(parts[0]!);
  if (value === undefined)
    throw new SampleSyntaxError(`invalid exemplar value ${JSON.stringify(parts[0]!.slice(0, 64))}`);
  let timestampMs: string | undefined;
  if (parts[1] !== undefined) {
    timestampMs = normalizeOmTimestamp(parts[1]);
    if (timestampMs === undefined) throw new SampleSyntaxError("invalid exemplar timestamp");
  }
  return { labels, value, timestampMs };
}
