import { Gauge, type Registry } from "prom-client";
import type { Condition } from "../model.js";

export interface ConditionSources {
  /** Conditions of the spec in force (SpecValid, SpecAvailable, …). */
  specConditions: () => readonly Condition[];
  /** Names of the clusters the spec in force lists (0 before a spec is loaded). */
  specClusters: () => readonly string[];
  /** Conditions of each cluster this replica holds. */
  clusterConditions: () => Iterable<[cluster: string, conditions: readonly Condition[]]>;
}

/**
 * Conditions as gauges, read at scrape time so that they can never disagree with the status API:
 * `ecsmon_spec_condition{type,status,reason}` and `ecsmon_cluster_condition{cluster,type,status,reason}` hold one
 * series of value 1 per condition, labelled with its current status and reason (an alert matches the bad status
 * and can leave out benign reasons such as `EventsFlowing=False/NotConfigured`), and `ecsmon_spec_clusters` counts the clusters the spec lists, which alert rules
 * compare with `sum(ecsmon_leases_held)` to find clusters without a lease holder.
 */
export function registerConditionMetrics(registry: Registry, sources: ConditionSources): void {
  const setAll = (gauge: Gauge<string>, conditions: readonly Condition[], base: Record<string, string>) => {
    for (const c of conditions) gauge.set({ ...base, type: c.type, status: c.status, reason: c.reason }, 1);
  };
  new Gauge({
    name: "ecsmon_spec_condition",
    help: "Conditions of the spec in force, one series per condition with its current status and reason.",
    labelNames: ["type", "status", "reason"],
    registers: [registry],
    collect() {
      this.reset();
      setAll(this, sources.specConditions(), {});
    },
  });
  new Gauge({
    name: "ecsmon_cluster_condition",
    help: "Conditions of each cluster this replica holds, one series per condition with its current status and reason.",
    labelNames: ["cluster", "type", "status", "reason"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [cluster, conditions] of sources.clusterConditions()) setAll(this, conditions, { cluster });
    },
  });
  new Gauge({
    name: "ecsmon_spec_clusters",
    help: "Clusters listed by the spec in force.",
    registers: [registry],
    collect() {
      this.set(sources.specClusters().length);
    },
  });
}
