export { trunkBranchEnis } from "../../lib/aws/eni-trunking-limits.js";
export type { CloudMapApi, Ec2Api, EcsApi, Out } from "./aws-apis.js";
export type { CycleStats } from "./call-stats.js";
export { observeCloudMap } from "./cloud-map-observer.js";
export { ClusterObserver, type ClusterObserverOptions, type ObserveOptions } from "./cluster-observer.js";
export { arnId, type ContainerInstanceLike, type TaskLike, toObservedTask } from "./ecs-mappers.js";
export { cloudMapApiFromClient, ec2ApiFromClient, ecsApiFromClient } from "./sdk-adapters.js";
export type { TaskEventResult } from "./task-cache.js";
