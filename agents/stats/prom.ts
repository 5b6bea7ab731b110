import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/**
 * Registers a metric on `registry`, or returns the one already registered under that name, so that a handler
 * rebuilt on the same registry (agent restart in-process, tests) does not throw "already registered".
 */
function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  const existing = registry.getSingleMetric(name);
  return existing ? (existing as unknown as T) : create();
}

export function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[] = [],
): Counter<L> {
  return getOrCreate(registry, name, () => new Counter({ name, help, labelNames, registers: [registry] }));
}

export function gauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[] = [],
): Gauge<L> {
  return getOrCreate(registry, name, () => new Gauge({ name, help, labelNames, registers: [registry] }));
}

export function histogram<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  buckets: number[],
  labelNames: L[] = [],
): Histogram<L> {
  return getOrCreate(registry, name, () => new Histogram({ name, help, buckets, labelNames, registers: [registry] }));
}
