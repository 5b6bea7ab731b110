import { stringify } from "yaml";

/** The label that tells the two SD jobs' series apart (see {@link prometheusConfig}). */
export const SD_SOURCE_LABEL = "ecsmon_sd";

/**
 * Prometheus configuration for the local stack: targets from the controller's http_sd (and file_sd when a path is
 * given), plus the controller's and agents' own /metrics, and the alert rules when given.
 *
 * Both SD jobs discover the same targets, and a target may set its own `job` label (node-exporter's
 * `PROMETHEUS_LABELS="job=node"` in the demo), which replaces the job name. Without more, the two jobs then write
 * identical series with different samples at the same timestamp, which Prometheus rejects with "different value
 * but same timestamp" warnings. So each SD job stamps its source in {@link SD_SOURCE_LABEL} (`http_sd` or
 * `file_sd`), which keeps their series apart, and lets a query pick one: `up{ecsmon_sd="http_sd"}`.
 */
export function prometheusConfig(options: {
  controllerUrl: string;
  agentAddresses: string[];
  fileSdPath?: string | undefined;
  scrapeInterval?: string;
  /** Alert rule files to load (deploy/prometheus/ecsmon-alerts.yml), evaluated every scrape interval. */
  ruleFiles?: string[] | undefined;
}): string {
  const source = (name: string) => [{ target_label: SD_SOURCE_LABEL, replacement: name }];
  const scrapeConfigs: Record<string, unknown>[] = [
    {
      job_name: "ecsmon-http-sd",
      http_sd_configs: [{ url: `${options.controllerUrl}/sd/prometheus`, refresh_interval: "5s" }],
      relabel_configs: source("http_sd"),
    },
    { job_name: "ecsmon-controller", static_configs: [{ targets: [new URL(options.controllerUrl).host] }] },
    { job_name: "ecsmon-agents", honor_labels: true, static_configs: [{ targets: options.agentAddresses }] },
  ];
  if (options.fileSdPath) {
    scrapeConfigs.push({
      job_name: "ecsmon-file-sd",
      file_sd_configs: [{ files: [options.fileSdPath], refresh_interval: "5s" }],
      relabel_configs: source("file_sd"),
    });
  }
  const interval = options.scrapeInterval ?? "5s";
  return stringify({
    global: { scrape_interval: interval, scrape_timeout: "4s", evaluation_interval: interval },
    ...(options.ruleFiles?.length ? { rule_files: options.ruleFiles } : {}),
    scrape_configs: scrapeConfigs,
  });
}
