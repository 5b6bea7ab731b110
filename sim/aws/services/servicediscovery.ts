import { decodeToken, encodeToken, InputReader } from "../input.js";
import type { SimService } from "../service.js";
import { type CloudMapNamespace, CloudMapRegistry, type CloudMapService, cloudMapError } from "./cloud-map-registry.js";

const reader = (input: Record<string, unknown>) => new InputReader(input, "InvalidInput");

/** One page of `items` by MaxResults (1–100) and the opaque NextToken. */
function page<T>(items: T[], input: Record<string, unknown>, salt: string): { items: T[]; next?: string | undefined } {
  const r = reader(input);
  const max = r.num("MaxResults", { min: 1, max: 100, integer: true }) ?? 100;
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

/** The namespace id of ListServices' `NAMESPACE_ID` EQ filter, the one filter ecsmon sends; others are refused. */
function namespaceFilter(input: Record<string, unknown>): string | undefined {
  let namespaceId: string | undefined;
  for (const entry of reader(input).list<Record<string, unknown>>("Filters") ?? []) {
    const f = (entry ?? {}) as Record<string, unknown>;
    const values = Array.isArray(f.Values) ? f.Values.map(String) : [];
    if (f.Name !== "NAMESPACE_ID" || (f.Condition ?? "EQ") !== "EQ" || values.length !== 1) {
      throw cloudMapError("InvalidInput", "Only the filter NAMESPACE_ID with condition EQ and one value is simulated.");
    }
    namespaceId = values[0];
  }
  return namespaceId;
}

function namespaceSummary(registry: CloudMapRegistry, ns: CloudMapNamespace) {
  let serviceCount = 0;
  for (const s of registry.services.values()) if (s.namespaceId === ns.id) serviceCount++;
  return {
    Id: ns.id,
    Arn: ns.arn,
    Name: ns.name,
    Type: ns.type,
    ServiceCount: serviceCount,
    Properties: { HttpProperties: { HttpName: ns.name } },
    CreateDate: ns.createDate,
  };
}

function serviceSummary(s: CloudMapService) {
  return {
    Id: s.id,
    Arn: s.arn,
    Name: s.name,
    Type: "HTTP",
    InstanceCount: s.instances.size,
    CreateDate: s.createDate,
  };
}

/**
 * Builds the simulated Cloud Map (servicediscovery, JSON 1.1, target prefix Route53AutoNaming_v20170314):
 * the reads ecsmon's Cloud Map observer makes (ListNamespaces, ListServices by namespace, ListInstances,
 * ListTagsForResource). Registrations come from the scenario and from ECS services it binds, as ECS
 * service discovery registers tasks, not from API calls.
 */
export function createServiceDiscoveryService(
  registry = new CloudMapRegistry(),
): SimService & { registry: CloudMapRegistry } {
  return {
    signingName: "servicediscovery",
    targetPrefix: "Route53AutoNaming_v20170314",
    registry,
    operations: {
      ListNamespaces: (input) => {
        const p = page([...registry.namespaces.values()], input, "sd-ns");
        return { Namespaces: p.items.map((ns) => namespaceSummary(registry, ns)), NextToken: p.next };
      },
      ListServices: (input) => {
        const namespaceId = namespaceFilter(input);
        const all = [...registry.services.values()].filter((s) => !namespaceId || s.namespaceId === namespaceId);
        const p = page(all, input, "sd-srv");
        return { Services: p.items.map(serviceSummary), NextToken: p.next };
      },
      ListInstances: (input) => {
        const s = registry.service(reader(input).reqStr("ServiceId", { max: 64 }));
        const p = page([...s.instances], input, `sd-inst:${s.id}`);
        return { Instances: p.items.map(([Id, Attributes]) => ({ Id, Attributes })), NextToken: p.next };
      },
      ListTagsForResource: (input) => ({
        Tags: registry.tagsFor(reader(input).reqStr("ResourceARN", { min: 1, max: 1011 })),
      }),
    },
  };
}
