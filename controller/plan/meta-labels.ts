import type {
  MetaLabels,
  ObservedCloudMapInstance,
  ObservedCluster,
  ObservedContainer,
  ObservedContainerDefinition,
  ObservedInstance,
  ObservedTask,
  ObservedTaskDefinition,
  ResourceTags,
} from "../model.js";

/** What the ECS discovery labels read of the cluster view (plan() passes the whole {@link ObservedCluster}). */
export type ClusterLabelSource = Pick<ObservedCluster, "cluster" | "clusterArn" | "region"> &
  Partial<Pick<ObservedCluster, "serviceLabels" | "clusterTags">>;

/**
 * Discovery labels of an ECS container target; docs/labels.md lists each one with its source, and a test keeps
 * that table and this function in step.
 * - Prometheus's native `aws_sd_configs role: ecs` names (discovery/aws/ecs.go, v3.10) carry the values that
 *   code gives them, including `network_mode` ("awsvpc" for a task with an ENI, else "bridge", host mode
 *   included: ADR 0046) and the `tag_cluster_`, `tag_service_`, `tag_task_` and `tag_ec2_` families with tag
 *   keys sanitized as Prometheus does. `public_ip` of awsvpc tasks is left out: it needs EC2
 *   DescribeNetworkInterfaces, a call ecsmon does not make.
 * - ecsmon's own `__meta_ecs_*` names: task_id, task_family, task_revision, task_definition_network_mode,
 *   container_name, container_image, container_arn, container_runtime_id, container_port, instance_id.
 * - Seed 003's labels, under its own names, so that its relabel rules keep working: plain container_arn,
 *   container_name, instance_id (the EC2 instance id), task_name, task_revision, and __task_group,
 *   __container_image, __container_runtime_id.
 * Empty values are omitted.
 */
export function ecsMetaLabels(input: {
  observed: ClusterLabelSource;
  task: ObservedTask;
  taskDefinition: ObservedTaskDefinition;
  containerDefinition: ObservedContainerDefinition;
  container: ObservedContainer | undefined;
  instance: ObservedInstance | undefined;
  ip: string;
  containerPort: number;
}): MetaLabels {
  const { observed, task, taskDefinition: td, containerDefinition: cd, container, instance } = input;
  const service = task.serviceName ? observed.serviceLabels?.get(task.serviceName) : undefined;
  const hasEni = task.launchType === "FARGATE" || task.eniPrivateIp !== undefined;
  const image = container?.image ?? cd.image;
  const revision = String(td.revision);
  const meta: Record<string, string | undefined> = {
    __meta_ecs_cluster: observed.cluster,
    __meta_ecs_cluster_arn: observed.clusterArn,
    __meta_ecs_service: task.serviceName,
    __meta_ecs_service_arn: service?.serviceArn,
    __meta_ecs_service_status: service?.status,
    __meta_ecs_task_group: task.group,
    __meta_ecs_task_arn: task.taskArn,
    __meta_ecs_task_id: task.taskId,
    __meta_ecs_task_definition: task.taskDefinitionArn,
    __meta_ecs_task_family: td.family,
    __meta_ecs_task_revision: revision,
    __meta_ecs_region: observed.region,
    __meta_ecs_availability_zone: task.availabilityZone ?? instance?.availabilityZone,
    __meta_ecs_subnet_id: hasEni ? task.eniSubnetId : instance?.subnetId,
    __meta_ecs_ip_address: input.ip,
    __meta_ecs_public_ip: hasEni ? undefined : instance?.publicIp,
    __meta_ecs_launch_type: task.launchType,
    __meta_ecs_desired_status: task.desiredStatus,
    __meta_ecs_last_status: task.lastStatus,
    __meta_ecs_health_status: task.healthStatus,
    __meta_ecs_platform_family: task.platformFamily,
    __meta_ecs_platform_version: task.platformVersion,
    __meta_ecs_network_mode: hasEni ? "awsvpc" : task.containerInstanceArn ? "bridge" : undefined,
    __meta_ecs_task_definition_network_mode: task.launchType === "FARGATE" ? "awsvpc" : td.networkMode,
    __meta_ecs_container_instance_arn: task.containerInstanceArn,
    __meta_ecs_ec2_instance_id: instance?.ec2InstanceId,
    __meta_ecs_ec2_instance_type: instance?.instanceType,
    __meta_ecs_ec2_instance_private_ip: instance?.privateIp,
    __meta_ecs_ec2_instance_public_ip: instance?.publicIp,
    __meta_ecs_instance_id: instance?.ec2InstanceId,
    __meta_ecs_container_name: cd.name,
    __meta_ecs_container_image: image,
    __meta_ecs_container_arn: container?.containerArn,
    __meta_ecs_container_runtime_id: container?.runtimeId,
    __meta_ecs_container_port: String(input.containerPort),
    container_arn: container?.containerArn,
    container_name: cd.name,
    instance_id: instance?.ec2InstanceId,
    task_name: td.family,
    task_revision: revision,
    __task_group: task.group,
    __container_image: image,
    __container_runtime_id: container?.runtimeId,
  };
  addTags(meta, "__meta_ecs_tag_cluster_", observed.clusterTags);
  if (task.serviceName) addTags(meta, "__meta_ecs_tag_service_", service?.tags);
  addTags(meta, "__meta_ecs_tag_task_", task.tags);
  if (instance) addTags(meta, "__meta_ecs_tag_ec2_", instance.tags);
  return compact(meta);
}

/** Tag families in the order Prometheus writes them (cluster, service, task, EC2); keys sanitized as it does. */
function addTags(meta: Record<string, string | undefined>, prefix: string, tags: ResourceTags | undefined): void {
  if (!tags) return;
  for (const key in tags) meta[prefix + sanitizeLabelName(key)] = tags[key];
}

/** Discovery labels of a Cloud Map instance target: `__meta_ecs_cloudmap_*`, attributes sanitized to label names. */
export function cloudMapMetaLabels(
  observed: Pick<ObservedCluster, "cluster" | "clusterArn" | "region">,
  instance: ObservedCloudMapInstance,
): MetaLabels {
  const meta: Record<string, string | undefined> = {
    __meta_ecs_cluster: observed.cluster,
    __meta_ecs_cluster_arn: observed.clusterArn,
    __meta_ecs_region: observed.region,
    __meta_ecs_ip_address: instance.ipv4,
    __meta_ecs_cloudmap_namespace: instance.namespace,
    __meta_ecs_cloudmap_service: instance.serviceName,
    __meta_ecs_cloudmap_service_id: instance.serviceId,
    __meta_ecs_cloudmap_instance_id: instance.instanceId,
  };
  for (const [key, value] of Object.entries(instance.attributes)) {
    meta[`__meta_ecs_cloudmap_attribute_${sanitizeLabelName(key)}`] = value;
  }
  return compact(meta);
}

/**
 * Replaces every character outside [a-zA-Z0-9_] by "_", as Prometheus's strutil.SanitizeLabelName does for
 * tag-derived labels: one "_" per code point (Go's regexp works on runes), hence the `u` flag.
 */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/gu, "_");
}

/**
 * Empty values are set to undefined rather than deleted: deleting keys turns the object into a dictionary of
 * ~1 KB, where the object literal with undefined members keeps ~0.25 KB (10,000 targets: ~7 MB). Consumers
 * skip undefined members ({@link MetaLabels}).
 */
function compact(record: Record<string, string | undefined>): MetaLabels {
  for (const key in record) if (record[key] === "") record[key] = undefined;
  return record;
}
