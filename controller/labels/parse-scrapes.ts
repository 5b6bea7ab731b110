import { checkMetricsPath } from "./metrics-path.js";

/** One `port[/path]` entry of a scrapes label. `path` is undefined when the entry names only a port. */
export interface ScrapeEntry {
  port: number;
  path?: string | undefined;
}

/** A problem in a docker label value; `position` is the 0-based character offset within the value. */
export interface LabelError {
  label: string;
  position: number;
  message: string;
}

export interface ScrapesParseResult {
  /** Valid entries in order of appearance, without duplicates. */
  entries: ScrapeEntry[];
  /** One error per malformed entry; valid entries beside them still count. */
  errors: LabelError[];
}

/** Formats an error as `PROMETHEUS_SCRAPES: invalid port "80a" at position 5`. */
export function formatLabelError(error: LabelError): string {
  return `${error.label}: ${error.message} at position ${error.position}`;
}

const MAX_VALUE_LENGTH = 4096;

/**
 * Parses a `PROMETHEUS_SCRAPES` value: comma-separated `port[/path]` entries (whitespace around an entry is
 * ignored). Never throws. A port is 1–65535 in decimal digits; anything else in the port position (a host
 * such as `localhost:6379`, `169.254.169.254/latest`, `8080@evil`) is an error naming the offset.
 */
export function parseScrapes(value: string, label = "PROMETHEUS_SCRAPES"): ScrapesParseResult {
  const entries: ScrapeEntry[] = [];
  const errors: LabelError[] = [];
  if (typeof value !== "string") {
    return { entries, errors: [{ label, position: 0, message: "value is not a string" }] };
  }
  if (value.length > MAX_VALUE_LENGTH) {
    return {
      entries,
      errors: [{ label, position: MAX_VALUE_LENGTH, message: `value longer than ${MAX_VALUE_LENGTH}` }],
    };
  }
  if (value.trim() === "") {
    return { entries, errors: [{ label, position: 0, message: "empty value" }] };
  }
  const seen = new Set<string>();
  let start = 0;
  for (const raw of value.split(",")) {
    const result = parseEntry(raw, start, label);
    start += raw.length + 1;
    if ("error" in result) {
      errors.push(result.error);
      continue;
    }
    const key = `${result.entry.port}${result.entry.path ?? ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push(result.entry);
  }
  return { entries, errors };
}

/**
 * Parses seed 002's single `port/path` label (`9100/path/to/metrics`, or a bare port). Commas are not
 * allowed: the label names exactly one endpoint.
 */
export function parsePortPath(value: string, label: string): ScrapesParseResult {
  if (typeof value === "string") {
    const comma = value.indexOf(",");
    if (comma >= 0) {
      return {
        entries: [],
        errors: [{ label, position: comma, message: `"," is not allowed in a single port/path label` }],
      };
    }
  }
  return parseScrapes(value, label);
}

function parseEntry(raw: string, offset: number, label: string): { entry: ScrapeEntry } | { error: LabelError } {
  const lead = raw.length - raw.trimStart().length;
  const text = raw.trim();
  const at = offset + lead;
  if (text === "") return { error: { label, position: offset, message: "empty entry" } };
  const slash = text.indexOf("/");
  const portText = slash < 0 ? text : text.slice(0, slash);
  if (!/^\d{1,5}$/.test(portText)) {
    const bad = [...portText].findIndex((ch) => ch < "0" || ch > "9");
    const detail = bad >= 0 ? ` (unexpected ${JSON.stringify(portText.charAt(bad))})` : "";
    return { error: { label, position: at, message: `invalid port ${JSON.stringify(truncate(portText))}${detail}` } };
  }
  const port = Number(portText);
  if (port < 1 || port > 65_535) {
    return { error: { label, position: at, message: `port ${port} out of range 1-65535` } };
  }
  if (slash < 0) return { entry: { port } };
  const path = text.slice(slash);
  const problem = checkMetricsPath(path);
  if (problem) return { error: { label, position: at + slash + problem.offset, message: problem.message } };
  return { entry: { port, path } };
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
