import { stringify } from "yaml";

/**
 * Prometheus configuration for the local stack: targets from the controller's http_sd (and file_sd when a path is
 * given), plus the controller's and agents' own /metrics.
 */
export function prometheusConfig(options: {
  controllerUrl: string;
  agentAddresses: string[];
  fileSdPath?: string | undefined;
  scrapeInterval?: string;
}): string {
  const scrapeConfigs: Record<string, unknown>[] = [
    {
      job_name: "ecsmon-http-sd",
      http_sd_configs: [{ url: `${options.controllerUrl}/sd/prometheus`, refresh_interval: "5s" }],
    },
    { job_name: "ecsmon-controller", static_configs: [{ targets: [new URL(options.controllerUrl).host] }] },
    { job_name: "ecsmon-agents", honor_labels: true, static_configs: [{ targets: options.agentAddresses }] },
  ];
  if (options.fileSdPath) {
    scrapeConfigs.push({
      job_name: "ecsmon-file-sd",
      file_sd_configs: [{ files: [options.fileSdPath], refresh_interval: "5s" }],
    });
  }
  return stringify({
    global: { scrape_interval: options.scrapeInterval ?? "5s", scrape_timeout: "4s" },
    scrape_configs: scrapeConfigs,
  });
}
