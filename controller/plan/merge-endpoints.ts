import type { ScrapeTarget } from "../../crds-like-schemas/index.js";
import type { DesiredTarget, MetaLabels } from "../model.js";

/** The identity of a scrape target: what Prometheus would fetch. Two targets with one key are one endpoint. */
export function endpointKey(target: Pick<ScrapeTarget, "scheme" | "address" | "metricsPath">): string {
  return `${target.scheme}://${target.address}${target.metricsPath}`;
}

/**
 * Publishes each endpoint once (ADR 0048). `sources` are listed by precedence, docker-label targets first, then
 * Cloud Map; within one source the lowest target id wins. The winner of an endpoint keeps, unchanged,
 * everything that reaches the scraped series: id, node, address, scheme, path and its labels. The other targets
 * of that endpoint only add the discovery labels (`__meta_*`) the winner does not set, so a Cloud Map
 * registration of an ECS task adds its `__meta_ecs_cloudmap_*` labels and nothing else; on a conflicting name
 * the winner's value stands. Pure; a target with no duplicate is returned as the same object.
 */
export function mergeEndpoints(...sources: readonly (readonly DesiredTarget[])[]): DesiredTarget[] {
  const byEndpoint = new Map<string, { target: DesiredTarget; rank: number }>();
  sources.forEach((source, rank) => {
    for (const candidate of source) {
      const key = endpointKey(candidate.target);
      const held = byEndpoint.get(key);
      if (held === undefined) byEndpoint.set(key, { target: candidate, rank });
      else if (held.rank === rank && candidate.target.id < held.target.target.id) {
        byEndpoint.set(key, { target: withExtraMeta(candidate, held.target.meta), rank });
      } else held.target = withExtraMeta(held.target, candidate.meta);
    }
  });
  return Array.from(byEndpoint.values(), (held) => held.target);
}

/** The winner with the discovery labels of `extra` that it lacks; the same object when there are none. */
function withExtraMeta(winner: DesiredTarget, extra: MetaLabels): DesiredTarget {
  let meta: Record<string, string | undefined> | undefined;
  for (const name in extra) {
    const value = extra[name];
    if (value === undefined || winner.meta[name] !== undefined) continue;
    meta ??= { ...winner.meta };
    meta[name] = value;
  }
  return meta ? { ...winner, meta } : winner;
}
