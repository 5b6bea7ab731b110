import { SeededRng } from "../../lib/rng.js";
import type { ClusterStore } from "../state/cluster-store.js";
import type { Scenario } from "./schema.js";

export interface ChurnHandle {
  stop(): void;
  /** Tasks started and stopped so far. */
  counts(): { started: number; stopped: number };
}

/** `startedBy` of churn tasks, so that they can be told apart. */
export const CHURN_STARTED_BY = "ecsmon-sim/churn";

/**
 * Starts and stops standalone tasks at the scenario's per-minute rates, ticking every `tickMs`. Starts
 * round-robin over `taskDefinitions`; stops pick a running standalone task with the seeded RNG (service
 * tasks are left to their scheduler). Fractions carry over between ticks so low rates are exact.
 */
export function startChurn(
  store: ClusterStore,
  churn: NonNullable<Scenario["churn"]>,
  scenario: Pick<Scenario, "cluster" | "seed">,
  tickMs = 1000,
): ChurnHandle {
  const rng = new SeededRng(scenario.seed ^ 0x2545f491);
  const cluster = store.cluster(churn.cluster ?? scenario.cluster);
  let startCredit = 0;
  let stopCredit = 0;
  let next = 0;
  let started = 0;
  let stopped = 0;
  const timer = setInterval(() => {
    if (!cluster) return;
    startCredit += (churn.startsPerMinute * tickMs) / 60_000;
    stopCredit += (churn.stopsPerMinute * tickMs) / 60_000;
    while (startCredit >= 1) {
      startCredit--;
      const def = churn.taskDefinitions[next++ % churn.taskDefinitions.length]!;
      try {
        started += store.runTask({ cluster: cluster.clusterArn, taskDefinition: def, startedBy: CHURN_STARTED_BY })
          .tasks.length;
      } catch {
        // A churn definition that no longer resolves is skipped; churn must never crash the simulator.
      }
    }
    if (stopCredit >= 1) {
      const candidates = store
        .tasks(cluster.clusterArn)
        .filter((t) => !t.serviceName && t.desiredStatus === "RUNNING" && t.lastStatus === "RUNNING");
      while (stopCredit >= 1) {
        stopCredit--;
        const victim = rng.pick(candidates);
        if (!victim) {
          stopCredit = 0;
          break;
        }
        candidates.splice(candidates.indexOf(victim), 1);
        store.stopTask(victim.taskArn, "Stopped by simulated churn");
        stopped++;
      }
    }
  }, tickMs);
  timer.unref?.();
  return {
    stop: () => clearInterval(timer),
    counts: () => ({ started, stopped }),
  };
}
