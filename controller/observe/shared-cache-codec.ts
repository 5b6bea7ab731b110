import { z } from "zod";
import type { ObservedInstanceType, ObservedTaskDefinition } from "../model.js";
import type { Ec2InstanceFacts } from "./ecs-mappers.js";

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
