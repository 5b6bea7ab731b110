import { z } from "zod";
import type { ObservedInstanceType, ObservedTask, ObservedTaskDefinition } from "../model.js";
import type { Ec2InstanceFacts } from "./ecs-mappers.js";
import type { StringPool } from "./string-pool.js";

/**
 * The JSON forms of the shared observer cache's entries (ADR 0068). The schema version lives in the key
 * (`…:v1`), so an upgrade that changes these shapes bumps the version and never reads an old entry. An entry
 * that does not match (corrupted, or written by a newer writer under the same version) decodes to undefined and
 * is fetched from AWS again, as if it were absent.
 *
 * Decoding rebuilds every object with all of its fields in the mapper's order (absent ones `undefined`), so a
 * revived definition has the same shape, and the same V8 hidden class, as one fresh from the API (ADR 0012 §4).
 */

const TaskDefinitionJson = z.object({
  taskDefinitionArn: z.string().min(1),
  family: z.string().min(1),
  revision: z.number(),
  networkMode: z.string(),
  cpu: z.number().optional(),
  memory: z.number().optional(),
  containerDefinitions: z.array(
    z.object({
      name: z.string(),
      image: z.string().optional(),
      cpu: z.number().optional(),
      memory: z.number().optional(),
      memoryReservation: z.number().optional(),
      dockerLabels: z.record(z.string(), z.string()),
      portMappings: z.array(
        z.object({
          containerPort: z.number(),
          hostPort: z.number().optional(),
          protocol: z.string().optional(),
        }),
      ),
    }),
  ),
});

const InstanceFactsJson = z.object({
  /** When the facts were read from EC2 (ms since the epoch): public IP and tags can change, so entries age out. */
  at: z.number(),
  privateIp: z.string().optional(),
  publicIp: z.string().optional(),
  subnetId: z.string().optional(),
  instanceType: z.string().optional(),
  availabilityZone: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
});

const InstanceTypeJson = z.object({
  instanceType: z.string().min(1),
  maxEnis: z.number(),
  trunkBranchEnis: z.number(),
  vcpus: z.number(),
  memoryMiB: z.number(),
});

function parseJson(text: string | null | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function encodeTaskDefinition(definition: ObservedTaskDefinition): string {
  return JSON.stringify(definition);
}

export function decodeTaskDefinition(text: string | null | undefined): ObservedTaskDefinition | undefined {
  const parsed = TaskDefinitionJson.safeParse(parseJson(text));
  if (!parsed.success) return undefined;
  const d = parsed.data;
  return {
    taskDefinitionArn: d.taskDefinitionArn,
    family: d.family,
    revision: d.revision,
    networkMode: d.networkMode,
    cpu: d.cpu,
    memory: d.memory,
    containerDefinitions: d.containerDefinitions.map((c) => ({
      name: c.name,
      image: c.image,
      cpu: c.cpu,
      memory: c.memory,
      memoryReservation: c.memoryReservation,
      dockerLabels: c.dockerLabels,
      portMappings: c.portMappings.map((p) => ({
        containerPort: p.containerPort,
        hostPort: p.hostPort,
        protocol: p.protocol,
      })),
    })),
  };
}

export function encodeInstanceFacts(facts: Ec2InstanceFacts, at: number): string {
  return JSON.stringify({ at, ...facts });
}

/** The facts and when they were read; undefined when the entry does not decode. */
export function decodeInstanceFacts(
  text: string | null | undefined,
): { facts: Ec2InstanceFacts; at: number } | undefined {
  const parsed = InstanceFactsJson.safeParse(parseJson(text));
  if (!parsed.success) return undefined;
  const f = parsed.data;
  return {
    at: f.at,
    facts: {
      privateIp: f.privateIp,
      publicIp: f.publicIp,
      subnetId: f.subnetId,
      instanceType: f.instanceType,
      availabilityZone: f.availabilityZone,
      tags: f.tags,
    },
  };
}

export function encodeInstanceType(type: ObservedInstanceType): string {
  return JSON.stringify(type);
}

export function decodeInstanceType(text: string | null | undefined): ObservedInstanceType | undefined {
  const parsed = InstanceTypeJson.safeParse(parseJson(text));
  if (!parsed.success) return undefined;
  const t = parsed.data;
  return {
    instanceType: t.instanceType,
    maxEnis: t.maxEnis,
    trunkBranchEnis: t.trunkBranchEnis,
    vcpus: t.vcpus,
    memoryMiB: t.memoryMiB,
  };
}

const TaskJson = z.object({
  taskArn: z.string().min(1),
  taskId: z.string(),
  taskDefinitionArn: z.string().min(1),
  group: z.string().optional(),
  serviceName: z.string().optional(),
  launchType: z.string().optional(),
  lastStatus: z.string(),
  desiredStatus: z.string().optional(),
  version: z.number().optional(),
  containerInstanceArn: z.string().optional(),
  availabilityZone: z.string().optional(),
  eniPrivateIp: z.string().optional(),
  eniSubnetId: z.string().optional(),
  healthStatus: z.string().optional(),
  platformFamily: z.string().optional(),
  platformVersion: z.string().optional(),
  tags: z.record(z.string(), z.string()),
  cpu: z.number().optional(),
  memory: z.number().optional(),
  containers: z.array(
    z.object({
      name: z.string(),
      containerArn: z.string().optional(),
      runtimeId: z.string().optional(),
      image: z.string().optional(),
      lastStatus: z.string().optional(),
      networkBindings: z.array(
        z.object({
          containerPort: z.number(),
          hostPort: z.number(),
          protocol: z.string().optional(),
          bindIP: z.string().optional(),
        }),
      ),
      privateIpv4Address: z.string().optional(),
    }),
  ),
});

export function encodeTask(task: ObservedTask): string {
  return JSON.stringify(task);
}

/** A settled task as the last holder described it; undefined unless it decodes with its tags. */
export function decodeTask(text: string | null | undefined, pool: StringPool): ObservedTask | undefined {
  const parsed = TaskJson.safeParse(parseJson(text));
  if (!parsed.success) return undefined;
  const t = parsed.data;
  return {
    taskArn: t.taskArn,
    taskId: t.taskId,
    taskDefinitionArn: pool.get(t.taskDefinitionArn),
    group: pool.get(t.group),
    serviceName: pool.get(t.serviceName),
    launchType: pool.get(t.launchType),
    lastStatus: pool.get(t.lastStatus),
    desiredStatus: pool.get(t.desiredStatus),
    version: t.version,
    containerInstanceArn: pool.get(t.containerInstanceArn),
    availabilityZone: pool.get(t.availabilityZone),
    eniPrivateIp: t.eniPrivateIp,
    eniSubnetId: pool.get(t.eniSubnetId),
    healthStatus: pool.get(t.healthStatus),
    platformFamily: pool.get(t.platformFamily),
    platformVersion: pool.get(t.platformVersion),
    tags: t.tags,
    cpu: t.cpu,
    memory: t.memory,
    containers: t.containers.map((c) => ({
      name: pool.get(c.name),
      containerArn: c.containerArn,
      runtimeId: c.runtimeId,
      image: pool.get(c.image),
      lastStatus: pool.get(c.lastStatus),
      networkBindings: c.networkBindings.map((b) => ({
        containerPort: b.containerPort,
        hostPort: b.hostPort,
        protocol: pool.get(b.protocol),
        bindIP: pool.get(b.bindIP),
      })),
      privateIpv4Address: c.privateIpv4Address,
    })),
  };
}
