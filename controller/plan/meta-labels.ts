import type {
  MetaLabels,
  ObservedCloudMapInstance,
  ObservedCluster,
  ObservedContainer,
  ObservedContainerDefinition,
  ObservedInstance,
  ObservedTask,
  ObservedTaskDefinition,
} from "../model.js";

/**
 * Discovery labels of an ECS container target. Names follow Prometheus's native `aws_sd_configs role: ecs`
 * (discovery/aws/ecs.go) where they overlap: cluster, cluster_arn, service, task_group, task_arn,
 * task_definition, region, availability_zone, ip_address, launch_type, desired_status, last_status,
 * network_mode, container_instance_arn, ec2_instance_id, ec2_instance_type, ec2_instance_private_ip.
 * Seed 003's names are added under the same prefix: container_name, task_family, task_revision,
 * container_image, container_arn, instance_id (the EC2 instance id), plus task_id, container_port and
 * container_runtime_id. Empty values are omitted.
 */
export function ecsMetaLabels(input: {
  observed: Pick<ObservedCluster, "cluster" | "clusterArn" | "region">;
  task: ObservedTask;
  taskDefinition: ObservedTaskDefinition;
  containerDefinition: ObservedContainerDefinition;
  container: ObservedContainer | undefined;
  instance: ObservedInstance | undefined;
  ip: string;
  containerPort: number;
}): MetaLabels {
  const { observed, task, taskDefinition: td, containerDefinition: cd, container, instance } = input;
  const meta: Record<string, string | undefined> = {
    __meta_ecs_cluster: observed.cluster,
    __meta_ecs_cluster_arn: observed.clusterArn,
    __meta_ecs_service: task.serviceName,
    __meta_ecs_task_group: task.group,
    __meta_ecs_task_arn: task.taskArn,
    __meta_ecs_task_id: task.taskId,
    __meta_ecs_task_definition: task.taskDefinitionArn,
    __meta_ecs_task_family: td.family,
    __meta_ecs_task_revision: String(td.revision),
    __meta_ecs_region: observed.region,
    __meta_ecs_availability_zone: task.availabilityZone ?? instance?.availabilityZone,
    __meta_ecs_ip_address: input.ip,
    __meta_ecs_launch_type: task.launchType,
    __meta_ecs_desired_status: task.desiredStatus,
    __meta_ecs_last_status: task.lastStatus,
    __meta_ecs_network_mode: task.launchType === "FARGATE" ? "awsvpc" : td.networkMode,
    __meta_ecs_container_instance_arn: task.containerInstanceArn,
    __meta_ecs_ec2_instance_id: instance?.ec2InstanceId,
    __meta_ecs_ec2_instance_type: instance?.instanceType,
    __meta_ecs_ec2_instance_private_ip: instance?.privateIp,
    __meta_ecs_instance_id: instance?.ec2InstanceId,
    __meta_ecs_container_name: cd.name,
    __meta_ecs_container_image: container?.image ?? cd.image,
    __meta_ecs_container_arn: container?.containerArn,
    __meta_ecs_container_runtime_id: container?.runtimeId,
    __meta_ecs_container_port: String(input.containerPort),
  };
  return compact(meta);
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

/** Replaces every character outside [a-zA-Z0-9_] by "_", as Prometheus does for tag-derived labels. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, "_");
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
