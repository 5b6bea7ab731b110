import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** A metric's name, help and label names, as prom-client takes them. */
export interface MetricSpec<L extends string> {
  name: string;
  help: string;
  labelNames?: L[];
}

/**
 * Registers a metric on `registry`, or returns the one already registered under that name, so that a component
 * rebuilt on the same registry (agent restart in-process, tests) does not throw "already registered".
 */
function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  const existing = registry.getSingleMetric(name);
  return existing ? (existing as unknown as T) : create();
}

export function counter<L extends string>(registry: Registry, spec: MetricSpec<L>): Counter<L> {
  return getOrCreate(registry, spec.name, () => new Counter({ ...spec, registers: [registry] }));
}

export function gauge<L extends string>(registry: Registry, spec: MetricSpec<L>): Gauge<L> {
  return getOrCreate(registry, spec.name, () => new Gauge({ ...spec, registers: [registry] }));
}

export function histogram<L extends string>(
  registry: Registry,
  spec: MetricSpec<L> & { buckets: number[] },
): Histogram<L> {
  return getOrCreate(registry, spec.name, () => new Histogram({ ...spec, registers: [registry] }));
}

/**
 * A counter with one label, every listed value of which starts at 0: the series exist (and `rate()` or `increase()`
 * work) before the first event.
 */
export function zeroedCounter<L extends string>(
  registry: Registry,
  spec: { name: string; help: string; label: L; values: readonly string[] },
): Counter<L> {
  const metric = counter(registry, { name: spec.name, help: spec.help, labelNames: [spec.label] });
  for (const value of spec.values) metric.inc({ [spec.label]: value } as Partial<Record<L, string>>, 0);
  return metric;
}
