import { createHash } from "node:crypto";
import { AwsError } from "../service.js";

export type NamespaceType = "HTTP" | "DNS_PRIVATE";
type Tag = { Key: string; Value: string };

export interface CloudMapNamespace {
  id: string;
  arn: string;
  name: string;
  type: NamespaceType;
  createDate: Date;
  tags: Tag[];
}

export interface CloudMapService {
  id: string;
  arn: string;
  name: string;
  namespaceId: string;
  createDate: Date;
  tags: Tag[];
  /** Instance id → its attributes (AWS_INSTANCE_IPV4, AWS_INSTANCE_PORT, …). */
  instances: Map<string, Record<string, string>>;
}

/** Tags as the API lists them or as a plain record (scenario files). */
export type TagsInput = Tag[] | Record<string, string> | undefined;

function tagList(tags: TagsInput): Tag[] {
  if (!tags) return [];
  if (Array.isArray(tags)) return tags.map((t) => ({ Key: t.Key, Value: t.Value }));
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Cloud Map errors (all 400, typed in @aws-sdk/client-servicediscovery). */
export const cloudMapError = (code: string, message: string, fields?: Record<string, unknown>) =>
  new AwsError(code, message, 400, true, fields);

/**
 * The simulated Cloud Map state: namespaces, services and their instances. Only the scenario loader and
 * the ECS-service follower write it (as ECS service discovery registers tasks); the API reads it.
 */
export class CloudMapRegistry {
  readonly namespaces = new Map<string, CloudMapNamespace>();
  readonly services = new Map<string, CloudMapService>();
  private seq = 0;

  constructor(
    readonly region = "us-east-1",
    readonly accountId = "000000000000",
  ) {}

  /** Deterministic ids ("ns-" + 16 hex chars) so that seeded scenarios give the same ids. */
  private nextId(prefix: string): string {
    this.seq++;
    return `${prefix}${createHash("sha256").update(`${prefix}:${this.seq}`).digest("hex").slice(0, 16)}`;
  }

  private arn(kind: "namespace" | "service", id: string): string {
    return `arn:aws:servicediscovery:${this.region}:${this.accountId}:${kind}/${id}`;
  }

  createNamespace(input: { name: string; type: NamespaceType; tags?: TagsInput }): {
    id: string;
    namespace: CloudMapNamespace;
  } {
    for (const ns of this.namespaces.values()) {
      if (ns.name === input.name)
        throw cloudMapError("NamespaceAlreadyExists", `Namespace ${input.name} already exists.`, {
          NamespaceId: ns.id,
        });
    }
    const id = this.nextId("ns-");
    const namespace: CloudMapNamespace = {
      id,
      arn: this.arn("namespace", id),
      name: input.name,
      type: input.type,
      createDate: new Date(),
      tags: tagList(input.tags),
    };
    this.namespaces.set(id, namespace);
    return { id, namespace };
  }

  namespace(id: string): CloudMapNamespace {
    const ns = this.namespaces.get(id);
    if (!ns) throw cloudMapError("NamespaceNotFound", `Namespace ${id} not found.`);
    return ns;
  }

  createService(input: { namespaceId: string; name: string; tags?: TagsInput }): CloudMapService {
    const ns = this.namespace(input.namespaceId);
    for (const s of this.services.values()) {
      if (s.namespaceId === ns.id && s.name === input.name) {
        throw cloudMapError("ServiceAlreadyExists", `Service ${input.name} already exists in namespace ${ns.id}.`, {
          ServiceId: s.id,
          ServiceArn: s.arn,
        });
      }
    }
    const id = this.nextId("srv-");
    const service: CloudMapService = {
      id,
      arn: this.arn("service", id),
      name: input.name,
      namespaceId: ns.id,
      createDate: new Date(),
      tags: tagList(input.tags),
      instances: new Map(),
    };
    this.services.set(id, service);
    return service;
  }

  service(id: string): CloudMapService {
    const s = this.services.get(id);
    if (!s) throw cloudMapError("ServiceNotFound", `Service ${id} not found.`);
    return s;
  }

  /** Registers or updates (same instance id) an instance. */
  registerInstance(input: { serviceId: string; instanceId: string; attributes: Record<string, string> }): void {
    this.service(input.serviceId).instances.set(input.instanceId, { ...input.attributes });
  }

  deregisterInstance(serviceId: string, instanceId: string): void {
    if (!this.service(serviceId).instances.delete(instanceId)) {
      throw cloudMapError("InstanceNotFound", `Instance ${instanceId} not found in service ${serviceId}.`);
    }
  }

  /** A namespace's or service's tags by ARN. */
  tagsFor(arn: string): Tag[] {
    for (const ns of this.namespaces.values()) if (ns.arn === arn) return ns.tags;
    for (const s of this.services.values()) if (s.arn === arn) return s.tags;
    throw cloudMapError("ResourceNotFoundException", `Resource ${arn} not found.`);
  }

  clear(): void {
    this.namespaces.clear();
    this.services.clear();
  }
}
