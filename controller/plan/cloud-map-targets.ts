import type { ClusterSpec } from "../../crds-like-schemas/index.js";
import { checkMetricsPath } from "../labels/index.js";
import type { DesiredTarget, InvalidTarget, ObservedCluster } from "../model.js";
import { isIpv4 } from "./address.js";
import { cloudMapMetaLabels } from "./meta-labels.js";

/**
 * Cloud Map instances of the spec's namespaces become pool targets with id
 * `cloudmap/<namespace>/<service>/<instanceId>/<port><path>`. The observer already resolved port and path
 * (service tags, then the instance's METRICS_PORT/METRICS_PATH attributes); here they are validated like
 * docker labels, so an attribute cannot aim the agent at another host or path.
 *
 * The Cloud Map instance id is labelled `cloudmap_instance_id`: `instance_id` means the EC2 instance id, as in
 * seed 003, and a Cloud Map target does not know it. When docker labels find the same endpoint, plan() keeps the
 * docker-label target and these targets only lend it their `__meta_ecs_cloudmap_*` labels (ADR 0048).
 */
export function planCloudMapTargets(
  spec: ClusterSpec,
  observed: ObservedCluster,
): { targets: DesiredTarget[]; invalid: InvalidTarget[] } {
  const targets: DesiredTarget[] = [];
  const invalid: InvalidTarget[] = [];
  if (!spec.scrape.enabled) return { targets, invalid };
  const namespaces = new Set(spec.cloudMap.namespaces);
  const seen = new Set<string>();
  for (const instance of observed.cloudMap) {
    if (!namespaces.has(instance.namespace)) continue;
    const base = `cloudmap/${instance.namespace}/${instance.serviceName}/${instance.instanceId}`;
    const id = `${base}/${instance.port}${instance.metricsPath}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const problem = !isIpv4(instance.ipv4)
      ? `AWS_INSTANCE_IPV4 ${JSON.stringify(instance.ipv4)} is not an IPv4 address`
      : !Number.isInteger(instance.port) || instance.port < 1 || instance.port > 65_535
        ? `metrics port ${instance.port} out of range 1-65535`
        : checkMetricsPath(instance.metricsPath)?.message;
    if (problem) {
      invalid.push({
        id,
        cluster: observed.cluster,
        taskArn: base,
        containerName: instance.serviceName,
        serviceName: instance.serviceName,
        reason: problem,
      });
      continue;
    }
    targets.push({
      target: {
        id,
        address: `${instance.ipv4}:${instance.port}`,
        scheme: spec.scrape.scheme,
        metricsPath: instance.metricsPath,
        labels: {
          cluster: observed.cluster,
          cloudmap_namespace: instance.namespace,
          cloudmap_service: instance.serviceName,
          cloudmap_instance_id: instance.instanceId,
        },
      },
      cluster: observed.cluster,
      serviceName: instance.serviceName,
      meta: cloudMapMetaLabels(observed, instance),
    });
  }
  return { targets, invalid };
}
