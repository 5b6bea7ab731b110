import type { ScrapeConfig } from "../../crds-like-schemas/index.js";
import { parseUserLabels, type UserLabelsParseResult } from "./parse-labels.js";
import { type LabelError, parsePortPath, parseScrapes } from "./parse-scrapes.js";

/** One endpoint to scrape on a container, with every default applied. */
export interface ContainerEndpoint {
  port: number;
  path: string;
  scheme: "http" | "https";
}

/** What a container's docker labels ask for. */
export type ContainerScrapes =
  /** None of the configured labels is present: the container is not a target. */
  | { kind: "none" }
  | {
      kind: "scrapes";
      /** Which label named the endpoints. */
      source: string;
      endpoints: ContainerEndpoint[];
      /** User labels from the labels label (no `__` names). */
      labels: Record<string, string>;
      /** Errors in either label. A labels-label error leaves `endpoints` empty: scheme and path are unknown. */
      errors: LabelError[];
    };

export const DEFAULT_METRICS_PATH = "/metrics";

type LabelNames = Pick<ScrapeConfig, "labels" | "scheme">;

/**
 * Reads the scrape labels of one container definition. Path precedence: the entry's own path, then
 * `__metrics_path__`, then `/metrics`. Scheme: `__scheme__`, then the spec's scheme. The scrapes label wins
 * over seed 002's `portPath` label when both are present. Never throws.
 */
export function readContainerScrapes(dockerLabels: Record<string, string>, config: LabelNames): ContainerScrapes {
  const names = config.labels;
  const scrapesValue = own(dockerLabels, names.scrapes);
  const portPathValue = names.portPath ? own(dockerLabels, names.portPath) : undefined;
  let source: string;
  let parsed: ReturnType<typeof parseScrapes>;
  if (scrapesValue !== undefined) {
    source = names.scrapes;
    parsed = parseScrapes(scrapesValue, names.scrapes);
  } else if (portPathValue !== undefined && names.portPath) {
    source = names.portPath;
    parsed = parsePortPath(portPathValue, names.portPath);
  } else {
    return { kind: "none" };
  }
  const labelsValue = own(dockerLabels, names.labels);
  const user: UserLabelsParseResult =
    labelsValue === undefined ? { labels: {}, errors: [] } : parseUserLabels(labelsValue, names.labels);
  const errors = [...parsed.errors, ...user.errors];
  if (user.errors.length > 0) return { kind: "scrapes", source, endpoints: [], labels: {}, errors };
  const scheme = user.scheme ?? config.scheme;
  const fallbackPath = user.metricsPath ?? DEFAULT_METRICS_PATH;
  const endpoints = parsed.entries.map((entry) => ({ port: entry.port, path: entry.path ?? fallbackPath, scheme }));
  return { kind: "scrapes", source, endpoints, labels: user.labels, errors };
}

function own(record: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
