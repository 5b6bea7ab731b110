import type { ObservedCloudMapInstance } from "../model.js";
import type { CloudMapApi } from "./aws-apis.js";
import type { CallRecorder } from "./call-stats.js";

/** Attribute (or service tag) names for the metrics endpoint, as seed 001 uses them. */
export const METRICS_PORT = "METRICS_PORT";
export const METRICS_PATH = "METRICS_PATH";

/**
 * Lists the registered instances of the named Cloud Map namespaces: ListNamespaces → ListServices (filtered by
 * namespace id) → ListTagsForResource per service → ListInstances per service, following `NextToken` on every
 * list call. Port: the instance's METRICS_PORT attribute, else the service's METRICS_PORT tag, else
 * AWS_INSTANCE_PORT; path: METRICS_PATH attribute, else tag, else "/metrics". Instances without an
 * AWS_INSTANCE_IPV4 or a numeric port are skipped (they cannot be scraped). Path safety is checked by plan().
 */
export async function observeCloudMap(
  api: CloudMapApi,
  namespaceNames: readonly string[],
  recorder: CallRecorder,
): Promise<ObservedCloudMapInstance[]> {
  if (namespaceNames.length === 0) return [];
  const wanted = new Set(namespaceNames);
  const namespaces: { id: string; name: string }[] = [];
  let token: string | undefined;
  do {
    const page = await recorder.call("servicediscovery:ListNamespaces", () =>
      api.listNamespaces({ NextToken: token, MaxResults: 100 }),
    );
    for (const ns of page.Namespaces ?? []) {
      if (ns.Id && ns.Name && wanted.has(ns.Name)) namespaces.push({ id: ns.Id, name: ns.Name });
    }
    token = page.NextToken;
  } while (token);

  const out: ObservedCloudMapInstance[] = [];
  for (const ns of namespaces) {
    const services: { id: string; name: string; arn?: string | undefined }[] = [];
    let serviceToken: string | undefined;
    do {
      const page = await recorder.call("servicediscovery:ListServices", () =>
        api.listServices({
          NextToken: serviceToken,
          MaxResults: 100,
          Filters: [{ Name: "NAMESPACE_ID", Values: [ns.id], Condition: "EQ" }],
        }),
      );
      for (const s of page.Services ?? []) if (s.Id && s.Name) services.push({ id: s.Id, name: s.Name, arn: s.Arn });
      serviceToken = page.NextToken;
    } while (serviceToken);

    for (const service of services) {
      const tags: Record<string, string> = {};
      if (service.arn) {
        const arn = service.arn;
        const tagged = await recorder.call("servicediscovery:ListTagsForResource", () =>
          api.listTagsForResource({ ResourceARN: arn }),
        );
        for (const tag of tagged.Tags ?? []) if (tag.Key && tag.Value !== undefined) tags[tag.Key] = tag.Value;
      }
      let instanceToken: string | undefined;
      do {
        const page = await recorder.call("servicediscovery:ListInstances", () =>
          api.listInstances({ ServiceId: service.id, NextToken: instanceToken, MaxResults: 100 }),
        );
        for (const instance of page.Instances ?? []) {
          const attributes = { ...(instance.Attributes ?? {}) };
          const observed = toCloudMapInstance(ns.name, service, instance.Id, attributes, tags);
          if (observed) out.push(observed);
        }
        instanceToken = page.NextToken;
      } while (instanceToken);
    }
  }
  return out;
}

function toCloudMapInstance(
  namespace: string,
  service: { id: string; name: string },
  instanceId: string | undefined,
  attributes: Record<string, string>,
  tags: Record<string, string>,
): ObservedCloudMapInstance | undefined {
  const ipv4 = attributes.AWS_INSTANCE_IPV4;
  if (!instanceId || !ipv4) return undefined;
  const portText = attributes[METRICS_PORT] ?? tags[METRICS_PORT] ?? attributes.AWS_INSTANCE_PORT;
  if (portText === undefined || !/^\d{1,5}$/.test(portText.trim())) return undefined;
  return {
    namespace,
    serviceName: service.name,
    serviceId: service.id,
    instanceId,
    ipv4,
    port: Number(portText.trim()),
    metricsPath: attributes[METRICS_PATH] ?? tags[METRICS_PATH] ?? "/metrics",
    attributes,
  };
}
