export {
  type ContainerEndpoint,
  type ContainerScrapes,
  DEFAULT_METRICS_PATH,
  readContainerScrapes,
} from "./container-scrapes.js";
export { checkMetricsPath, type PathProblem } from "./metrics-path.js";
export { parseUserLabels, type UserLabelsParseResult } from "./parse-labels.js";
export {
  formatLabelError,
  type LabelError,
  parsePortPath,
  parseScrapes,
  type ScrapeEntry,
  type ScrapesParseResult,
} from "./parse-scrapes.js";
