/** Entry points of the simulated node surfaces, for sim/index.ts and tests. */
export { type CgroupVersion, dockerStats, type StatsProfile } from "./docker-stats.js";
export { type NodeSurfaces, type NodeSurfacesOptions, startNodeSurfaces } from "./node-surfaces.js";
export { enisOfInstance, primaryEniOf, type SimEni } from "./placement.js";
export { CGROUP_ATTRIBUTE, createStatsGenerator, type StatsGenerator } from "./stats-generator.js";
export { startTaskMetadataEndpoint, type TaskMetadataEndpoint } from "./task-metadata-server.js";
