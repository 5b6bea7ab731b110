import type { ClusterStore } from "../state/cluster-store.js";
import type { ContainerDefinitionInput } from "../state/inputs.js";
import { type CloudMapBinding, type CloudMapSink, taskRegistration } from "./cloud-map-sync.js";
import { expandRepeats } from "./expand.js";
import { ScenarioError } from "./parse.js";
import type { Scenario, ScenarioContainer } from "./schema.js";

/** Cloud Map content of a scenario as loaded (also what GET /_sim/scenario reports). */
export interface CloudMapRegistration {
  namespace: string;
  service: string;
  instanceId: string;
  attributes: Record<string, string>;
}

export type { CloudMapSink } from "./cloud-map-sync.js";

export interface LoadReport {
  clusters: number;
  instances: number;
  taskDefinitions: number;
  services: number;
  tasks: number;
  cloudMapRegistrations: CloudMapRegistration[];
  /** ECS services whose tasks Cloud Map follows (`fromService`); see followEcsServices. */
  cloudMapBindings: CloudMapBinding[];
  /** Placement failures while loading (the scenario asked for more than fits). */
  warnings: string[];
  elapsedMs: number;
}

/**
 * A scenario container as RegisterTaskDefinition input: the same fields (the schema is strict, so nothing else
 * rides along), the environment as name/value pairs.
 */
function containerInput(c: ScenarioContainer): ContainerDefinitionInput {
  return { ...c, environment: Object.entries(c.environment).map(([name, value]) => ({ name, value })) };
}

/**
 * Loads a scenario into an (empty or reset) store with every lifecycle transition instantaneous, then
 * restores the scenario's transition delay. Throws {@link ScenarioError} naming the item for dangling
 * references or invalid task definitions.
 */
export function loadScenario(
  store: ClusterStore,
  scenario: Scenario,
  options: { cloudMap?: CloudMapSink } = {},
): LoadReport {
  const started = performance.now();
  const report: LoadReport = {
    clusters: 0,
    instances: 0,
    taskDefinitions: 0,
    services: 0,
    tasks: 0,
    cloudMapRegistrations: [],
    cloudMapBindings: [],
    warnings: [],
    elapsedMs: 0,
  };
  store.setTransitionDelay(0);
  try {
    for (const name of new Set([scenario.cluster, ...scenario.clusters])) {
      store.createCluster(name);
      report.clusters++;
    }
    const clusterOf = (name: string | undefined) => {
      const cluster = name ?? scenario.cluster;
      if (!store.cluster(cluster)) store.createCluster(cluster);
      return cluster;
    };

    for (const [gi, group] of scenario.instances.entries()) {
      if (!store.instanceType(group.type)) {
        throw new ScenarioError(`instances[${gi}]: unknown instance type "${group.type}"`);
      }
      const cluster = clusterOf(group.cluster);
      const attributes = Object.entries(group.attributes).map(([name, value]) => ({ name, value }));
      for (let i = 0; i < group.count; i++) {
        store.registerContainerInstance({
          cluster,
          instanceType: group.type,
          trunking: group.trunking ?? scenario.trunking,
          cgroup: group.cgroup,
          attributes,
        });
        report.instances++;
      }
    }

    for (const [di, def] of expandRepeats(scenario.taskDefinitions).entries()) {
      try {
        store.registerTaskDefinition({
          family: def.family,
          networkMode: def.networkMode,
          requiresCompatibilities: def.requiresCompatibilities,
          cpu: def.cpu,
          memory: def.memory,
          containerDefinitions: def.containers.map(containerInput),
        });
      } catch (error) {
        throw new ScenarioError(`taskDefinitions[${di}] (${def.family}): ${(error as Error).message}`);
      }
      report.taskDefinitions++;
    }

    for (const [si, svc] of expandRepeats(scenario.services).entries()) {
      if (!store.resolveTaskDefinition(svc.taskDefinition)) {
        throw new ScenarioError(
          `services[${si}] (${svc.name}): task definition "${svc.taskDefinition}" is not declared`,
        );
      }
      const created = store.createService({
        cluster: clusterOf(svc.cluster),
        serviceName: svc.name,
        taskDefinition: svc.taskDefinition,
        desiredCount: svc.desiredCount,
        launchType: svc.launchType,
        schedulingStrategy: svc.schedulingStrategy,
      });
      report.services++;
      const placed = store.liveServiceTasks(created.serviceArn).length;
      if (placed < created.desiredCount) {
        report.warnings.push(`service ${svc.name}: placed ${placed} of ${created.desiredCount} tasks`);
      }
    }

    for (const [ti, t] of expandRepeats(scenario.tasks).entries()) {
      if (!store.resolveTaskDefinition(t.taskDefinition)) {
        throw new ScenarioError(`tasks[${ti}]: task definition "${t.taskDefinition}" is not declared`);
      }
      let placed = 0;
      for (let n = 0; n < t.count; n++) {
        const result = store.runTask({
          cluster: clusterOf(t.cluster),
          taskDefinition: t.taskDefinition,
          launchType: t.launchType,
          group: t.group,
          startedBy: t.startedBy,
        });
        placed += result.tasks.length;
        if (result.tasks.length === 0) break;
      }
      report.tasks += placed;
      if (placed < t.count) report.warnings.push(`tasks[${ti}] (${t.taskDefinition}): placed ${placed} of ${t.count}`);
    }

    for (const ns of scenario.cloudMap?.namespaces ?? []) {
      const nsId = options.cloudMap?.createNamespace({ name: ns.name, type: ns.type }).id;
      for (const svc of ns.services) {
        const svcId =
          options.cloudMap && nsId
            ? options.cloudMap.createService({ namespaceId: nsId, name: svc.name, tags: svc.tags }).id
            : undefined;
        const registrations = [...svc.instances];
        if (svc.fromService) {
          const binding = bindEcsService(store, scenario, svc.fromService, ns.name, svc.name, svcId);
          report.cloudMapBindings.push(binding);
          for (const task of store.liveServiceTasks(binding.ecsServiceArn)) {
            if (task.lastStatus === "RUNNING") registrations.push(taskRegistration(store, binding, task));
          }
        }
        for (const reg of registrations) {
          if (options.cloudMap && svcId) {
            options.cloudMap.registerInstance({ serviceId: svcId, instanceId: reg.id, attributes: reg.attributes });
          }
          report.cloudMapRegistrations.push({
            namespace: ns.name,
            service: svc.name,
            instanceId: reg.id,
            attributes: reg.attributes,
          });
        }
      }
    }
  } finally {
    store.setTransitionDelay(scenario.transitionDelayMs ?? [100, 250]);
  }
  report.elapsedMs = performance.now() - started;
  return report;
}

/** Resolves a `fromService` entry against the loaded ECS service. */
function bindEcsService(
  store: ClusterStore,
  scenario: Scenario,
  from: NonNullable<Scenario["cloudMap"]>["namespaces"][number]["services"][number]["fromService"] & object,
  namespace: string,
  cloudMapService: string,
  serviceId: string | undefined,
): CloudMapBinding {
  const cluster = store.cluster(from.cluster ?? scenario.cluster);
  const service = cluster ? store.service(cluster.clusterArn, from.service) : undefined;
  if (!cluster || !service) {
    throw new ScenarioError(`cloudMap namespace ${namespace}: ECS service "${from.service}" is not declared`);
  }
  const def = store.taskDefinition(service.taskDefinitionArn);
  return {
    namespace,
    cloudMapService,
    serviceId,
    ecsServiceArn: service.serviceArn,
    clusterName: cluster.clusterName,
    ecsServiceName: service.serviceName,
    family: def?.family ?? "",
    containerPort: from.port ?? def?.containerDefinitions.flatMap((c) => c.portMappings)[0]?.containerPort,
    attributes: from.attributes,
  };
}
