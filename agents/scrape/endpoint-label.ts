import type { ScrapeTarget } from "../../crds-like-schemas/index.js";

/**
 * The label that tells apart the endpoints of one container. `PROMETHEUS_SCRAPES="8080/internal/metrics,9106"`
 * makes two targets with the same task and container labels; without it their identical series (a client
 * library's `process_*`, for instance) would be the same series twice in the merged /metrics (ADR 0044).
 */
export const ENDPOINT_LABEL = "metrics_endpoint";

/**
 * `<port><path>` of a target, as `PROMETHEUS_SCRAPES` writes it with the path made explicit (`8080/internal/metrics`,
 * `9106/metrics`). The port is the container port, taken from the target id (`…/<port><path>`, the contract in
 * `crds-like-schemas/contracts/scrape-target.ts`); the address port (the host port in bridge mode) is the fallback.
 */
export function endpointOf(target: ScrapeTarget): string {
  const { id, metricsPath, address } = target;
  if (id.endsWith(metricsPath)) {
    const head = id.slice(0, id.length - metricsPath.length);
    const port = head.slice(head.lastIndexOf("/") + 1);
    if (/^\d{1,5}$/.test(port)) return `${port}${metricsPath}`;
  }
  return `${address.slice(address.lastIndexOf(":") + 1)}${metricsPath}`;
}

/** The labels the agent injects into every series of a target: the controller's, plus {@link ENDPOINT_LABEL}. */
export function injectedLabels(target: ScrapeTarget): Record<string, string> {
  return { ...target.labels, [ENDPOINT_LABEL]: endpointOf(target) };
}
