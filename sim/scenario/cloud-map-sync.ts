import type { ClusterStore } from "../state/cluster-store.js";
import type { SimTask } from "../state/model.js";

/** Where registrations go; sim/aws/services/cloud-map-registry.ts's CloudMapRegistry is one. */
export interface CloudMapSink {
  createNamespace(input: { name: string; type: "HTTP" | "DNS_PRIVATE" }): { id: string };
  createService(input: { namespaceId: string; name: string; tags?: Record<string, string> }): { id: string };
  registerInstance(input: { serviceId: string; instanceId: string; attributes: Record<string, string> }): unknown;
  deregisterInstance?(serviceId: string, instanceId: string): unknown;
}

/** An ECS service whose tasks are registered in a Cloud Map service, as ECS service discovery does. */
export interface CloudMapBinding {
  namespace: string;
  cloudMapService: string;
  /** Cloud Map service id (undefined without a sink). */
  serviceId: string | undefined;
  ecsServiceArn: string;
  clusterName: string;
  ecsServiceName: string;
  family: string;
  /** Container port registered as AWS_INSTANCE_PORT. */
  containerPort: number | undefined;
  attributes: Record<string, string>;
}

/** The Cloud Map attributes ECS registers for one task of a bound service. */
export function taskRegistration(
  store: ClusterStore,
  binding: CloudMapBinding,
  task: SimTask,
): { id: string; attributes: Record<string, string> } {
  const instance = task.containerInstanceArn ? store.instance(task.containerInstanceArn) : undefined;
  const mapped = task.containers
    .flatMap((c) => c.networkBindings)
    .find((b) => b.containerPort === binding.containerPort);
  const ip = task.eni?.privateIpv4Address ?? instance?.privateIp ?? "";
  const port = task.eni ? binding.containerPort : (mapped?.hostPort ?? binding.containerPort);
  return {
    id: task.id,
    attributes: {
      AWS_INSTANCE_IPV4: ip,
      ...(port ? { AWS_INSTANCE_PORT: String(port) } : {}),
      AVAILABILITY_ZONE: task.availabilityZone ?? "",
      ECS_CLUSTER_NAME: binding.clusterName,
      ECS_SERVICE_NAME: binding.ecsServiceName,
      ECS_TASK_DEFINITION_FAMILY: binding.family,
      REGION: store.region,
      ...binding.attributes,
    },
  };
}

/**
 * Keeps bound Cloud Map services in step with their ECS services: a task is registered when it reaches
 * RUNNING and deregistered when it starts stopping, as the ECS service discovery integration does.
 * Tasks RUNNING now are taken as registered (the scenario loader did that). Returns an unsubscribe function.
 */
export function followEcsServices(store: ClusterStore, bindings: CloudMapBinding[], sink: CloudMapSink): () => void {
  const byService = new Map<string, CloudMapBinding[]>();
  const registered = new Set<string>();
  for (const b of bindings) {
    if (!b.serviceId) continue;
    const list = byService.get(b.ecsServiceArn) ?? [];
    list.push(b);
    byService.set(b.ecsServiceArn, list);
    for (const task of store.liveServiceTasks(b.ecsServiceArn)) {
      if (task.lastStatus === "RUNNING") registered.add(`${b.serviceId}/${task.id}`);
    }
  }
  if (byService.size === 0) return () => undefined;
  return store.subscribe((event) => {
    if (event.type !== "taskChanged" || !event.task.serviceName) return;
    const task = event.task;
    const serviceArn = store.arns.service(store.clusterName(task.clusterArn), task.serviceName!);
    for (const binding of byService.get(serviceArn) ?? []) {
      const key = `${binding.serviceId}/${task.id}`;
      if (task.desiredStatus === "RUNNING" && task.lastStatus === "RUNNING" && !registered.has(key)) {
        const reg = taskRegistration(store, binding, task);
        sink.registerInstance({ serviceId: binding.serviceId!, instanceId: reg.id, attributes: reg.attributes });
        registered.add(key);
      } else if (task.desiredStatus === "STOPPED" && registered.has(key)) {
        registered.delete(key);
        try {
          sink.deregisterInstance?.(binding.serviceId!, task.id);
        } catch {
          // Already deregistered through the API: nothing left to do.
        }
      }
    }
  });
}
