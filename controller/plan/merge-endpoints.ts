import type { ScrapeTarget } from "../../crds-like-schemas/index.js";
import type { DesiredTarget, MetaLabels } from "../model.js";

/** The identity of a scrape target: what Prometheus would fetch. Two targets with one key are one endpoint. */
export function endpointKey(target: Pick<ScrapeTarget, "scheme" | "address" | "metricsPath">): string {
  return `${target.scheme}://${target.address}${target.metricsPath}`;
}

/** Plan outputs are memoized and never mutated, so each target's key is built once, not once per plan. */
const keys = new WeakMap<ScrapeTarget, string>();

function cachedKey(target: ScrapeTarget): string {
  let key = keys.get(target);
  if (key === undefined) {
    key = endpointKey(target);
    keys.set(target, key);
  }
  return key;
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
  const byEndpoint = new Map<string, DesiredTarget>();
  sources.forEach((source, rank) => {
    /** Endpoints this source claimed first (the first source claims every endpoint it meets). */
    const claimed = rank === 0 ? undefined : new Set<string>();
    for (const candidate of source) {
      const key = cachedKey(candidate.target);
      const held = byEndpoint.get(key);
      if (held === undefined) {
        byEndpoint.set(key, candidate);
        claimed?.add(key);
      } else if ((claimed === undefined || claimed.has(key)) && candidate.target.id < held.target.id) {
        byEndpoint.set(key, withExtraMeta(candidate, held.meta));
      } else byEndpoint.set(key, withExtraMeta(held, candidate.meta));
    }
  });
  return [...byEndpoint.values()];
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
