import type { Label, ParsedSample } from "./types.js";

/** Scratch index list for {@link seriesKey} (single-threaded; never escapes the call). */
const order: number[] = [];

/** The identity of a series: its name and its non-empty labels sorted by name, as a compact 0.0.4 series. */
export function seriesKey(name: string, labels: readonly Label[]): string {
  order.length = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label.value === "") continue;
    let j = order.length;
    while (j > 0 && labels[order[j - 1]!]!.name > label.name) {
      order[j] = order[j - 1]!;
      j--;
    }
    order[j] = i;
  }
  if (order.length === 0) return name;
  let key = `${name}{`;
  for (let k = 0; k < order.length; k++) {
    const label = labels[order[k]!]!;
    key += `${k === 0 ? "" : ","}${label.name}="${label.value}"`;
  }
  return `${key}}`;
}

/**
 * Keys that identify a series within ONE body whatever the order of its labels, cheap in the common case.
 * Exporters repeat a metric's label order on every line, so the reference order of a label-name set is the one
 * the first sample of that metric name used: a sample written in it (compact, no empty value) is keyed by its
 * text as written, with no string built. A sample with the same names in another order is rebuilt in the
 * reference order; any other name set is keyed sorted by name ({@link seriesKey}). Each name set thus has one
 * form, so equal series get equal keys.
 */
export class BodySeriesKeys {
  private readonly orders = new Map<string, string[]>();
  private lastName: string | undefined;
  private lastOrder: string[] = [];

  key(name: string, labels: readonly Label[], sample: ParsedSample | undefined): string {
    let ref = name === this.lastName ? this.lastOrder : this.orders.get(name);
    if (ref === undefined) {
      ref = [];
      for (const l of labels) if (l.value !== "") ref.push(l.name);
      this.orders.set(name, ref);
    }
    this.lastName = name;
    this.lastOrder = ref;
    if (sample?.rawLabels !== undefined && labels.length === ref.length && inOrder(labels, ref)) {
      const expected = ref.length === 0 ? name.length : name.length + sample.rawLabels.length + 2;
      if (sample.series.length === expected) return sample.series;
    }
    return sameNames(labels, ref) ? keyInOrder(name, labels, ref) : seriesKey(name, labels);
  }
}

function inOrder(labels: readonly Label[], ref: readonly string[]): boolean {
  for (let i = 0; i < ref.length; i++) {
    const l = labels[i]!;
    if (l.name !== ref[i] || l.value === "") return false;
  }
  return true;
}

function sameNames(labels: readonly Label[], ref: readonly string[]): boolean {
  let n = 0;
  for (const l of labels) {
    if (l.value === "") continue;
    if (!ref.includes(l.name)) return false;
    n++;
  }
  return n === ref.length;
}

function keyInOrder(name: string, labels: readonly Label[], ref: readonly string[]): string {
  if (ref.length === 0) return name;
  let key = `${name}{`;
  for (let k = 0; k < ref.length; k++) {
    const label = labels.find((l) => l.name === ref[k])!;
    key += `${k === 0 ? "" : ","}${label.name}="${label.value}"`;
  }
  return `${key}}`;
}
