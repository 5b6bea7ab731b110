import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ObservedCluster } from "../../controller/model.js";
import type { ClusterObserver } from "../../controller/observe/cluster-observer.js";
import { createClusterObserver } from "../../controller/observe/create-observer.js";
import { plan } from "../../controller/plan/plan.js";
import { ClusterSpec } from "../../crds-like-schemas/index.js";
import { type AwsClients, createAwsClients } from "../../lib/aws/clients.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { demoScenario, endpointsOf, PORT_PATH_LABEL, type YamlContainer } from "../helpers/demo-expected.js";

/**
 * Discovery on demo.yaml against the simulator over HTTP with real SDK clients. The expected target set is
 * computed here from the scenario file itself (label values, network modes, counts) plus the simulator's
 * placement truth (which host port / ENI IP each task got), never from ecsmon's parsers or plan().
 */

const { scenario, defs } = demoScenario();

function userLabelsOf(container: YamlContainer): Record<string, string> {
  const pairs = (container.dockerLabels?.PROMETHEUS_LABELS ?? "").split(",").filter(Boolean);
  return Object.fromEntries(pairs.map((kv) => kv.split("=")).filter(([k]) => !k?.startsWith("__")));
}

let sim: RunningSim;
let clients: AwsClients;

beforeAll(async () => {
  sim = await startSim({ nodeSurfaces: false, transitionDelayMs: 0 });
  clients = createAwsClients({ region: sim.region, endpointUrl: sim.endpoint });
});

afterAll(async () => {
  clients?.destroy();
  await sim?.stop();
});

function observer(spec: ClusterSpec): ClusterObserver {
  return createClusterObserver(spec, { region: sim.region, clients });
}

describe("discovery on demo.yaml", () => {
  const spec = ClusterSpec.parse({ name: scenario.cluster, scrape: { labels: { portPath: PORT_PATH_LABEL } } });
  let view: ObservedCluster;

  beforeAll(async () => {
    view = await observer(spec).observe();
  });

  it("finds as many targets as the scenario file declares", () => {
    const instanceCount = scenario.instances.reduce((n, g) => n + (g.count ?? 1), 0);
    let expected = 0;
    for (const s of scenario.services) {
      const tasks = s.schedulingStrategy === "DAEMON" ? instanceCount : (s.desiredCount ?? 1);
      expected += tasks * defs.get(s.taskDefinition)!.containers.reduce((n, c) => n + endpointsOf(c).length, 0);
    }
    for (const t of scenario.tasks) {
      expected +=
        (t.count ?? 1) * defs.get(t.taskDefinition)!.containers.reduce((n, c) => n + endpointsOf(c).length, 0);
    }
    const result = plan(spec, view, { liveAgents: new Set(), sidecarTasks: new Set() });
    expect(expected).toBeGreaterThan(10);
    expect(result.targets).toHaveLength(expected);
    expect(result.invalid).toEqual([]);
  });

  it("gives every target the right address, path, scheme and labels", () => {
    const store = sim.store;
    const expected: unknown[] = [];
    for (const task of store.tasks()) {
      if (task.lastStatus !== "RUNNING" || task.desiredStatus !== "RUNNING") continue;
      const family = task.taskDefinitionArn.split("/").pop()!.split(":")[0]!;
      const revision = task.taskDefinitionArn.split(":").pop()!;
      const def = defs.get(family)!;
      const fargate = task.launchType === "FARGATE";
      const mode = fargate ? "awsvpc" : (def.networkMode ?? "bridge");
      const instance = task.containerInstanceArn ? store.instance(task.containerInstanceArn) : undefined;
      for (const container of def.containers) {
        const simContainer = task.containers.find((c) => c.name === container.name)!;
        for (const e of endpointsOf(container)) {
          const ip = mode === "awsvpc" ? task.eni!.privateIpv4Address : instance!.privateIp;
          const port =
            mode === "bridge" ? simContainer.networkBindings.find((b) => b.containerPort === e.port)!.hostPort : e.port;
          const labels: Record<string, string> = {
            ...userLabelsOf(container),
            cluster: scenario.cluster,
            task_family: family,
            task_revision: revision,
            task_id: task.id,
            container_name: container.name,
          };
          if (task.serviceName) labels.service = task.serviceName;
          expected.push({
            id: `${task.taskArn}/${container.name}/${e.port}${e.path}`,
            address: `${ip}:${port}`,
            scheme: e.scheme,
            metricsPath: e.path,
            labels,
            nodeId: fargate ? undefined : instance!.id,
          });
        }
      }
    }
    const result = plan(spec, view, { liveAgents: new Set(), sidecarTasks: new Set() });
    const got = result.targets.map((t) => ({ ...t.target, nodeId: t.nodeId }));
    const byId = (a: unknown, b: unknown) => ((a as { id: string }).id < (b as { id: string }).id ? -1 : 1);
    expect(got.sort(byId)).toEqual(expected.sort(byId));
    // Fargate targets without a sidecar go to the pool.
    expect(result.pool.map((t) => t.target.labels.task_family).sort()).toEqual(["checkout", "checkout", "reports"]);
  });

  it("sets Prometheus-compatible meta labels", () => {
    const result = plan(spec, view, { liveAgents: new Set(), sidecarTasks: new Set() });
    const worker = result.targets.find((t) => t.target.labels.task_family === "worker")!;
    const simTask = sim.store.task(worker.taskArn!)!;
    const instance = sim.store.instance(simTask.containerInstanceArn!)!;
    expect(worker.meta).toMatchObject({
      __meta_ecs_cluster: scenario.cluster,
      __meta_ecs_cluster_arn: simTask.clusterArn,
      __meta_ecs_service: "worker",
      __meta_ecs_task_arn: simTask.taskArn,
      __meta_ecs_task_definition: simTask.taskDefinitionArn,
      __meta_ecs_launch_type: "EC2",
      __meta_ecs_network_mode: "awsvpc",
      __meta_ecs_ip_address: simTask.eni!.privateIpv4Address,
      __meta_ecs_ec2_instance_id: instance.ec2InstanceId,
      __meta_ecs_ec2_instance_type: instance.instanceType,
      __meta_ecs_container_name: "worker",
      __meta_ecs_task_family: "worker",
    });
  });

  it("reports instances and service figures as the simulator holds them", () => {
    expect(view.instances.map((i) => [i.nodeId, i.privateIp, i.instanceType]).sort()).toEqual(
      sim.store
        .instances()
        .map((i) => [i.id, i.privateIp, i.instanceType])
        .sort(),
    );
    const result = plan(spec, view, { liveAgents: new Set(), sidecarTasks: new Set() });
    expect(result.nodes.size).toBe(scenario.instances.length);
    expect(result.services?.map((s) => s.service).sort()).toEqual(scenario.services.map((s) => s.name).sort());
    for (const figures of result.services ?? []) expect(figures.running).toBeGreaterThan(0);
  });
});

describe("Cloud Map discovery on demo.yaml", () => {
  it("every registered instance of the spec's namespaces becomes a target at its IPv4 and METRICS_PORT/PATH, once", async () => {
    const namespaces = scenario.cloudMap?.namespaces ?? [];
    expect(namespaces.length).toBeGreaterThan(0);
    const spec = ClusterSpec.parse({ name: scenario.cluster, cloudMap: { namespaces: namespaces.map((n) => n.name) } });
    const view = await observer(spec).observe();
    const expected: string[] = [];
    for (const ns of namespaces) {
      for (const service of ns.services) {
        const from = service.fromService;
        if (!from) continue;
        const port = from.attributes?.METRICS_PORT;
        const path = from.attributes?.METRICS_PATH ?? "/metrics";
        for (const task of sim.store.tasks()) {
          if (task.serviceName !== from.service || task.lastStatus !== "RUNNING") continue;
          expected.push(`${ns.name}/${service.name} ${task.eni!.privateIpv4Address}:${port}${path}`);
        }
      }
    }
    const result = plan(spec, view, { liveAgents: new Set(), sidecarTasks: new Set() });
    // demo.yaml's registered services also carry docker labels for the same endpoints: each is one target (the
    // docker-label one, ADR 0048) that also carries the Cloud Map discovery labels.
    const endpoints = result.targets.map((t) => `${t.target.scheme}://${t.target.address}${t.target.metricsPath}`);
    expect(new Set(endpoints).size).toBe(endpoints.length);
    const got = result.targets
      .filter((t) => t.meta.__meta_ecs_cloudmap_namespace !== undefined)
      .map(
        (t) =>
          `${t.meta.__meta_ecs_cloudmap_namespace}/${t.meta.__meta_ecs_cloudmap_service} ${t.target.address}${t.target.metricsPath}`,
      );
    expect(expected.length).toBeGreaterThan(0);
    expect(got.sort()).toEqual(expected.sort());
  });
});
