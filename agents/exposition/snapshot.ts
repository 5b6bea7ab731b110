import { escapeLabelValue, isLabelName } from "./lexical.js";
import type { OutputFamily, ParsedSample, ParseListener, PromType } from "./types.js";

/**
 * One family of one source, already rendered as 0.0.4 sample lines (each ending in "\n") and encoded as UTF-8,
 * so that serving /metrics copies bytes without re-encoding.
 */
export interface SnapshotFamily {
  name: string;
  type: PromType;
  help: string | undefined;
  bytes: Buffer;
}

/** Everything one target (or the agent itself) contributes to the merged exposition. */
export interface Snapshot {
  families: SnapshotFamily[];
  samples: number;
  /** Series dropped because the same name and labels appeared twice in the body. */
  duplicates: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * Renders parsed samples into 0.0.4 lines with the target's labels injected, Prometheus `honor_labels: false`
 * style: a scraped label that collides with an injected one is renamed `exported_<name>` (repeatedly, until
 * free), and empty-valued scraped labels are dropped (in Prometheus an empty label equals no label).
 * Injected labels whose name starts with `__` or whose value is empty are not emitted.
 * Rendering happens at scrape time, so serving /metrics is only grouping and concatenation.
 */
export class SnapshotBuilder implements ParseListener {
  private readonly injected: string;
  private readonly injectedNames: Set<string>;
  private readonly order: SnapshotFamily[] = [];
  private readonly byFamily = new Map<OutputFamily, { family: SnapshotFamily; parts: string[] }>();
  private readonly seen = new Set<string>();
  private samples = 0;
  private duplicates = 0;

  constructor(injectLabels: Record<string, string>) {
    const names = injectedNames(injectLabels);
    this.injectedNames = new Set(names);
    this.injected = renderInjectedLabels(injectLabels);
  }

  onSample(family: OutputFamily, sample: ParsedSample): void {
    let entry = this.byFamily.get(family);
    if (entry === undefined) {
      entry = { family: { name: family.name, type: family.type, help: family.help, bytes: EMPTY }, parts: [] };
      this.byFamily.set(family, entry);
      this.order.push(entry.family);
    }
    if (this.seen.has(sample.series)) {
      this.duplicates++;
      return;
    }
    this.seen.add(sample.series);
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
    if (labels === undefined) {
      labels = "";
      for (const l of sample.labels) {
        if (l.value === "") continue;
        let name = l.name;
        if (this.injectedNames.has(name)) name = this.exportedName(name, sample);
        labels += labels === "" ? `${name}="${l.value}"` : `,${name}="${l.value}"`;
      }
    }
    if (this.injected !== "") labels = labels === "" ? this.injected : `${labels},${this.injected}`;
    const head = labels === "" ? sample.name : `${sample.name}{${labels}}`;
    this.samples++;
    entry.parts.push(
      sample.timestampMs === undefined
        ? `${head} ${sample.value}\n`
        : `${head} ${sample.value} ${sample.timestampMs}\n`,
    );
  }

  private exportedName(name: string, sample: ParsedSample): string {
    let candidate = `exported_${name}`;
    while (this.injectedNames.has(candidate) || sample.labels.some((l) => l.name === candidate)) {
      candidate = `exported_${candidate}`;
    }
    return candidate;
  }

  /** Finishes the snapshot. HELP is read here because text 0.0.4 allows HELP after a family's samples. */
  build(): Snapshot {
    for (const [out, entry] of this.byFamily) {
      entry.family.help = out.help;
      entry.family.type = out.type;
      entry.family.bytes = Buffer.from(entry.parts.join(""));
      entry.parts = [];
    }
    return { families: this.order, samples: this.samples, duplicates: this.duplicates };
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
