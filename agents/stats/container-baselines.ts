import type { Registry } from "prom-client";
import type { Logger } from "../../lib/logger.js";
import { zeroedCounter } from "../../lib/prom-metrics.js";
import type { RawRead } from "./collectors/types.js";
import { countersReset } from "./formulas.js";
import type { StatsSnapshot } from "./stats-payload.js";

/** Values of `ecsmon_stats_container_events_total{event}`. */
export const CONTAINER_EVENTS = ["restarted", "replaced", "removed", "engine_unreachable"] as const;

/**
 * The previous read of each container (the baseline its rates are computed against) and the lifecycle events
 * that invalidate it, each counted in `ecsmon_stats_container_events_total{event}` and logged:
 * - `replaced`: a new Docker id for the same task container;
 * - `restarted`: a cumulative counter went down under the same id (restarted in place);
 * - `removed`: a container read before is gone (404, or no longer listed even among stopped containers);
 * - `engine_unreachable`: a cycle that could not reach the Docker Engine (baselines are kept through it).
 * Also counts reads without page-cache detail (`ecsmon_stats_memory_detail_missing_total`), logged once per
 * container.
 */
export function createContainerBaselines(deps: { registry: Registry; logger: Logger; source: string }) {
  const { registry, logger: log, source } = deps;
  const events = zeroedCounter(registry, {
    name: "ecsmon_stats_container_events_total",
    help: "Container lifecycle events seen while sampling: restarted (counters reset under the same id), replaced (a new id for the same task container), removed (a container read before no longer exists), engine_unreachable (a cycle that could not reach the Docker Engine).",
    label: "event",
    values: CONTAINER_EVENTS,
  });
  const noMemoryDetail = zeroedCounter(registry, {
    name: "ecsmon_stats_memory_detail_missing_total",
    help: "Reads whose memory_stats.stats had neither total_inactive_file nor inactive_file: page cache is then counted as used.",
    label: "source",
    values: [source],
  });

  /** Previous read per container key (taskArn/container), with the runtime id it came from. */
  const previous = new Map<string, { runtimeId: string; snapshot: StatsSnapshot }>();
  const loggedNoDetail = new Set<string>();
  let engineAway = false;

  return {
    /** Counts a cycle whose reads show the engine away; logs when it goes away and when it is back. */
    noteEngine(reads: Iterable<RawRead>): void {
      const away = [...reads].some((r) => !r.ok && r.reason === "unreachable");
      if (away) events.inc({ event: "engine_unreachable" });
      if (away === engineAway) return;
      engineAway = away;
      if (away) log.warn("Docker Engine unreachable; keeping baselines until it is back");
      else log.info("Docker Engine reachable again");
    },

    /** A container was not found: drops its baseline, counting `removed` once. */
    notFound(key: string): void {
      if (!previous.delete(key)) return;
      events.inc({ event: "removed" });
      log.info({ container: key }, "container gone; its baseline is dropped");
    },

    /**
     * Records `current` as the key's latest read and returns the previous one when it is comparable, else
     * undefined (first read, replaced, restarted).
     */
    advance(key: string, runtimeId: string, current: StatsSnapshot): StatsSnapshot | undefined {
      const prior = previous.get(key);
      previous.set(key, { runtimeId, snapshot: current });
      if (current.memory?.detail === "none") {
        noMemoryDetail.inc({ source });
        if (!loggedNoDetail.has(key)) {
          loggedNoDetail.add(key);
          log.warn(
            { container: key },
            "stats payload has no memory_stats.stats inactive_file detail: page cache is counted as used memory",
          );
        }
      }
      if (!prior) return undefined;
      if (prior.runtimeId !== runtimeId) {
        events.inc({ event: "replaced" });
        log.info({ container: key, runtimeId: runtimeId.slice(0, 12) }, "container replaced; baseline dropped");
        return undefined;
      }
      if (countersReset(current, prior.snapshot)) {
        events.inc({ event: "restarted" });
        log.info({ container: key, runtimeId: runtimeId.slice(0, 12) }, "container restarted; baseline dropped");
        return undefined;
      }
      return prior.snapshot;
    },

    /** Forgets every container whose key is not in `keep`. */
    retain(keep: ReadonlySet<string>): void {
      for (const key of previous.keys()) if (!keep.has(key)) previous.delete(key);
      for (const key of loggedNoDetail) if (!keep.has(key)) loggedNoDetail.delete(key);
    },
  };
}

export type ContainerBaselines = ReturnType<typeof createContainerBaselines>;
