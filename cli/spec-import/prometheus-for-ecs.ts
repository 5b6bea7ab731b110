import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument, type YAMLMap, type YAMLSeq } from "yaml";
import { type Companion, emptyPlan, type ImportInput, ImportParseError, type ImportPlan } from "./import-plan.js";

/** The SSM parameters prometheus-for-ecs reads (its cmd/main.go defaults). */
export const PROMETHEUS_CONFIG_PARAMETER = "ECS-Prometheus-Configuration";
export const NAMESPACES_PARAMETER = "ECS-ServiceDiscovery-Namespaces";
/** The file its sidecar writes and the README's prometheus.yaml reads through file_sd_configs. */
const SIDECAR_OUTPUT = /(^|\/)ecs-services\.json$/;
/** Prometheus's own defaults (configuration docs), used when the global section leaves them out. */
const PROMETHEUS_DEFAULTS = { scrape_interval: "1m", scrape_timeout: "10s" } as const;
export const COMPANION_PROMETHEUS = "ecsmon-prometheus.yml";
export const DEFAULT_SD_URL = "http://127.0.0.1:9470/sd/prometheus";

export interface PrometheusForEcsOptions {
  /** Where Prometheus reaches ecsmon's http_sd. @defaultValue {@link DEFAULT_SD_URL} */
  sdUrl?: string | undefined;
}

/**
 * Seed 001 (prometheus-for-ecs): its two SSM parameters, from SSM or files — the Prometheus configuration
 * (`ECS-Prometheus-Configuration`) and the comma-separated Cloud Map namespaces
 * (`ECS-ServiceDiscovery-Namespaces`), told apart by content. Produces the namespaces and the global scrape
 * interval and timeout, plus a companion Prometheus configuration: the user's own, comments, other jobs,
 * relabels and remote_write unchanged, where the job that read the sidecar's `ecs-services.json` reads
 * ecsmon's http_sd instead, keeps only Cloud Map targets of those namespaces, and gets back the sidecar's
 * labels (instance, cluster, service, taskdefinition).
 */
export function importPrometheusForEcs(
  inputs: readonly ImportInput[],
  options: PrometheusForEcsOptions = {},
): ImportPlan {
  const plan = emptyPlan("prometheus-for-ecs");
  const configInput = inputs.find((input) =>
    /^\s*(global|scrape_configs|remote_write|rule_files|alerting)\s*:/m.test(input.text),
  );
  const namespacesInput = inputs.find((input) => input !== configInput);
  if (!configInput && !namespacesInput)
    throw new ImportParseError(
      "<inputs>",
      1,
      `expected the ${PROMETHEUS_CONFIG_PARAMETER} and ${NAMESPACES_PARAMETER} values`,
    );
  for (const extra of inputs.filter((i) => i !== configInput && i !== namespacesInput))
    plan.unconverted.push({
      value: extra.name,
      reason: "prometheus-for-ecs reads two parameters; this input was not used",
    });

  const namespaces = namespacesInput ? readNamespaces(namespacesInput) : [];
  if (namespacesInput && namespaces.length > 0)
    plan.clusterValues.push({
      path: ["cloudMap", "namespaces"],
      value: namespaces,
      from: `prometheus-for-ecs ${NAMESPACES_PARAMETER} (${namespacesInput.name})`,
    });
  else
    plan.unconverted.push({
      value: `${NAMESPACES_PARAMETER}${namespacesInput ? ` (${namespacesInput.name}: empty)` : " (not given)"}`,
      reason: "without namespaces there is no Cloud Map discovery; set cloudMap.namespaces by hand",
    });

  if (configInput) {
    const { doc, lineOf } = readPrometheusConfig(configInput);
    for (const field of ["scrape_interval", "scrape_timeout"] as const) {
      const given = doc.getIn(["global", field]);
      const value = typeof given === "string" ? given : PROMETHEUS_DEFAULTS[field];
      plan.clusterValues.push({
        path: ["scrape", field === "scrape_interval" ? "interval" : "timeout"],
        value,
        from:
          typeof given === "string"
            ? `Prometheus global.${field} (${configInput.name}:${lineOf(["global", field])})`
            : `Prometheus's default ${field} (not set in ${configInput.name})`,
      });
    }
    plan.companions.push(rewriteForHttpSd(doc, configInput, namespaces, options.sdUrl ?? DEFAULT_SD_URL, plan));
  } else
    plan.unconverted.push({
      value: `${PROMETHEUS_CONFIG_PARAMETER} (not given)`,
      reason: "no Prometheus configuration to carry the scrape interval from or to rewrite for http_sd",
    });

  plan.notes.push(
    "Replaces the prometheus-for-ecs sidecar: the controller lists Cloud Map itself; Prometheus reads ecsmon's http_sd (see the companion config).",
    "Targets' labels: instance, cluster, service and taskdefinition are rebuilt by relabel rules in the companion config.",
  );
  return plan;
}

/** The namespaces parameter: names separated by commas, as the sidecar splits it (blanks dropped). */
function readNamespaces(input: ImportInput): string[] {
  const names = input.text
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const bad = names.find((name) => /\s/.test(name));
  if (bad)
    throw new ImportParseError(
      input.name,
      1,
      `a namespace name has a space: ${JSON.stringify(bad)} (expected comma-separated names)`,
    );
  return [...new Set(names)];
}

function readPrometheusConfig(input: ImportInput): { doc: Document; lineOf: (path: readonly string[]) => number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(input.text, { lineCounter, prettyErrors: false });
  const first = doc.errors[0];
  if (first)
    throw new ImportParseError(
      input.name,
      lineCounter.linePos(first.pos[0]).line,
      `invalid YAML: ${first.message.split("\n")[0]}`,
    );
  if (!isMap(doc.contents)) throw new ImportParseError(input.name, 1, "expected a Prometheus configuration (a map)");
  const jobs = doc.get("scrape_configs", true);
  if (jobs !== undefined && jobs !== null && !isSeq(jobs))
    throw new ImportParseError(input.name, lineOfNode(lineCounter, jobs), "scrape_configs must be a list of jobs");
  return { doc, lineOf: (path) => lineOfNode(lineCounter, doc.getIn(path, true)) };
}

function lineOfNode(lineCounter: LineCounter, node: unknown): number {
  const range = (node as { range?: number[] } | undefined)?.range;
  return range ? lineCounter.linePos(range[0] as number).line : 1;
}

/**
 * The companion Prometheus configuration: every job whose file_sd_configs read the sidecar's output now reads
 * ecsmon's http_sd; relabel rules put in front keep the Cloud Map targets of the namespaces and rebuild the
 * sidecar's labels. Everything else in the document is left as written.
 */
function rewriteForHttpSd(
  doc: Document,
  input: ImportInput,
  namespaces: readonly string[],
  sdUrl: string,
  plan: ImportPlan,
): Companion {
  const out = doc.clone();
  const jobs = out.get("scrape_configs", true) as YAMLSeq | undefined;
  let rewritten = 0;
  for (const job of jobs?.items ?? []) {
    if (!isMap(job)) continue;
    const fileSd = job.get("file_sd_configs", true);
    if (!isSeq(fileSd)) continue;
    const sidecar = fileSd.items.filter((sd) => isMap(sd) && filesOf(sd).some((file) => SIDECAR_OUTPUT.test(file)));
    if (sidecar.length === 0) continue;
    rewritten++;
    const refresh = (sidecar[0] as YAMLMap).get("refresh_interval");
    const httpSd = out.createNode([
      { url: sdUrl, ...(typeof refresh === "string" ? { refresh_interval: refresh } : {}) },
    ]);
    httpSd.commentBefore =
      " ecsmon spec import: was file_sd_configs on the prometheus-for-ecs sidecar's ecs-services.json";
    const others = fileSd.items.filter((sd) => !sidecar.includes(sd));
    if (others.length === 0) job.delete("file_sd_configs");
    else fileSd.items = others;
    job.set("http_sd_configs", httpSd);
    const relabels = out.createNode(cloudMapRelabels(namespaces)) as YAMLSeq;
    const existing = job.get("relabel_configs", true);
    if (isSeq(existing)) existing.items.unshift(...relabels.items);
    else job.set("relabel_configs", relabels);
  }
  if (rewritten === 0)
    plan.unconverted.push({
      value: `${input.name}: no job reads ecs-services.json`,
      reason: `add a job with http_sd_configs: [{url: ${sdUrl}}] by hand; the other jobs are copied unchanged`,
    });
  return {
    fileName: COMPANION_PROMETHEUS,
    description: `Prometheus configuration: ${input.name} with the sidecar's job on ecsmon's http_sd (${sdUrl})`,
    text: out.toString({ lineWidth: 0 }),
  };
}

function filesOf(sd: YAMLMap): string[] {
  const files = sd.get("files", true);
  if (!isSeq(files)) return [];
  return files.items.flatMap((f) => (isScalar(f) && typeof f.value === "string" ? [f.value] : []));
}

/**
 * Keep Cloud Map targets of the namespaces, then rebuild the sidecar's labels (pkg/aws/cloudmap.go): `instance`
 * is the IP alone, `cluster`, `service` and `taskdefinition` come from the ECS_* attributes ECS registers.
 * `(.+)` leaves a label alone when the attribute is missing, as the sidecar did.
 */
function cloudMapRelabels(namespaces: readonly string[]): Record<string, unknown>[] {
  const keep =
    namespaces.length > 0
      ? [
          {
            source_labels: ["__meta_ecs_cloudmap_namespace"],
            regex: namespaces.map(escapeRegex).join("|"),
            action: "keep",
          },
        ]
      : [{ source_labels: ["__meta_ecs_cloudmap_namespace"], regex: ".+", action: "keep" }];
  const copy = (source: string, target: string) => ({ source_labels: [source], regex: "(.+)", target_label: target });
  return [
    ...keep,
    copy("__meta_ecs_ip_address", "instance"),
    copy("__meta_ecs_cloudmap_attribute_ECS_CLUSTER_NAME", "cluster"),
    copy("__meta_ecs_cloudmap_attribute_ECS_SERVICE_NAME", "service"),
    copy("__meta_ecs_cloudmap_attribute_ECS_TASK_DEFINITION_FAMILY", "taskdefinition"),
  ];
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
