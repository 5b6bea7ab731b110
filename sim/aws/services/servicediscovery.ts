import { decodeToken, encodeToken, InputReader } from "../input.js";
import type { SimService } from "../service.js";
import {
  type CloudMapInstance,
  type CloudMapNamespace,
  CloudMapRegistry,
  type CloudMapService,
  cloudMapError,
} from "./cloud-map-registry.js";

const reader = (input: Record<string, unknown>) => new InputReader(input, "InvalidInput");

function page<T>(
  items: T[],
  input: Record<string, unknown>,
  salt: string,
  maxLimit = 100,
): { items: T[]; next?: string | undefined } {
  const r = reader(input);
  const max = r.num("MaxResults", { min: 1, max: maxLimit, integer: true }) ?? maxLimit;
  const token = r.str("NextToken", { max: 4096 });
  let offset = 0;
  if (token !== undefined) {
    const decoded = decodeToken(token, salt);
    if (decoded === undefined) throw cloudMapError("InvalidInput", "The NextToken value is invalid.");
    offset = decoded;
  }
  const slice = items.slice(offset, offset + max);
  return { items: slice, next: offset + max < items.length ? encodeToken(offset + max, salt) : undefined };
}

type Filter = { Name: string; Values: string[]; Condition: string };

function parseFilters(input: Record<string, unknown>, allowed: string[]): Filter[] {
  const raw = reader(input).list<Record<string, unknown>>("Filters") ?? [];
  return raw.map((entry) => {
    const f = (entry ?? {}) as Record<string, unknown>;
    const name = String(f.Name ?? "");
    if (!allowed.includes(name))
      throw cloudMapError("InvalidInput", `Filter name ${name} is not valid; valid names: ${allowed.join(", ")}.`);
    const values = Array.isArray(f.Values) ? f.Values.map(String) : [];
    if (values.length === 0) throw cloudMapError("InvalidInput", `Filter ${name} requires at least one value.`);
    const condition = f.Condition === undefined ? "EQ" : String(f.Condition);
    if (!["EQ", "IN", "BETWEEN", "BEGINS_WITH"].includes(condition)) {
      throw cloudMapError("InvalidInput", `Filter condition ${condition} is not valid.`);
    }
    if (condition === "EQ" && values.length !== 1)
      throw cloudMapError("InvalidInput", `Filter ${name} with EQ takes exactly one value.`);
    return { Name: name, Values: values, Condition: condition };
  });
}

function matches(value: string, f: Filter): boolean {
  switch (f.Condition) {
    case "BEGINS_WITH":
      return value.startsWith(f.Values[0] ?? "");
    case "BETWEEN":
      return value >= (f.Values[0] ?? "") && value <= (f.Values[1] ?? "");
    default:
      return f.Values.includes(value);
  }
}

function nsProperties(ns: CloudMapNamespace) {
  return ns.type === "HTTP"
    ? { HttpProperties: { HttpName: ns.name } }
    : {
        DnsProperties: { HostedZoneId: `Z${ns.id.slice(3, 17).toUpperCase()}`, SOA: { TTL: 15 } },
        HttpProperties: { HttpName: ns.name },
      };
}

function serviceCount(registry: CloudMapRegistry, nsId: string): number {
  let n = 0;
  for (const s of registry.services.values()) if (s.namespaceId === nsId) n++;
  return n;
}

function renderService(s: CloudMapService) {
  return {
    Id: s.id,
    Arn: s.arn,
    Name: s.name,
    NamespaceId: s.namespaceId,
    Description: s.description,
    InstanceCount: s.instances.size,
    Type: s.type,
    DnsConfig: s.dnsConfig,
    HealthCheckConfig: s.healthCheckConfig,
    HealthCheckCustomConfig: s.healthCheckCustomConfig,
    CreateDate: s.createDate,
    CreatorRequestId: s.creatorRequestId,
  };
}

function tagsOf(input: Record<string, unknown>): { Key: string; Value: string }[] | undefined {
  const tags = reader(input).list<Record<string, unknown>>("Tags", { max: 200 });
  return tags?.map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? "") }));
}

/**
 * Builds the simulated Cloud Map (AWS Cloud Map / servicediscovery, JSON 1.1, target prefix
 * Route53AutoNaming_v20170314). DiscoverInstances is the data plane: the SDK sends it to `data-<host>` unless
 * the client sets `disableHostPrefix: true` (lib/aws/clients.ts does with an endpoint override).
 */
export function createServiceDiscoveryService(
  registry = new CloudMapRegistry(),
): SimService & { registry: CloudMapRegistry } {
  return {
    signingName: "servicediscovery",
    targetPrefix: "Route53AutoNaming_v20170314",
    registry,
    operations: {
      CreateHttpNamespace: (input) => {
        const r = reader(input);
        const { operationId } = registry.createNamespace({
          name: r.reqStr("Name", { min: 1, max: 1024 }),
          type: "HTTP",
          description: r.str("Description", { max: 1024 }),
          creatorRequestId: r.str("CreatorRequestId", { max: 64 }),
          tags: tagsOf(input),
        });
        return { OperationId: operationId };
      },
      CreatePrivateDnsNamespace: (input) => {
        const r = reader(input);
        const name = r.reqStr("Name", { min: 1, max: 253 });
        if (!/^[!-~]{1,1024}$/.test(name) || name.startsWith("."))
          throw cloudMapError("InvalidInput", `Namespace name ${name} is not a valid DNS name.`);
        const { operationId } = registry.createNamespace({
          name,
          type: "DNS_PRIVATE",
          vpc: r.reqStr("Vpc", { max: 64 }),
          description: r.str("Description", { max: 1024 }),
          creatorRequestId: r.str("CreatorRequestId", { max: 64 }),
          tags: tagsOf(input),
        });
        return { OperationId: operationId };
      },
      GetNamespace: (input) => {
        const ns = registry.namespace(reader(input).reqStr("Id", { max: 64 }));
        return {
          Namespace: {
            Id: ns.id,
            Arn: ns.arn,
            Name: ns.name,
            Type: ns.type,
            Description: ns.description,
            ServiceCount: serviceCount(registry, ns.id),
            Properties: nsProperties(ns),
            CreateDate: ns.createDate,
            CreatorRequestId: ns.creatorRequestId,
          },
        };
      },
      DeleteNamespace: (input) => ({ OperationId: registry.deleteNamespace(reader(input).reqStr("Id", { max: 64 })) }),
      ListNamespaces: (input) => {
        const filters = parseFilters(input, ["TYPE", "NAME", "HTTP_NAME", "RESOURCE_OWNER"]);
        const all = [...registry.namespaces.values()].filter((ns) =>
          filters.every((f) => {
            if (f.Name === "TYPE") return matches(ns.type, f);
            if (f.Name === "RESOURCE_OWNER") return matches("SELF", f);
            return matches(ns.name, f);
          }),
        );
        const p = page(all, input, "sd-ns");
        return {
          Namespaces: p.items.map((ns) => ({
            Id: ns.id,
            Arn: ns.arn,
            Name: ns.name,
            Type: ns.type,
            Description: ns.description,
            ServiceCount: serviceCount(registry, ns.id),
            Properties: nsProperties(ns),
            CreateDate: ns.createDate,
          })),
          NextToken: p.next,
        };
      },
      CreateService: (input) => {
        const r = reader(input);
        const namespaceId = r.str("NamespaceId", { max: 64 });
        if (!namespaceId) throw cloudMapError("InvalidInput", "NamespaceId is required.");
        const type = r.oneOf("Type", ["HTTP"] as const);
        const service = registry.createService({
          namespaceId,
          name: r.reqStr("Name", { min: 1, max: 127 }),
          description: r.str("Description", { max: 1024 }),
          type,
          dnsConfig: r.obj("DnsConfig"),
          healthCheckConfig: r.obj("HealthCheckConfig"),
          healthCheckCustomConfig: r.obj("HealthCheckCustomConfig"),
          creatorRequestId: r.str("CreatorRequestId", { max: 64 }),
          tags: tagsOf(input),
        });
        return { Service: renderService(service) };
      },
      GetService: (input) => ({ Service: renderService(registry.service(reader(input).reqStr("Id", { max: 64 }))) }),
      DeleteService: (input) => {
        registry.deleteService(reader(input).reqStr("Id", { max: 64 }));
        return {};
      },
      ListServices: (input) => {
        const filters = parseFilters(input, ["NAMESPACE_ID", "RESOURCE_OWNER"]);
        const all = [...registry.services.values()].filter((s) =>
          filters.every((f) => (f.Name === "NAMESPACE_ID" ? matches(s.namespaceId, f) : matches("SELF", f))),
        );
        const p = page(all, input, "sd-srv");
        return {
          Services: p.items.map((s) => {
            const { NamespaceId: _ns, CreatorRequestId: _c, ...summary } = renderService(s);
            return summary;
          }),
          NextToken: p.next,
        };
      },
      RegisterInstance: (input) => {
        const r = reader(input);
        const attributes = r.obj("Attributes") ?? r.missing("Attributes");
        const operationId = registry.registerInstance({
          serviceId: r.reqStr("ServiceId", { max: 64 }),
          instanceId: r.reqStr("InstanceId", { min: 1, max: 64 }),
          attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, String(v)])),
          creatorRequestId: r.str("CreatorRequestId", { max: 64 }),
        });
        return { OperationId: operationId };
      },
      DeregisterInstance: (input) => {
        const r = reader(input);
        return {
          OperationId: registry.deregisterInstance(
            r.reqStr("ServiceId", { max: 64 }),
            r.reqStr("InstanceId", { max: 64 }),
          ),
        };
      },
      GetInstance: (input) => {
        const r = reader(input);
        const s = registry.service(r.reqStr("ServiceId", { max: 64 }));
        const id = r.reqStr("InstanceId", { max: 64 });
        const inst = s.instances.get(id);
        if (!inst) throw cloudMapError("InstanceNotFound", `Instance ${id} not found in service ${s.id}.`);
        return { Instance: { Id: inst.id, CreatorRequestId: inst.creatorRequestId, Attributes: inst.attributes } };
      },
      ListInstances: (input) => {
        const s = registry.service(reader(input).reqStr("ServiceId", { max: 64 }));
        const p = page([...s.instances.values()], input, `sd-inst:${s.id}`);
        return {
          Instances: p.items.map((i) => ({ Id: i.id, Attributes: i.attributes })),
          NextToken: p.next,
          ResourceOwner: undefined,
        };
      },
      UpdateInstanceCustomHealthStatus: (input) => {
        const r = reader(input);
        const status = r.oneOf("Status", ["HEALTHY", "UNHEALTHY"] as const) ?? r.missing("Status");
        registry.setHealth(r.reqStr("ServiceId"), r.reqStr("InstanceId"), status);
        return {};
      },
      DiscoverInstances: (input) => {
        const r = reader(input);
        const namespaceName = r.reqStr("NamespaceName", { max: 1024 });
        const serviceName = r.reqStr("ServiceName");
        const max = r.num("MaxResults", { min: 1, max: 1000, integer: true }) ?? 100;
        const health =
          r.oneOf("HealthStatus", ["HEALTHY", "UNHEALTHY", "ALL", "HEALTHY_OR_ELSE_ALL"] as const) ?? "HEALTHY";
        const query = (r.obj("QueryParameters") ?? {}) as Record<string, string>;
        const optional = (r.obj("OptionalParameters") ?? {}) as Record<string, string>;
        const s = registry.lookup(namespaceName, serviceName);
        const has = (i: CloudMapInstance, params: Record<string, string>) =>
          Object.entries(params).every(([k, v]) => i.attributes[k] === String(v));
        let list = [...s.instances.values()].filter((i) => has(i, query));
        if (Object.keys(optional).length > 0) {
          const narrowed = list.filter((i) => has(i, optional));
          if (narrowed.length > 0) list = narrowed;
        }
        if (health === "HEALTHY") list = list.filter((i) => i.health === "HEALTHY");
        else if (health === "UNHEALTHY") list = list.filter((i) => i.health === "UNHEALTHY");
        else if (health === "HEALTHY_OR_ELSE_ALL") {
          const healthy = list.filter((i) => i.health === "HEALTHY");
          if (healthy.length > 0) list = healthy;
        }
        return {
          Instances: list.slice(0, max).map((i) => ({
            InstanceId: i.id,
            NamespaceName: namespaceName,
            ServiceName: serviceName,
            HealthStatus: s.healthCheckConfig || s.healthCheckCustomConfig ? i.health : "UNKNOWN",
            Attributes: i.attributes,
          })),
          InstancesRevision: s.revision,
        };
      },
      DiscoverInstancesRevision: (input) => {
        const r = reader(input);
        return { InstancesRevision: registry.lookup(r.reqStr("NamespaceName"), r.reqStr("ServiceName")).revision };
      },
      GetOperation: (input) => {
        const id = reader(input).reqStr("OperationId", { max: 255 });
        const op = registry.operations.get(id);
        if (!op) throw cloudMapError("OperationNotFound", `Operation ${id} not found.`);
        return {
          Operation: {
            Id: op.id,
            Type: op.type,
            Status: op.status,
            CreateDate: op.createDate,
            UpdateDate: op.updateDate,
            Targets: op.targets,
          },
        };
      },
      ListTagsForResource: (input) => ({
        Tags: registry.tagsFor(reader(input).reqStr("ResourceARN", { min: 1, max: 1011 })),
      }),
    },
  };
}
