import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { fromRoot } from "../../lib/paths.js";
import type { RunningSim } from "../../sim/index.js";

/**
 * The scrape endpoints demo.yaml declares, computed straight from the scenario file (label strings read the
 * simple way the file writes them) plus the simulator's placement truth (host ports, ENI and instance IPs),
 * never from ecsmon's parsers or plan(). One entry per expected target.
 */
export interface ExpectedEndpoint {
  taskArn: string;
  taskId: string;
  container: string;
  address: string;
  scheme: string;
  path: string;
  service: string | undefined;
  nodeId: string | undefined;
}

export interface YamlContainer {
  name: string;
  dockerLabels?: Record<string, string>;
}
export interface YamlTaskDef {
  family: string;
  networkMode?: string;
  requiresCompatibilities?: string[];
  containers: YamlContainer[];
}
interface YamlCloudMapService {
  name: string;
  fromService?: { service: string; attributes?: Record<string, string> };
}
/** demo.yaml as the tests read it: only the fields they check against. */
export interface YamlScenario {
  cloudMap?: { namespaces: { name: string; services: YamlCloudMapService[] }[] };
  cluster: string;
  instances: { type: string; count?: number }[];
  taskDefinitions: YamlTaskDef[];
  services: { name: string; taskDefinition: string; desiredCount?: number; schedulingStrategy?: string }[];
  tasks: { taskDefinition: string; count?: number }[];
}

export const PORT_PATH_LABEL = "container-exposes-metrics";

/** demo.yaml parsed, with its task definitions by family. */
export function demoScenario(): { cluster: string; scenario: YamlScenario; defs: Map<string, YamlTaskDef> } {
  const scenario = parseYaml(readFileSync(fromRoot("sim/scenarios/demo.yaml"), "utf8")) as YamlScenario;
  return { cluster: scenario.cluster, scenario, defs: new Map(scenario.taskDefinitions.map((d) => [d.family, d])) };
}

/** A container's `port[/path]` entries and scheme, read the simple way the scenario writes its labels. */
export function endpointsOf(container: YamlContainer): { port: number; path: string; scheme: string }[] {
  const labels = container.dockerLabels ?? {};
  const raw = labels.PROMETHEUS_SCRAPES ?? labels[PORT_PATH_LABEL];
  if (!raw) return [];
  const user = Object.fromEntries(
    (labels.PROMETHEUS_LABELS ?? "")
      .split(",")
      .filter(Boolean)
      .map((kv) => kv.split("=")),
  ) as Record<string, string>;
  return raw.split(",").map((entry) => {
    const slash = entry.indexOf("/");
    const port = Number(slash < 0 ? entry : entry.slice(0, slash));
    const path = slash < 0 ? (user.__metrics_path__ ?? "/metrics") : entry.slice(slash);
    return { port, path, scheme: user.__scheme__ ?? "http" };
  });
}

/** The expected http_sd endpoints as `<address><metrics path>`, sorted: what {@link sdKeysAt} lists when complete. */
export function expectedDemoSdKeys(sim: RunningSim): string[] {
  return expectedDemoEndpoints(sim)
    .map((e) => `${e.address}${e.path}`)
    .sort();
}

/** A controller's http_sd endpoints (`GET <apiUrl>/sd/prometheus`) as `<address><metrics path>`, sorted. */
export async function sdKeysAt(apiUrl: string | undefined): Promise<string[]> {
  const groups = (await (await fetch(`${apiUrl}/sd/prometheus`)).json()) as {
    targets: string[];
    labels: Record<string, string>;
  }[];
  return groups.map((g) => `${g.targets[0]}${g.labels.__metrics_path__}`).sort();
}

/** Every endpoint of every RUNNING task in the simulator, per the scenario's labels. */
export function expectedDemoEndpoints(sim: RunningSim): ExpectedEndpoint[] {
  const { defs } = demoScenario();
  const out: ExpectedEndpoint[] = [];
  for (const task of sim.store.tasks()) {
    if (task.lastStatus !== "RUNNING" || task.desiredStatus !== "RUNNING") continue;
    const family = task.taskDefinitionArn.split("/").pop()?.split(":")[0] ?? "";
    const def = defs.get(family);
    if (!def) continue;
    const fargate = task.launchType === "FARGATE";
    const mode = fargate ? "awsvpc" : (def.networkMode ?? "bridge");
    const instance = task.containerInstanceArn ? sim.store.instance(task.containerInstanceArn) : undefined;
    for (const container of def.containers) {
      const simContainer = task.containers.find((c) => c.name === container.name);
      for (const e of endpointsOf(container)) {
        const ip = mode === "awsvpc" ? task.eni?.privateIpv4Address : instance?.privateIp;
        const port =
          mode === "bridge" ? simContainer?.networkBindings.find((b) => b.containerPort === e.port)?.hostPort : e.port;
        out.push({
          taskArn: task.taskArn,
          taskId: task.id,
          container: container.name,
          address: `${ip}:${port}`,
          scheme: e.scheme,
          path: e.path,
          service: task.serviceName,
          nodeId: fargate ? undefined : instance?.id,
        });
      }
    }
  }
  return out;
}
