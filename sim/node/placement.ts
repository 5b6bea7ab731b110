import type { SimContainerInstance, SimTask } from "../state/model.js";
import { regionOf } from "./node-containers.js";
import { hexId, macFor, Seeded } from "./seeded.js";

/** Identity facts of simulated instances and ENIs that IMDS, task metadata and (if it wishes) EC2 share. */

const DEFAULT_REGION = "us-east-1";

/** The instance attribute ECS sets to the instance's Availability Zone. */
export const AZ_ATTRIBUTE = "ecs.availability-zone";

/** Region of an instance (from its ARN). */
export function regionOfInstance(instance: SimContainerInstance): string {
  return regionOf(instance.containerInstanceArn) ?? DEFAULT_REGION;
}

/** The instance's AZ: its own, or its `ecs.availability-zone` attribute, else a stable pick among a/b/c. */
export function availabilityZoneOf(instance: SimContainerInstance): string {
  if (instance.availabilityZone) return instance.availabilityZone;
  const attribute = instance.attributes.find((a) => a.name === AZ_ATTRIBUTE)?.value;
  if (attribute) return attribute;
  return `${regionOfInstance(instance)}${"abc"[new Seeded(`az:${instance.ec2InstanceId}`).int(0, 2)]}`;
}

/** A Fargate (or instance-less) task's AZ: its own, else a stable pick among its region's a/b/c. */
export function availabilityZoneOfTask(task: SimTask): string {
  if (task.availabilityZone) return task.availabilityZone;
  return `${regionOf(task.taskArn) ?? DEFAULT_REGION}${"abc"[new Seeded(`az:${task.taskArn}`).int(0, 2)]}`;
}

export interface SimEni {
  eniId: string;
  macAddress: string;
  privateIpv4Address: string;
  deviceNumber: number;
  /** "primary" for device 0, "trunk" for the awsvpcTrunking trunk ENI, "task" for an awsvpc task ENI. */
  kind: "primary" | "trunk" | "task";
}

/** The instance's primary ENI (device 0): the store's, else one derived from the EC2 instance id. */
export function primaryEniOf(instance: SimContainerInstance): SimEni {
  if (instance.primaryEni) return { ...instance.primaryEni, deviceNumber: 0, kind: "primary" };
  return {
    eniId: `eni-${hexId(`eni:${instance.ec2InstanceId}`, 17)}`,
    macAddress: macFor(`primary:${instance.ec2InstanceId}`),
    privateIpv4Address: instance.privateIp,
    deviceNumber: 0,
    kind: "primary",
  };
}

/** A subnet-ish /24 around an address, e.g. "127.1.2.0/24". */
export function subnetCidrOf(ip: string): string {
  return `${ip.split(".").slice(0, 3).join(".")}.0/24`;
}

/** Stable VPC and subnet ids of a region's simulated network. */
export function vpcIdOf(region: string): string {
  return `vpc-${hexId(`vpc:${region}`, 17)}`;
}

export function subnetIdOf(cidr: string): string {
  return `subnet-${hexId(`subnet:${cidr}`, 17)}`;
}

/**
 * ENIs attached to an instance, in device order: the primary ENI; with awsvpcTrunking a single trunk ENI (branch
 * ENIs hang off the trunk and are not instance attachments); otherwise one ENI per awsvpc task that is not stopped.
 */
export function enisOfInstance(instance: SimContainerInstance, tasksOnInstance: SimTask[]): SimEni[] {
  const enis = [primaryEniOf(instance)];
  if (instance.trunking) {
    enis.push({
      eniId: `eni-${hexId(`trunk:${instance.ec2InstanceId}`, 17)}`,
      macAddress: macFor(`trunk:${instance.ec2InstanceId}`),
      privateIpv4Address: instance.privateIp.replace(/\.\d+$/, ".2"),
      deviceNumber: 1,
      kind: "trunk",
    });
    return enis;
  }
  const withEni = tasksOnInstance
    .filter((t) => t.eni && t.lastStatus !== "STOPPED")
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.taskArn.localeCompare(b.taskArn));
  for (const task of withEni) {
    const eni = task.eni!;
    enis.push({
      eniId: eni.eniId,
      macAddress: eni.macAddress,
      privateIpv4Address: eni.privateIpv4Address,
      deviceNumber: enis.length,
      kind: "task",
    });
  }
  return enis;
}
