import type { Condition } from "../model.js";

/**
 * Condition types whose `True` status is the abnormal one (Kubernetes' "abnormal-true" polarity, as in a node's
 * `MemoryPressure`). Every other type is normal when `True` (`SpecValid`, `ObservationComplete`, …).
 */
export const ABNORMAL_TRUE_CONDITIONS: ReadonlySet<string> = new Set(["NodesWithoutAgent"]);

/** Whether a condition reports a problem, given its type's polarity; `Unknown` always counts as one. */
export function conditionIsAbnormal(condition: Pick<Condition, "type" | "status">): boolean {
  if (condition.status === "Unknown") return true;
  return ABNORMAL_TRUE_CONDITIONS.has(condition.type) ? condition.status === "True" : condition.status !== "True";
}
