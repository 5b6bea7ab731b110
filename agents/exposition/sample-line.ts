import {
  isLabelName,
  isMetricName,
  normalizeOmTimestamp,
  normalizeTextTimestamp,
  normalizeValue,
  scanQuoted,
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

/**
 * Parses `{a="b",c="d"}` starting at the `{`; returns the labels, the index after `}`, and `compact`: whether
 * the text between the braces has no blanks and no trailing comma (so it can be re-emitted verbatim).
 */
function parseLabels(line: string, open: number, what: string): { labels: Label[]; end: number; compact: boolean } {
  const labels: Label[] = [];
  let i = skipBlanks(line, open + 1);
  let compact = i === open + 1;
  while (i < line.length && line.charCodeAt(i) !== 125) {
    let j = i;
    while (j < line.length) {
      const c = line.charCodeAt(j);
      if (c === 61 || isBlank(c) || c === 125 || c === 44) break;
      j++;
    }
    const name = line.slice(i, j);
    if (!isLabelName(name)) throw new SampleSyntaxError(`invalid ${what} label name ${JSON.stringify(name)}`);
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
    if (close === -2) throw new SampleSyntaxError(`invalid escape sequence in the value of label ${name}`);
    if (close === -1) throw new SampleSyntaxError(`unterminated value of label ${name}`);
    for (const existing of labels) {
      if (existing.name === name) throw new SampleSyntaxError(`duplicate label name ${JSON.stringify(name)}`);
    }
    labels.push({ name, value: line.slice(j + 1, close) });
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
  return { labels, end: i + 1, compact };
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
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 123 || isBlank(c)) break;
    i++;
  }
  const name = line.slice(nameStart, i);
  if (!isMetricName(name)) throw new SampleSyntaxError(`invalid metric name ${JSON.stringify(name.slice(0, 64))}`);
  let labels: Label[] = NO_LABELS;
  let rawLabels: string | undefined = "";
  const brace = openMetrics ? i : skipBlanks(line, i);
  if (line.charCodeAt(brace) === 123) {
    const parsed = parseLabels(line, brace, "");
    labels = parsed.labels;
    rawLabels = parsed.compact ? line.slice(brace + 1, parsed.end - 1) : undefined;
    i = parsed.end;
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
  return { name, labels, rawLabels, series, value, timestampMs, exemplar };
}

function parseExemplar(text: string): Exemplar {
  const open = text.indexOf("{");
  if (open < 0 || text.slice(0, open).trim() !== "")
    throw new SampleSyntaxError("exemplar must start with a label set");
  const { labels, end } = parseLabels(text, open, "exemplar");
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
