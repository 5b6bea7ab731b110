export * from "./common.js";
export * from "./contracts/node-sync.js";
export * from "./contracts/reports.js";
export * from "./contracts/scrape-target.js";
export * from "./monitoring-spec.js";
