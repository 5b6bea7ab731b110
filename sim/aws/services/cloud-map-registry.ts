import { createHash } from "node:crypto";
import { AwsError } from "../service.js";

export type NamespaceType = "HTTP" | "DNS_PRIVATE" | "DNS_PUBLIC";
export type InstanceHealth = "HEALTHY" | "UNHEALTHY";

export interface CloudMapNamespace {
  id: string;
  arn: string;
  name: string;
  type: NamespaceType;
  description?: string | undefined;
  vpc?: string | undefined;
  creatorRequestId?: string | undefined;
  createDate: Date;
  tags: { Key: string; Value: string }[];
}

export interface CloudMapService {
  id: string;
  arn: string;
  name: string;
  namespaceId: string;
  description?: string | undefined;
  type: "HTTP" | "DNS_HTTP" | "DNS";
  dnsConfig?: unknown;
  healthCheckConfig?: unknown;
  healthCheckCustomConfig?: unknown;
  creatorRequestId?: string | undefined;
  createDate: Date;
  tags: { Key: string; Value: string }[];
  instances: Map<string, CloudMapInstance>;
  /** Incremented on every instance change (DiscoverInstancesRevision). */
  revision: number;
}

export interface CloudMapInstance {
  id: string;
  attributes: Record<string, string>;
  creatorRequestId?: string | undefined;
  health: InstanceHealth;
}

export interface CloudMapOperation {
  id: string;
  type:
    | "CREATE_NAMESPACE"
    | "DELETE_NAMESPACE"
    | "UPDATE_NAMESPACE"
    | "UPDATE_SERVICE"
    | "REGISTER_INSTANCE"
    | "DEREGISTER_INSTANCE";
  status: "SUBMITTED" | "PENDING" | "SUCCESS" | "FAIL";
  targets: Record<string, string>;
  createDate: Date;
  updateDate: Date;
}

const MAX_ATTRIBUTES = 30;

/** Tags as the API lists them or as a plain record (scenario files). */
export type TagsInput = { Key: string; Value: string }[] | Record<string, string> | undefined;

function tagList(tags: TagsInput): { Key: string; Value: string }[] {
  if (!tags) return [];
  if (Array.isArray(tags)) return tags.map((t) => ({ Key: t.Key, Value: t.Value }));
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Cloud Map errors (all 400, typed in @aws-sdk/client-servicediscovery). */
export const cloudMapError = (code: string, message: string, fields?: Record<string, unknown>) =>
  new AwsError(code, message, 400, true, fields);

/**
 * The simulated Cloud Map state: namespaces, services, instances and operations. Operations complete at
 * once (status SUCCESS). Scenario loaders call `createNamespace`/`createService`/`registerInstance` directly.
 */
export class CloudMapRegistry {
  readonly namespaces = new Map<string, CloudMapNamespace>();
  readonly services = new Map<string, CloudMapService>();
  readonly operations = new Map<string, CloudMapOperation>();
  private seq = 0;

  constructor(
    readonly region = "us-east-1",
    readonly accountId = "000000000000",
  ) {}

  /** Deterministic ids ("ns-" + 16 base32-ish chars) so that seeded scenarios give the same ids. */
  private nextId(prefix: string, length = 16): string {
    this.seq++;
    const hex = createHash("sha256").update(`${prefix}:${this.seq}`).digest("hex");
    return `${prefix}${hex.slice(0, length)}`;
  }

  private operation(type: CloudMapOperation["type"], targets: Record<string, string>): string {
    const id = this.nextId("", 32);
    const now = new Date();
    this.operations.set(id, { id, type, status: "SUCCESS", targets, createDate: now, updateDate: now });
    return id;
  }

  createNamespace(input: {
    name: string;
    type: NamespaceType;
    description?: string | undefined;
    vpc?: string | undefined;
    creatorRequestId?: string | undefined;
    tags?: TagsInput;
  }): { id: string; namespace: CloudMapNamespace; operationId: string } {
    for (const ns of this.namespaces.values()) {
      if (ns.name !== input.name) continue;
      if (input.creatorRequestId !== undefined && ns.creatorRequestId === input.creatorRequestId) {
        throw cloudMapError(
          "DuplicateRequest",
          `Duplicate request with creator request id ${input.creatorRequestId}.`,
          {
            DuplicateOperationId: [...this.operations.values()].find((o) => o.targets.NAMESPACE === ns.id)?.id,
          },
        );
      }
      throw cloudMapError("NamespaceAlreadyExists", `Namespace ${input.name} already exists.`, {
        NamespaceId: ns.id,
        CreatorRequestId: ns.creatorRequestId,
      });
    }
    const id = this.nextId("ns-");
    const namespace: CloudMapNamespace = {
      id,
      arn: `arn:aws:servicediscovery:${this.region}:${this.accountId}:namespace/${id}`,
      name: input.name,
      type: input.type,
      description: input.description,
      vpc: input.vpc,
      creatorRequestId: input.creatorRequestId,
      createDate: new Date(),
      tags: tagList(input.tags),
    };
    this.namespaces.set(id, namespace);
    return { id, namespace, operationId: this.operation("CREATE_NAMESPACE", { NAMESPACE: id }) };
  }

  namespace(id: string): CloudMapNamespace {
    const ns = this.namespaces.get(id);
    if (!ns) throw cloudMapError("NamespaceNotFound", `Namespace ${id} not found.`);
    return ns;
  }

  namespaceByName(name: string): CloudMapNamespace | undefined {
    for (const ns of this.namespaces.values()) if (ns.name === name) return ns;
    return undefined;
  }

  deleteNamespace(id: string): string {
    this.namespace(id);
    for (const s of this.services.values()) {
      if (s.namespaceId === id) throw cloudMapError("ResourceInUse", `Namespace ${id} has associated services.`);
    }
    this.namespaces.delete(id);
    return this.operation("DELETE_NAMESPACE", { NAMESPACE: id });
  }

  createService(input: {
    namespaceId: string;
    name: string;
    description?: string | undefined;
    type?: "HTTP" | undefined;
    dnsConfig?: unknown;
    healthCheckConfig?: unknown;
    healthCheckCustomConfig?: unknown;
    creatorRequestId?: string | undefined;
    tags?: TagsInput;
  }): CloudMapService {
    const ns = this.namespace(input.namespaceId);
    for (const s of this.services.values()) {
      if (s.namespaceId === ns.id && s.name === input.name) {
        throw cloudMapError("ServiceAlreadyExists", `Service ${input.name} already exists in namespace ${ns.id}.`, {
          ServiceId: s.id,
          ServiceArn: s.arn,
          CreatorRequestId: s.creatorRequestId,
        });
      }
    }
    const id = this.nextId("srv-");
    const service: CloudMapService = {
      id,
      arn: `arn:aws:servicediscovery:${this.region}:${this.accountId}:service/${id}`,
      name: input.name,
      namespaceId: ns.id,
      description: input.description,
      type: input.type ?? (ns.type === "HTTP" ? "HTTP" : input.dnsConfig ? "DNS_HTTP" : "HTTP"),
      dnsConfig: input.dnsConfig,
      healthCheckConfig: input.healthCheckConfig,
      healthCheckCustomConfig: input.healthCheckCustomConfig,
      creatorRequestId: input.creatorRequestId,
      createDate: new Date(),
      tags: tagList(input.tags),
      instances: new Map(),
      revision: 1,
    };
    this.services.set(id, service);
    return service;
  }

  service(id: string): CloudMapService {
    const s = this.services.get(id);
    if (!s) throw cloudMapError("ServiceNotFound", `Service ${id} not found.`);
    return s;
  }

  deleteService(id: string): void {
    const s = this.service(id);
    if (s.instances.size > 0) throw cloudMapError("ResourceInUse", `Service ${id} has registered instances.`);
    this.services.delete(id);
  }

  /** Registers or updates (same instance id) an instance; returns the operation id. */
  registerInstance(input: {
    serviceId: string;
    instanceId: string;
    attributes: Record<string, string>;
    creatorRequestId?: string | undefined;
  }): string {
    const s = this.service(input.serviceId);
    const count = Object.keys(input.attributes).length;
    if (count > MAX_ATTRIBUTES) {
      throw cloudMapError(
        "InvalidInput",
        `Instance ${input.instanceId} has ${count} attributes; the maximum is ${MAX_ATTRIBUTES}.`,
      );
    }
    for (const [k, v] of Object.entries(input.attributes)) {
      if (typeof v !== "string" || k.length > 255 || v.length > 1024) {
        throw cloudMapError(
          "InvalidInput",
          `Attribute ${k} is invalid: keys are at most 255 and values at most 1024 characters.`,
        );
      }
    }
    if (
      s.dnsConfig &&
      !("AWS_INSTANCE_IPV4" in input.attributes) &&
      !("AWS_INSTANCE_IPV6" in input.attributes) &&
      !("AWS_ALIAS_DNS_NAME" in input.attributes)
    ) {
      throw cloudMapError(
        "InvalidInput",
        "AWS_INSTANCE_IPV4 or AWS_INSTANCE_IPV6 is required for services with DNS records.",
      );
    }
    const previous = s.instances.get(input.instanceId);
    s.instances.set(input.instanceId, {
      id: input.instanceId,
      attributes: { ...input.attributes },
      creatorRequestId: input.creatorRequestId,
      health: previous?.health ?? "HEALTHY",
    });
    s.revision++;
    return this.operation("REGISTER_INSTANCE", { INSTANCE: input.instanceId, SERVICE: s.id });
  }

  deregisterInstance(serviceId: string, instanceId: string): string {
    const s = this.service(serviceId);
    if (!s.instances.delete(instanceId)) {
      throw cloudMapError("InstanceNotFound", `Instance ${instanceId} not found in service ${serviceId}.`);
    }
    s.revision++;
    return this.operation("DEREGISTER_INSTANCE", { INSTANCE: instanceId, SERVICE: s.id });
  }

  setHealth(serviceId: string, instanceId: string, health: InstanceHealth): void {
    const s = this.service(serviceId);
    const inst = s.instances.get(instanceId);
    if (!inst) throw cloudMapError("InstanceNotFound", `Instance ${instanceId} not found in service ${serviceId}.`);
    if (!s.healthCheckCustomConfig) {
      throw cloudMapError("CustomHealthNotFound", `Service ${serviceId} has no custom health check configuration.`);
    }
    if (inst.health !== health) {
      inst.health = health;
      s.revision++;
    }
  }

  /** Finds a service by namespace name and service name (the data plane's addressing). */
  lookup(namespaceName: string, serviceName: string): CloudMapService {
    const ns = this.namespaceByName(namespaceName);
    if (!ns) throw cloudMapError("NamespaceNotFound", `Namespace ${namespaceName} not found.`);
    for (const s of this.services.values()) if (s.namespaceId === ns.id && s.name === serviceName) return s;
    throw cloudMapError("ServiceNotFound", `Service ${serviceName} not found in namespace ${namespaceName}.`);
  }

  /** Any resource's tags by ARN. */
  tagsFor(arn: string): { Key: string; Value: string }[] {
    for (const ns of this.namespaces.values()) if (ns.arn === arn) return ns.tags;
    for (const s of this.services.values()) if (s.arn === arn) return s.tags;
    throw cloudMapError("ResourceNotFoundException", `Resource ${arn} not found.`);
  }

  clear(): void {
    this.namespaces.clear();
    this.services.clear();
    this.operations.clear();
  }
}
