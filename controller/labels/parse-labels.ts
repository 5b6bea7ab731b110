import { checkMetricsPath, describeChar } from "./metrics-path.js";
import type { LabelError } from "./parse-scrapes.js";

export interface UserLabelsParseResult {
  /** Ordinary `key=value` labels (never starting with "__"). */
  labels: Record<string, string>;
  /** From `__scheme__`. */
  scheme?: "http" | "https" | undefined;
  /** From `__metrics_path__`; used for entries that name no path of their own. */
  metricsPath?: string | undefined;
  errors: LabelError[];
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MAX_VALUE_LENGTH = 4096;
const MAX_LABEL_VALUE = 1024;

/**
 * Parses a `PROMETHEUS_LABELS` value: comma-separated `key=value` pairs. Never throws. Keys are Prometheus
 * label names; `__scheme__` (http|https) and `__metrics_path__` (a safe path) are the only reserved names
 * accepted, every other `__` name (such as `__address__`) is rejected because it would change where or how
 * the agent scrapes. Values may not contain control characters. Any error makes the whole value unusable.
 */
export function parseUserLabels(value: string, label = "PROMETHEUS_LABELS"): UserLabelsParseResult {
  const result: UserLabelsParseResult = { labels: {}, errors: [] };
  if (typeof value !== "string") {
    result.errors.push({ label, position: 0, message: "value is not a string" });
    return result;
  }
  if (value.length > MAX_VALUE_LENGTH) {
    result.errors.push({ label, position: MAX_VALUE_LENGTH, message: `value longer than ${MAX_VALUE_LENGTH}` });
    return result;
  }
  if (value.trim() === "") return result;
  let offset = 0;
  for (const raw of value.split(",")) {
    const at = offset;
    offset += raw.length + 1;
    const error = parsePair(raw, at, label, result);
    if (error) result.errors.push(error);
  }
  return result;
}

function parsePair(raw: string, offset: number, label: string, into: UserLabelsParseResult): LabelError | undefined {
  const lead = raw.length - raw.trimStart().length;
  const text = raw.trim();
  const at = offset + lead;
  if (text === "") return { label, position: offset, message: "empty entry" };
  const eq = text.indexOf("=");
  if (eq < 0) return { label, position: at, message: `expected key=value, got ${JSON.stringify(clip(text))}` };
  const key = text.slice(0, eq).trim();
  const val = text.slice(eq + 1).trim();
  const valueAt = at + eq + 1 + (text.slice(eq + 1).length - text.slice(eq + 1).trimStart().length);
  if (!LABEL_NAME.test(key)) return { label, position: at, message: `invalid label name ${JSON.stringify(clip(key))}` };
  for (let i = 0; i < val.length; i++) {
    const code = val.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) {
      return { label, position: valueAt + i, message: `control character ${describeChar(val.charAt(i))} in value` };
    }
  }
  if (val.length > MAX_LABEL_VALUE)
    return { label, position: valueAt, message: `value longer than ${MAX_LABEL_VALUE}` };
  if (key === "__scheme__") {
    if (val !== "http" && val !== "https") {
      return {
        label,
        position: valueAt,
        message: `__scheme__ must be http or https, got ${JSON.stringify(clip(val))}`,
      };
    }
    into.scheme = val;
    return undefined;
  }
  if (key === "__metrics_path__") {
    const problem = checkMetricsPath(val);
    if (problem) return { label, position: valueAt + problem.offset, message: `__metrics_path__: ${problem.message}` };
    into.metricsPath = val;
    return undefined;
  }
  if (key.startsWith("__")) return { label, position: at, message: `reserved label name ${JSON.stringify(key)}` };
  into.labels[key] = val;
  return undefined;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
