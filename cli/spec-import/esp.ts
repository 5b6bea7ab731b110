import { emptyPlan, type ImportInput, ImportParseError, type ImportPlan } from "./import-plan.js";
import { isPlaceholder, type Located, lineOf, readEnvFile, readJson } from "./read-input.js";

/** The environment ESP reads (its README's table). */
const ESP_ENV = ["CONTAINER_NAME", "REGION", "NAMESPACE"] as const;

interface ContainerDefinition {
  name?: unknown;
  image?: unknown;
  cpu?: unknown;
  environment?: unknown;
}

/**
 * Seed 000 (ESP, ECS Stats Plotter): its container's environment as a `KEY=VALUE` file, or a task definition
 * JSON (a `register-task-definition` document, or the bare container list of ESP's README) holding the ESP
 * sidecar. Produces a `stats` section at 1-second resolution for that container and namespace, with ESP's
 * CPU meaning (`cpuMode: percentOfHost`) and its dimensionless metrics, so existing alarms keep matching.
 */
export function importEsp(input: ImportInput): ImportPlan {
  const plan = emptyPlan("esp");
  const trimmed = input.text.trimStart();
  const fromJson = trimmed.startsWith("{") || trimmed.startsWith("[");
  const found = fromJson ? espFromTaskDefinition(input) : { env: readEnvFile(input), monitoredCpu: undefined };
  const { env } = found;
  const where = (name: string, at: Located) => `ESP ${name} (${input.name}:${at.line})`;

  for (const [name, at] of env) {
    if (!(ESP_ENV as readonly string[]).includes(name))
      plan.unconverted.push({
        value: `${name}=${at.value}`,
        reason: "not one of ESP's settings (CONTAINER_NAME, REGION, NAMESPACE)",
      });
    else if (isPlaceholder(at.value))
      plan.unconverted.push({
        value: `${name}=${at.value}`,
        reason: "still the README's placeholder; fill it in and import again",
      });
  }
  const usable = (name: (typeof ESP_ENV)[number]) => {
    const at = env.get(name);
    return at && at.value !== "" && !isPlaceholder(at.value) ? at : undefined;
  };

  const region = usable("REGION");
  if (region) plan.clusterValues.push({ path: ["region"], value: region.value, from: where("REGION", region) });
  plan.clusterValues.push({ path: ["stats", "enabled"], value: true, from: "replaces the ESP sidecar" });
  const namespace = usable("NAMESPACE");
  if (namespace)
    plan.clusterValues.push({
      path: ["stats", "namespace"],
      value: namespace.value,
      from: where("NAMESPACE", namespace),
    });
  const container = usable("CONTAINER_NAME");
  if (container)
    plan.clusterValues.push({
      path: ["stats", "containers"],
      value: [`^${escapeRegex(container.value)}$`],
      from: where("CONTAINER_NAME", container),
    });
  plan.clusterValues.push(
    { path: ["stats", "period"], value: "1s", from: "ESP puts high-resolution (StorageResolution=1) datums" },
    {
      path: ["stats", "metrics"],
      value: ["CPUUtilization"],
      from: "ESP publishes CPU only, as CPUUtilization in its README's alarms",
    },
    {
      path: ["stats", "dimensions"],
      value: [],
      from: "ESP's datums have no dimensions: alarms on metric + namespace keep matching",
    },
    {
      path: ["stats", "cpuMode"],
      value: "percentOfHost",
      from: "ESP's CPU meaning (docker stats: 100 = one host core)",
    },
  );
  if (!env.has("CONTAINER_NAME") || !env.has("NAMESPACE"))
    plan.unconverted.push({
      value: `missing ${ESP_ENV.filter((n) => !env.has(n)).join(", ")}`,
      reason:
        "ESP needs CONTAINER_NAME and NAMESPACE; the spec keeps ecsmon's defaults (every container, ECS/ContainerStats)",
    });

  plan.notes.push(
    "The ESP sidecar (and cloudwatch:PutMetricData on the task role) can be removed: the ecsmon agent publishes.",
  );
  const reserved = found.monitoredCpu;
  plan.notes.push(
    reserved
      ? `cpuMode: percentOfHost keeps ESP's CPU. cpuMode: reserved (ecsmon's default) is percent of the container's ${reserved} CPU units, ${round(1024 / reserved)}× ESP's figure: rescale alarm thresholds if you switch.`
      : "cpuMode: percentOfHost keeps ESP's CPU. cpuMode: reserved (ecsmon's default) is percent of the CPU reserved for the container: rescale alarm thresholds if you switch.",
  );
  return plan;
}

/** The ESP container's environment and the monitored container's `cpu`, from a task definition JSON. */
function espFromTaskDefinition(input: ImportInput): { env: Map<string, Located>; monitoredCpu: number | undefined } {
  const json = readJson(input);
  const containers = Array.isArray(json) ? json : (json as { containerDefinitions?: unknown })?.containerDefinitions;
  if (!Array.isArray(containers))
    throw new ImportParseError(
      input.name,
      1,
      "expected a task definition with containerDefinitions, or a list of container definitions",
    );
  const defs = containers as ContainerDefinition[];
  const environment = (def: ContainerDefinition) =>
    Array.isArray(def.environment) ? (def.environment as { name?: unknown; value?: unknown }[]) : [];
  const esp =
    defs.find(
      (def) =>
        environment(def).some((e) => e.name === "CONTAINER_NAME") &&
        environment(def).some((e) => e.name === "NAMESPACE"),
    ) ?? defs.find((def) => def.name === "esp" || (typeof def.image === "string" && /(^|\/)esp(:|$)/.test(def.image)));
  if (!esp)
    throw new ImportParseError(
      input.name,
      1,
      "no ESP container: none has CONTAINER_NAME and NAMESPACE in its environment",
    );
  const env = new Map<string, Located>();
  for (const entry of environment(esp)) {
    if (typeof entry.name !== "string") continue;
    const value = entry.value === undefined || entry.value === null ? "" : String(entry.value);
    env.set(entry.name, { value, line: lineOf(input, `"${entry.name}"`) });
  }
  const monitored = defs.find((def) => def.name === env.get("CONTAINER_NAME")?.value);
  const cpu = typeof monitored?.cpu === "number" && monitored.cpu > 0 ? monitored.cpu : undefined;
  return { env, monitoredCpu: cpu };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
