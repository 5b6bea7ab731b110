import { parseOptions, splitCommandLine, type Word } from "./command-line.js";
import { emptyPlan, type ImportInput, ImportParseError, type ImportPlan } from "./import-plan.js";

/** prometheus-ecs-sd's own default for `-f` (its `--help`). */
export const ECS_SD_DEFAULT_FILE = "/tmp/ecs_file_sd.yml";

const PROGRAM = /(^|\/)((prometheus-)?ecs-sd|ecs_sd|discoverer\.py)(:[\w.-]+)?$/;
const OPTIONS = [
  { long: "file", short: "f" },
  { long: "cluster", short: "c" },
  { long: "interval", short: "i" },
  { long: "log", short: "l" },
  { long: "port", short: "p" },
  { long: "help", short: "h", flag: true },
] as const;

/**
 * Seed 003 (prometheus-ecs-sd): its command line `-f FILE -c CLUSTER -i INTERVAL -l LEVEL -p PORT`, as words
 * or as a pasted `docker run … sepa/ecs-sd …` line. The file_sd output stays at the same path, so Prometheus's
 * `file_sd_configs` and the README's relabel rules keep working; the docker labels are the same.
 */
export function importPrometheusEcsSd(input: ImportInput): ImportPlan {
  const plan = emptyPlan("prometheus-ecs-sd");
  const words: Word[] = splitCommandLine(input);
  const options = parseOptions(input, words, PROGRAM, OPTIONS);
  const one = (name: string) => {
    const option = options.get(name);
    return option ? { value: option.values.at(-1) as string, line: option.line } : undefined;
  };
  const where = (flag: string, line: number) => `prometheus-ecs-sd ${flag} (${input.name}:${line})`;

  const cluster = one("cluster");
  if (cluster) plan.cluster = { name: cluster.value, from: where(`-c ${cluster.value}`, cluster.line) };
  else
    plan.unconverted.push({
      value: "-c (not given: every cluster)",
      reason: "a spec names each cluster it monitors; pass --cluster, and import once per cluster",
    });

  const file = one("file");
  plan.outputValues.push({
    path: ["fileSd", "path"],
    value: file?.value ?? ECS_SD_DEFAULT_FILE,
    from: file
      ? `${where(`-f ${file.value}`, file.line)}: same file, so file_sd_configs and relabel rules keep working`
      : "prometheus-ecs-sd's default -f: same file, so file_sd_configs and relabel rules keep working",
  });
  plan.clusterValues.push(
    {
      path: ["scrape", "labels", "scrapes"],
      value: "PROMETHEUS_SCRAPES",
      from: "prometheus-ecs-sd's docker label: comma-separated port[/path]",
    },
    { path: ["scrape", "labels", "labels"], value: "PROMETHEUS_LABELS", from: "prometheus-ecs-sd's docker label" },
    {
      path: ["serviceMetrics", "enabled"],
      value: true,
      from: "prometheus-ecs-sd's ecs_service_{desired,running,pending}_tasks, now on the controller's /metrics",
    },
  );

  const interval = one("interval");
  if (interval) {
    if (!/^\d+$/.test(interval.value) || Number(interval.value) < 1)
      throw new ImportParseError(
        input.name,
        interval.line,
        `-i expects whole seconds, got ${JSON.stringify(interval.value)}`,
      );
    plan.unconverted.push({
      value: `-i ${interval.value}`,
      reason:
        "the spec has no discovery interval: the controller re-reads ECS every ECSMON_RECONCILE_INTERVAL " +
        "(default 10s, calls cached and batched) or follows ECS events (spec events.queueUrl)",
    });
  }
  const port = one("port");
  if (port)
    plan.unconverted.push({
      value: `-p ${port.value}`,
      reason: `the service gauges are served by the controller's API listener: set ECSMON_API_BIND=0.0.0.0:${port.value} to keep the port`,
    });
  const log = one("log");
  if (log)
    plan.unconverted.push({
      value: `-l ${log.value}`,
      reason: "log level is the controller's LOG_LEVEL, not the spec",
    });

  plan.notes.push(
    "Replaces prometheus-ecs-sd: the controller writes the file_sd file (atomically, only on change).",
    "Targets keep seed 003's labels (container_name, container_arn, instance_id, task_name, task_revision) and add cluster, service, task_family and task_id; Fargate tasks are discovered too.",
  );
  return plan;
}
