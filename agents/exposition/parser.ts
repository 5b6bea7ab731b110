import { helpTo004, isMetricName } from "./lexical.js";
import { type MetaLine, splitMeta } from "./meta-line.js";
import { parseSampleLine, SampleSyntaxError } from "./sample-line.js";
import {
  type ExpositionFormat,
  ExpositionParseError,
  type OmType,
  type OutputFamily,
  type ParsedSample,
  type ParseListener,
  type PromType,
} from "./types.js";

/** Limits that keep a hostile body from exhausting memory or CPU. */
export interface ParserLimits {
  /** Longest accepted line, in characters. @defaultValue 1_048_576 */
  maxLineLength?: number;
  /** Most labels on one series. @defaultValue 256 */
  maxLabels?: number;
}

const TEXT_TYPES = new Set<string>(["counter", "gauge", "histogram", "summary", "untyped"]);
const OM_TYPES = new Set<string>([
  "counter",
  "gauge",
  "histogram",
  "gaugehistogram",
  "stateset",
  "info",
  "summary",
  "unknown",
]);

/** Sample-name suffixes each OpenMetrics type allows after the family name. */
const OM_SUFFIXES: Record<OmType, readonly string[]> = {
  counter: ["_total", "_created"],
  gauge: [""],
  histogram: ["_bucket", "_count", "_sum", "_created"],
  gaugehistogram: ["_bucket", "_gcount", "_gsum"],
  stateset: [""],
  info: ["_info"],
  summary: ["", "_count", "_sum", "_created"],
  unknown: [""],
};

interface TextFamily {
  out: OutputFamily;
  typeSeen: boolean;
  helpSeen: boolean;
  hasSamples: boolean;
}

interface OmFamily {
  name: string;
  type: OmType;
  help: string | undefined;
  unit: string | undefined;
  typeSeen: boolean;
  helpSeen: boolean;
  unitSeen: boolean;
  hasSamples: boolean;
  outputs: Map<string, OutputFamily>;
}

/**
 * Streaming parser for Prometheus text 0.0.4 and OpenMetrics 1.0. Feed decoded chunks with {@link push}
 * (any split, including mid-line) and call {@link end} once; each sample reaches the listener as soon as
 * its line is complete, so a malformed body fails at the first bad line without reading the rest.
 * Both methods throw {@link ExpositionParseError}.
 */
export class ExpositionParser {
  private readonly om: boolean;
  private readonly maxLine: number;
  private readonly maxLabels: number;
  private pending = "";
  private lineNo = 0;
  private eof = false;
  private samples = 0;
  private readonly textFamilies = new Map<string, TextFamily>();
  private readonly omFamilies = new Map<string, OmFamily>();
  private current: OmFamily | undefined;
  private readonly outputNames = new Map<string, OutputFamily>();

  constructor(
    readonly format: ExpositionFormat,
    private readonly listener: ParseListener,
    limits: ParserLimits = {},
  ) {
    this.om = format === "openmetrics";
    this.maxLine = limits.maxLineLength ?? 1_048_576;
    this.maxLabels = limits.maxLabels ?? 256;
  }

  /** Samples parsed so far. */
  get sampleCount(): number {
    return this.samples;
  }

  push(chunk: string): void {
    let text = this.pending.length > 0 ? this.pending + chunk : chunk;
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) break;
      this.line(text.slice(start, nl));
      start = nl + 1;
    }
    text = start === 0 ? text : text.slice(start);
    if (text.length > this.maxLine) this.fail(this.lineNo + 1, `line longer than ${this.maxLine} characters`);
    this.pending = text;
  }

  /** Finishes the body: parses a last line without newline and, for OpenMetrics, requires `# EOF`. */
  end(): { samples: number } {
    if (this.pending.length > 0) {
      const last = this.pending;
      this.pending = "";
      this.line(last);
    }
    if (this.om && !this.eof) this.fail(this.lineNo, "missing # EOF at the end of an OpenMetrics body");
    return { samples: this.samples };
  }

  private fail(line: number, message: string): never {
    throw new ExpositionParseError(line, message);
  }

  private line(raw: string): void {
    this.lineNo++;
    if (this.eof) this.fail(this.lineNo, "content after # EOF");
    let line = raw;
    if (!this.om && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (line.length > this.maxLine) this.fail(this.lineNo, `line longer than ${this.maxLine} characters`);
    if (this.om) this.omLine(line);
    else this.textLine(line);
  }

  // ---- Prometheus text 0.0.4 ----

  private textLine(line: string): void {
    let i = 0;
    while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
    if (i === line.length) return;
    if (line.charCodeAt(i) === 35) {
      this.textComment(line.slice(i + 1));
      return;
    }
    const sample = this.parseSample(line);
    const family = this.textFamilyFor(sample.name);
    family.hasSamples = true;
    const type = family.out.type;
    const base = family.out.name;
    if (type === "histogram" && sample.name === `${base}_bucket` && !hasLabel(sample, "le")) {
      this.fail(this.lineNo, `histogram bucket ${sample.name} without an "le" label`);
    }
    if (type === "histogram" && sample.name === base) this.fail(this.lineNo, `histogram ${base} sample needs a suffix`);
    if (type === "summary" && sample.name === base && !hasLabel(sample, "quantile")) {
      this.fail(this.lineNo, `summary ${base} sample without a "quantile" label`);
    }
    this.emit(family.out, sample);
  }

  private textComment(body: string): void {
    const parts = this.meta(body);
    if (parts === undefined) return;
    const [keyword, name, rest, quoted] = parts;
    if (keyword !== "HELP" && keyword !== "TYPE") return;
    if (!quoted && !isMetricName(name))
      this.fail(this.lineNo, `invalid metric name ${JSON.stringify(name.slice(0, 64))} in ${keyword}`);
    let family = this.textFamilies.get(name);
    if (family === undefined) {
      family = {
        out: this.newOutput(name, "untyped", undefined, undefined),
        typeSeen: false,
        helpSeen: false,
        hasSamples: false,
      };
      this.textFamilies.set(name, family);
    }
    if (keyword === "HELP") {
      if (family.helpSeen) this.fail(this.lineNo, `second HELP line for ${name}`);
      family.helpSeen = true;
      family.out.help = helpTo004(rest, false);
      return;
    }
    const type = rest.trim();
    if (!TEXT_TYPES.has(type))
      this.fail(this.lineNo, `unknown metric type ${JSON.stringify(type.slice(0, 32))} for ${name}`);
    if (family.typeSeen) this.fail(this.lineNo, `second TYPE line for ${name}`);
    if (family.hasSamples) this.fail(this.lineNo, `TYPE line for ${name} after its samples`);
    family.typeSeen = true;
    family.out.type = type as PromType;
  }

  private textFamilyFor(sampleName: string): TextFamily {
    const exact = this.textFamilies.get(sampleName);
    if (exact !== undefined) return exact;
    const cut = suffixBase(sampleName);
    if (cut !== undefined) {
      const base = this.textFamilies.get(cut.base);
      if (base !== undefined) {
        const t = base.out.type;
        if (t === "histogram" || (t === "summary" && cut.suffix !== "_bucket")) return base;
      }
    }
    const family: TextFamily = {
      out: this.newOutput(sampleName, "untyped", undefined, undefined),
      typeSeen: false,
      helpSeen: false,
      hasSamples: false,
    };
    this.textFamilies.set(sampleName, family);
    return family;
  }

  // ---- OpenMetrics 1.0 ----

  private omLine(line: string): void {
    if (line.length === 0) this.fail(this.lineNo, "empty line (not allowed in OpenMetrics)");
    if (line.charCodeAt(0) === 35) {
      if (line === "# EOF") {
        this.eof = true;
        return;
      }
      this.omMeta(line);
      return;
    }
    const sample = this.parseSample(line);
    const family = this.omFamilyFor(sample.name);
    family.hasSamples = true;
    const suffix = sample.name.slice(family.name.length);
    this.omValidate(family, suffix, sample);
    this.emit(this.omOutput(family, suffix), sample);
  }

  private omMeta(line: string): void {
    if (!line.startsWith("# ")) this.fail(this.lineNo, "comment lines must be # HELP, # TYPE, # UNIT or # EOF");
    const parts = this.meta(line.slice(1));
    if (parts === undefined) this.fail(this.lineNo, "comment lines must be # HELP, # TYPE, # UNIT or # EOF");
    const [keyword, name, rest, quoted] = parts;
    if (keyword !== "HELP" && keyword !== "TYPE" && keyword !== "UNIT") {
      this.fail(this.lineNo, `unknown metadata keyword ${JSON.stringify(keyword.slice(0, 16))}`);
    }
    if (!quoted && !isMetricName(name))
      this.fail(this.lineNo, `invalid metric family name ${JSON.stringify(name.slice(0, 64))}`);
    let family = this.current;
    if (family === undefined || family.name !== name) {
      if (this.omFamilies.has(name))
        this.fail(this.lineNo, `metric family ${name} appears twice (families must not interleave)`);
      family = this.newOmFamily(name, "unknown");
    } else if (family.hasSamples) {
      this.fail(this.lineNo, `${keyword} for ${name} after its samples`);
    }
    if (keyword === "TYPE") {
      if (family.typeSeen) this.fail(this.lineNo, `second TYPE line for ${name}`);
      if (!OM_TYPES.has(rest))
        this.fail(this.lineNo, `unknown metric type ${JSON.stringify(rest.slice(0, 32))} for ${name}`);
      family.typeSeen = true;
      family.type = rest as OmType;
    } else if (keyword === "HELP") {
      if (family.helpSeen) this.fail(this.lineNo, `second HELP line for ${name}`);
      family.helpSeen = true;
      family.help = helpTo004(rest, true);
    } else {
      if (family.unitSeen) this.fail(this.lineNo, `second UNIT line for ${name}`);
      if (rest !== "" && !name.endsWith(`_${rest}`)) this.fail(this.lineNo, `unit ${rest} is not a suffix of ${name}`);
      family.unitSeen = true;
      family.unit = rest === "" ? undefined : rest;
    }
  }

  private newOmFamily(name: string, type: OmType): OmFamily {
    const family: OmFamily = {
      name,
      type,
      help: undefined,
      unit: undefined,
      typeSeen: false,
      helpSeen: false,
      unitSeen: false,
      hasSamples: false,
      outputs: new Map(),
    };
    this.omFamilies.set(name, family);
    this.current = family;
    return family;
  }

  private omFamilyFor(sampleName: string): OmFamily {
    const cur = this.current;
    if (cur !== undefined && sampleName.startsWith(cur.name)) {
      const suffix = sampleName.slice(cur.name.length);
      if (OM_SUFFIXES[cur.type].includes(suffix)) return cur;
      // Tolerated: `# TYPE foo_total counter` followed by `foo_total` (common in converted 0.0.4 exporters).
      if (cur.type === "counter" && suffix === "" && cur.name.endsWith("_total")) return cur;
    }
    if (this.omFamilies.has(sampleName))
      this.fail(this.lineNo, `metric family ${sampleName} appears twice (families must not interleave)`);
    return this.newOmFamily(sampleName, "unknown");
  }

  private omValidate(family: OmFamily, suffix: string, sample: ParsedSample): void {
    const t = family.type;
    if (sample.exemplar !== undefined) {
      const allowed =
        (t === "counter" && suffix === "_total") ||
        ((t === "histogram" || t === "gaugehistogram") && suffix === "_bucket");
      if (!allowed) this.fail(this.lineNo, `exemplar not allowed on ${sample.name}`);
    }
    if ((t === "histogram" || t === "gaugehistogram") && suffix === "_bucket" && !hasLabel(sample, "le")) {
      this.fail(this.lineNo, `histogram bucket ${sample.name} without an "le" label`);
    }
    if (t === "summary" && suffix === "" && !hasLabel(sample, "quantile")) {
      this.fail(this.lineNo, `summary ${sample.name} sample without a "quantile" label`);
    }
    if (t === "stateset" && !hasLabel(sample, family.name)) {
      this.fail(this.lineNo, `stateset ${family.name} sample without a "${family.name}" label`);
    }
  }

  /** Maps an OpenMetrics (family, suffix) to its 0.0.4 output family; see {@link OutputFamily}. */
  private omOutput(family: OmFamily, suffix: string): OutputFamily {
    const existing = family.outputs.get(suffix);
    if (existing !== undefined) return existing;
    const t = family.type;
    let out: OutputFamily;
    if (suffix === "_created") {
      out = this.newOutput(family.name + suffix, "gauge", family.help, undefined);
    } else if (t === "histogram" || t === "summary") {
      const shared =
        family.outputs.get("") ??
        family.outputs.get("_count") ??
        family.outputs.get("_sum") ??
        family.outputs.get("_bucket");
      out = shared ?? this.newOutput(family.name, t, family.help, family.unit);
    } else if (t === "gaugehistogram" && suffix === "_bucket") {
      out = this.newOutput(family.name, "histogram", family.help, family.unit);
    } else if (t === "counter") {
      out = this.newOutput(family.name + suffix, "counter", family.help, family.unit);
    } else if (t === "unknown") {
      out = this.newOutput(family.name, "untyped", family.help, family.unit);
    } else {
      out = this.newOutput(family.name + suffix, "gauge", family.help, family.unit);
    }
    family.outputs.set(suffix, out);
    return out;
  }

  // ---- shared ----

  private newOutput(name: string, type: PromType, help: string | undefined, unit: string | undefined): OutputFamily {
    if (this.outputNames.has(name)) this.fail(this.lineNo, `metric family ${name} appears twice`);
    const out: OutputFamily = { name, type, help, unit };
    this.outputNames.set(name, out);
    return out;
  }

  private parseSample(line: string): ParsedSample {
    try {
      const sample = parseSampleLine(line, this.om);
      if (sample.labels.length > this.maxLabels) this.fail(this.lineNo, `more than ${this.maxLabels} labels`);
      return sample;
    } catch (error) {
      if (error instanceof SampleSyntaxError) this.fail(this.lineNo, error.message);
      throw error;
    }
  }

  private emit(family: OutputFamily, sample: ParsedSample): void {
    this.samples++;
    this.listener.onSample(family, sample);
  }

  private meta(body: string): MetaLine | undefined {
    try {
      return splitMeta(body);
    } catch (error) {
      if (error instanceof SampleSyntaxError) this.fail(this.lineNo, error.message);
      throw error;
    }
  }
}

function hasLabel(sample: ParsedSample, name: string): boolean {
  for (const l of sample.labels) if (l.name === name) return true;
  return false;
}

/** `_bucket`, `_count`, `_sum` split off a sample name. */
function suffixBase(name: string): { base: string; suffix: string } | undefined {
  for (const suffix of ["_bucket", "_count", "_sum"]) {
    if (name.length > suffix.length && name.endsWith(suffix)) return { base: name.slice(0, -suffix.length), suffix };
  }
  return undefined;
}
