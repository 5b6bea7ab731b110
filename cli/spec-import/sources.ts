import { importEniMonitor } from "./eni-monitor.js";
import { importEsp } from "./esp.js";
import { type ImportInput, ImportParseError, type ImportPlan, type ToolName } from "./import-plan.js";
import { importPrometheusEcsSd } from "./prometheus-ecs-sd.js";
import { importPrometheusForEcs } from "./prometheus-for-ecs.js";
import { importServiceMetricsExporter } from "./service-metrics-exporter.js";

/** What every importer may be given besides its inputs (the command's flags). */
export interface SourceOptions {
  cluster?: string | undefined;
  sdUrl?: string | undefined;
  taskSize?: string | undefined;
}

/** One tool `ecsmon spec import --from` accepts: what it reads, an example, and the importer. */
export interface ImportSource {
  name: ToolName;
  seed: string;
  title: string;
  /** What the inputs are, for --help. */
  inputs: string;
  example: string;
  /** Whether the inputs may be the tool's own command-line words (after `--`) instead of files. */
  takesCommandLine: boolean;
  run(inputs: readonly ImportInput[], options: SourceOptions): ImportPlan;
}

export const IMPORT_SOURCES: readonly ImportSource[] = [
  {
    name: "esp",
    seed: "000",
    title: "ESP, ECS Stats Plotter (sidecar → CloudWatch)",
    inputs:
      "the sidecar's environment (KEY=VALUE file with CONTAINER_NAME, REGION, NAMESPACE) or a task definition JSON",
    example: "ecsmon spec import --from esp taskdef.json --cluster prod -o spec.yaml",
    takesCommandLine: false,
    run: (inputs) => importEsp(single(inputs, "esp")),
  },
  {
    name: "prometheus-for-ecs",
    seed: "001",
    title: "prometheus-for-ecs (Cloud Map discovery, config in SSM)",
    inputs:
      "its prometheus.yaml and namespaces files, or --ssm to read ECS-Prometheus-Configuration and ECS-ServiceDiscovery-Namespaces",
    example: "ecsmon spec import --from prometheus-for-ecs --ssm --cluster prod -o spec.yaml",
    takesCommandLine: false,
    run: (inputs, options) => importPrometheusForEcs(inputs, { sdUrl: options.sdUrl }),
  },
  {
    name: "service-metrics-exporter",
    seed: "002",
    title: "ecs_service_metrics_exporter (docker label port/path, merged /metrics)",
    inputs: "its environment (KEY=VALUE file with DOCKER_LABEL_HAS_METRICS, HTTP_LISTEN_PORT)",
    example: "ecsmon spec import --from service-metrics-exporter exporter.env --cluster prod",
    takesCommandLine: false,
    run: (inputs) => importServiceMetricsExporter(single(inputs, "service-metrics-exporter")),
  },
  {
    name: "prometheus-ecs-sd",
    seed: "003",
    title: "prometheus-ecs-sd (docker labels → file_sd, service gauges)",
    inputs: "its command line after --, or a file holding it",
    example:
      "ecsmon spec import --from prometheus-ecs-sd -o spec.yaml -- -f /tmp/ecs_file_sd.yml -c prod -i 60 -p 8080",
    takesCommandLine: true,
    run: (inputs) => importPrometheusEcsSd(single(inputs, "prometheus-ecs-sd")),
  },
  {
    name: "eni-monitor",
    seed: "004",
    title: "Monitor-ECS-Cluster-ENIs (remaining ENI/CPU/memory → alarm)",
    inputs: "its `aws cloudwatch put-metric-alarm …` command (after -- or in a file) or the alarm's JSON",
    example:
      "ecsmon spec import --from eni-monitor alarm.sh --cluster prod --task-size small=256/512/awsvpc -o spec.yaml",
    takesCommandLine: true,
    run: (inputs, options) => importEniMonitor(single(inputs, "eni-monitor"), options),
  },
];

export function findSource(name: string): ImportSource | undefined {
  return IMPORT_SOURCES.find((source) => source.name === name);
}

function single(inputs: readonly ImportInput[], tool: string): ImportInput {
  const [first, ...rest] = inputs;
  if (!first || rest.length > 0)
    throw new ImportParseError("<inputs>", 1, `--from ${tool} reads exactly one input, got ${inputs.length}`);
  return first;
}
