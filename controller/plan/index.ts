export { isIpv4, resolveAddress } from "./address.js";
export type { ContainerOutcome, ContainerVerdict } from "./evaluate-task.js";
export { type ContainerExplanation, type ExplainReason, explain, type TaskExplanation } from "./explain.js";
export { cloudMapMetaLabels, ecsMetaLabels, sanitizeLabelName } from "./meta-labels.js";
export { plan } from "./plan.js";
export { NameMatcher, TaskSelector } from "./selector.js";
