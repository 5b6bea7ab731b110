import { BodySeriesKeys } from "./body-series-keys.js";
import { escapeLabelValue, escapeToLegacy, isLabelName, isMetricName } from "./lexical.js";
import type { Label, OutputFamily, ParsedSample, ParseListener, PromType } from "./types.js";

/**
 * One family of one source, already rendered as 0.0.4 sample lines (each ending in "\n") and encoded as UTF-8,
 * so that serving /metrics copies bytes without re-encoding. Every name in it is in the legacy character set.
 */
export interface SnapshotFamily {
  name: string;
  type: PromType;
  help: string | undefined;
  bytes: Buffer;
}

/** Everything one target (or the agent itself) contributes to the merged exposition. */
export interface Snapshot {
  /** A name may appear twice only with two different types (the merge resolves that). */
  families: SnapshotFamily[];
  samples: number;
  /** The labels injected into every series, sorted by name, values escaped; empty for the agent's own sources. */
  injected: readonly Label[];
  /** Series dropped because the same name and label set (in any order) appeared twice in the body. */
  duplicates: number;
  /** Series whose metric or label name was escaped from UTF-8 to the legacy character set. */
  escaped: number;
  /** Series in which a scraped label was renamed `exported_<name>` because an injected label has its name. */
  exported: number;
  /** Series dropped because escaping made two of their label names equal. */
  invalid: number;
}

/** A source's snapshot from pre-rendered families (the agent's synthetic and own series: nothing injected). */
export function plainSnapshot(families: SnapshotFamily[], samples: number): Snapshot {
  return { families, samples, injected: [], duplicates: 0, escaped: 0, exported: 0, invalid: 0 };
}

const EMPTY = Buffer.alloc(0);

interface Entry {
  out: OutputFamily;
  name: string;
  parts: string[];
}

/**
 * Renders parsed samples into 0.0.4 lines with the target's labels injected, Prometheus `honor_labels: false`
 * style: a scraped label that collides with an injected one is renamed `exported_<name>` (repeatedly, until
 * free), and empty-valued scraped labels are dropped (in Prometheus an empty label equals no label).
 * Injected labels whose name starts with `__` or whose value is empty are not emitted. UTF-8 names (quoted in
 * the body) are escaped with Prometheus's `underscores` scheme. A series whose name and label set (order-
 * insensitive, escaped) was already seen in the body is dropped and counted.
 * Rendering happens at scrape time, so serving /metrics is only grouping and concatenation.
 */
export class SnapshotBuilder implements ParseListener {
  private readonly injected: string;
  private readonly injectedLabels: Label[];
  private readonly injectedNames: Set<string>;
  private readonly entries: Entry[] = [];
  private readonly byFamily = new Map<OutputFamily, Entry>();
  private readonly seen = new Set<string>();
  private readonly keys = new BodySeriesKeys();
  private samples = 0;
  private duplicates = 0;
  private escaped = 0;
  private exported = 0;
  private invalid = 0;

  constructor(injectLabels: Record<string, string>) {
    const names = injectedNames(injectLabels);
    this.injectedNames = new Set(names);
    this.injectedLabels = names.map((n) => ({ name: n, value: escapeLabelValue(injectLabels[n]!) }));
    this.injected = renderInjectedLabels(injectLabels);
  }

  onSample(family: OutputFamily, sample: ParsedSample): void {
    let entry = this.byFamily.get(family);
    if (entry === undefined) {
      entry = {
        out: family,
        name: isMetricName(family.name) ? family.name : escapeToLegacy(family.name, true),
        parts: [],
      };
      this.byFamily.set(family, entry);
      this.entries.push(entry);
    }
    if (sample.nonLegacy) {
      this.onNonLegacySample(entry, sample);
      return;
    }
    const key = this.keys.key(sample.name, sample.labels, sample);
    if (this.seen.has(key)) {
      this.duplicates++;
      return;
    }
    this.seen.add(key);
    let labels = sample.rawLabels;
    // Fast path: the scraped labels can be copied verbatim unless one is empty or collides with an injected one.
    if (labels !== undefined) {
      for (const l of sample.labels) {
        if (l.value === "" || this.injectedNames.has(l.name)) {
          labels = undefined;
          break;
        }
      }
    }
    if (labels === undefined) labels = this.renderScraped(sample.labels);
    this.push(entry, sample.name, labels, sample);
  }

  /** A sample with a UTF-8 metric or label name: escaped, then deduplicated like any other. */
  private onNonLegacySample(entry: Entry, sample: ParsedSample): void {
    const name = isMetricName(sample.name) ? sample.name : escapeToLegacy(sample.name, true);
    const labels: Label[] = [];
    for (const l of sample.labels) {
      const escapedName = isLabelName(l.name) ? l.name : escapeToLegacy(l.name, false);
      if (labels.some((other) => other.name === escapedName)) {
        this.invalid++;
        return;
      }
      labels.push(escapedName === l.name ? l : { name: escapedName, value: l.value });
    }
    const key = this.keys.key(name, labels, undefined);
    if (this.seen.has(key)) {
      this.duplicates++;
      return;
    }
    this.seen.add(key);
    this.escaped++;
    this.push(entry, name, this.renderScraped(labels), sample);
  }

  private renderScraped(scraped: readonly Label[]): string {
    let labels = "";
    let renamed = false;
    for (const l of scraped) {
      if (l.value === "") continue;
      let name = l.name;
      if (this.injectedNames.has(name)) {
        name = this.exportedName(name, scraped);
        renamed = true;
      }
      labels += labels === "" ? `${name}="${l.value}"` : `,${name}="${l.value}"`;
    }
    if (renamed) this.exported++;
    return labels;
  }

  private push(entry: Entry, name: string, scraped: string, sample: ParsedSample): void {
    let labels = scraped;
    if (this.injected !== "") labels = labels === "" ? this.injected : `${labels},${this.injected}`;
    const head = labels === "" ? name : `${name}{${labels}}`;
    this.samples++;
    entry.parts.push(
      sample.timestampMs === undefined
        ? `${head} ${sample.value}\n`
        : `${head} ${sample.value} ${sample.timestampMs}\n`,
    );
  }

  private exportedName(name: string, scraped: readonly Label[]): string {
    let candidate = `exported_${name}`;
    while (this.injectedNames.has(candidate) || scraped.some((l) => l.name === candidate)) {
      candidate = `exported_${candidate}`;
    }
    return candidate;
  }

  /**
   * Finishes the snapshot. HELP and TYPE are read here because text 0.0.4 allows HELP after a family's samples.
   * Families that escaping gave the same name and type are joined into one.
   */
  build(): Snapshot {
    const families: SnapshotFamily[] = [];
    const joined = new Map<string, { family: SnapshotFamily; parts: string[] }>();
    for (const entry of this.entries) {
      const key = `${entry.name} ${entry.out.type}`;
      const existing = joined.get(key);
      if (existing !== undefined) {
        existing.parts.push(...entry.parts);
        existing.family.help ??= entry.out.help;
        continue;
      }
      const family: SnapshotFamily = { name: entry.name, type: entry.out.type, help: entry.out.help, bytes: EMPTY };
      joined.set(key, { family, parts: entry.parts });
      families.push(family);
    }
    for (const { family, parts } of joined.values()) family.bytes = Buffer.from(parts.join(""));
    this.entries.length = 0;
    return {
      families,
      samples: this.samples,
      injected: this.injectedLabels,
      duplicates: this.duplicates,
      escaped: this.escaped,
      exported: this.exported,
      invalid: this.invalid,
    };
  }
}

/** Names of the labels that are injected: valid label names, not `__`-prefixed, non-empty value; sorted. */
function injectedNames(labels: Record<string, string>): string[] {
  return Object.keys(labels)
    .filter((n) => !n.startsWith("__") && labels[n] !== "" && isLabelName(n))
    .sort();
}

/** Renders injected labels as `a="1",b="2"` (no braces), escaped, in name order. */
export function renderInjectedLabels(labels: Record<string, string>): string {
  return injectedNames(labels)
    .map((n) => `${n}="${escapeLabelValue(labels[n]!)}"`)
    .join(",");
}
