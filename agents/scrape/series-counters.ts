import type { Counter, Registry } from "prom-client";
import { zeroedCounter } from "../../lib/prom-metrics.js";
import type { MergeStats } from "../exposition/merge.js";
import type { Snapshot } from "../exposition/snapshot.js";

/** Why a scraped series did not reach the merged /metrics. */
export const DROP_REASONS = [
  "duplicate_in_target",
  "duplicate_across_targets",
  "type_conflict",
  "label_clash_after_escaping",
] as const;
/** Why a scraped series reached the merged /metrics other than as the target wrote it. */
export const CHANGE_REASONS = [
  "name_escaped",
  "label_exported",
  "untyped_on_type_conflict",
  "folded_into_family",
] as const;

/**
 * `ecsmon_agent_merge_series_dropped_total{reason}` and `ecsmon_agent_merge_series_changed_total{reason}`. What one
 * body does is counted once per scrape of the target; what the merge does, once per /metrics render (so it shows
 * in the next render).
 */
export class SeriesCounters {
  private readonly dropped: Counter<"reason">;
  private readonly changed: Counter<"reason">;

  constructor(registry: Registry) {
    this.dropped = zeroedCounter(registry, {
      name: "ecsmon_agent_merge_series_dropped_total",
      help: "Scraped series left out of the merged /metrics, by reason (per scrape for one body, per render for the merge).",
      label: "reason",
      values: DROP_REASONS,
    });
    this.changed = zeroedCounter(registry, {
      name: "ecsmon_agent_merge_series_changed_total",
      help: "Scraped series written to the merged /metrics renamed, retyped or moved into another family, by reason.",
      label: "reason",
      values: CHANGE_REASONS,
    });
  }

  countSnapshot(snapshot: Snapshot): void {
    this.add(this.dropped, "duplicate_in_target", snapshot.duplicates);
    this.add(this.dropped, "label_clash_after_escaping", snapshot.invalid);
    this.add(this.changed, "name_escaped", snapshot.escaped);
    this.add(this.changed, "label_exported", snapshot.exported);
  }

  countMerge(stats: MergeStats): void {
    this.add(this.dropped, "duplicate_across_targets", stats.duplicates);
    this.add(this.dropped, "type_conflict", stats.typeConflicts);
    this.add(this.changed, "untyped_on_type_conflict", stats.untyped);
    this.add(this.changed, "folded_into_family", stats.folded);
  }

  private add(counter: Counter<"reason">, reason: string, n: number): void {
    if (n > 0) counter.inc({ reason }, n);
  }
}
