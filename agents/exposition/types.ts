/** Wire formats the agent can parse. `text` is Prometheus text 0.0.4; `openmetrics` is OpenMetrics 1.0. */
export type ExpositionFormat = "text" | "openmetrics";

/** Family types of the Prometheus text 0.0.4 format, which is what the merged /metrics is written in. */
export type PromType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

/** OpenMetrics 1.0 family types. */
export type OmType = "counter" | "gauge" | "histogram" | "gaugehistogram" | "stateset" | "info" | "summary" | "unknown";

/**
 * A label as parsed. `value` keeps its escapes in canonical form (`\\`, `\"`, `\n`; an unknown escape's
 * backslash doubled) so it can be re-emitted verbatim. `name` is unescaped and may be any UTF-8 when it was quoted.
 */
export interface Label {
  name: string;
  value: string;
}

/** An OpenMetrics exemplar (`# {trace_id="x"} 1.0 123`). Validated, then dropped from the 0.0.4 output. */
export interface Exemplar {
  labels: Label[];
  value: string;
  timestampMs: string | undefined;
}

/** One sample line. `value` is normalized (`NaN`, `+Inf`, `-Inf`, or the number as written). */
export interface ParsedSample {
  name: string;
  labels: Label[];
  /** The label text between the braces when it is compact (no blanks, no trailing comma), else undefined. */
  rawLabels: string | undefined;
  /** Name plus label set as written. */
  series: string;
  /** The metric name or a label name was quoted and lies outside the legacy character set (Prometheus 3 UTF-8). */
  nonLegacy: boolean;
  value: string;
  /** Milliseconds since the epoch as an integer string (OpenMetrics seconds are converted). */
  timestampMs: string | undefined;
  exemplar: Exemplar | undefined;
}

/**
 * A family as it will be written in the text 0.0.4 output. OpenMetrics families are mapped: a counter `foo`
 * becomes `foo_total`, `_created` series become gauge families `<name>_created`, `info` becomes a gauge
 * `<name>_info`, stateset a gauge, gaugehistogram a histogram `<name>` holding the `_bucket` series plus gauges
 * `<name>_gcount` and `<name>_gsum` (0.0.4 has no gauge histogram), unknown → untyped.
 * `help` is escaped for 0.0.4 (`\\` and `\n`). The object is shared by every sample of the family.
 */
export interface OutputFamily {
  name: string;
  type: PromType;
  help: string | undefined;
  /** OpenMetrics `# UNIT`, informational only (0.0.4 has no unit line). */
  unit: string | undefined;
}

/** Receives each sample as soon as its line has been parsed. */
export interface ParseListener {
  onSample(family: OutputFamily, sample: ParsedSample): void;
}

/** A malformed body. The message names the line: `line 3: invalid metric name "3foo"`. */
export class ExpositionParseError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = "ExpositionParseError";
    this.line = line;
  }
}
