import { emptyPlan, type ImportInput, type ImportPlan } from "./import-plan.js";
import { isPlaceholder, type Located, readEnvFile } from "./read-input.js";

/**
 * Seed 002 (ecs_service_metrics_exporter): its environment as a `KEY=VALUE` file (its `.env.example` format):
 * `DOCKER_LABEL_HAS_METRICS` becomes `scrape.labels.portPath`; `HTTP_LISTEN_PORT` is the agent's listen port,
 * which is agent configuration rather than spec, so it is listed with the setting to use.
 */
export function importServiceMetricsExporter(input: ImportInput): ImportPlan {
  const plan = emptyPlan("service-metrics-exporter");
  const env = readEnvFile(input);
  const where = (name: string, at: Located) => `ecs_service_metrics_exporter ${name} (${input.name}:${at.line})`;
  const label = env.get("DOCKER_LABEL_HAS_METRICS");
  plan.clusterValues.push({ path: ["scrape", "enabled"], value: true, from: "replaces ecs_service_metrics_exporter" });
  if (label && label.value !== "" && !isPlaceholder(label.value))
    plan.clusterValues.push({
      path: ["scrape", "labels", "portPath"],
      value: label.value,
      from: `${where("DOCKER_LABEL_HAS_METRICS", label)}: its port/path label`,
    });
  else
    plan.unconverted.push({
      value: label ? `DOCKER_LABEL_HAS_METRICS=${label.value}` : "DOCKER_LABEL_HAS_METRICS (missing)",
      reason: "the docker label name is required to find the containers; set scrape.labels.portPath by hand",
    });
  for (const [name, at] of env) {
    if (name === "DOCKER_LABEL_HAS_METRICS") continue;
    if (name === "HTTP_LISTEN_PORT")
      plan.unconverted.push({
        value: `HTTP_LISTEN_PORT=${at.value}`,
        reason: `the agent's listen address is agent configuration, not spec: set ECSMON_AGENT_BIND=0.0.0.0:${at.value} on the agent daemon service to keep Prometheus's targets`,
      });
    else if (name === "RUST_LOG")
      plan.unconverted.push({ value: `RUST_LOG=${at.value}`, reason: "log level is the agent's LOG_LEVEL, not spec" });
    else plan.unconverted.push({ value: `${name}=${at.value}`, reason: "not an ecs_service_metrics_exporter setting" });
  }
  plan.notes.push(
    "Containers no longer need curl: the node's agent scrapes them over HTTP and serves one merged /metrics with container_name.",
    "In bridge mode the metrics port now needs a portMapping (hostPort 0 is fine); the exporter exec'd curl inside the container.",
  );
  return plan;
}
