import type { DesiredTarget } from "../model.js";

/** One entry of Prometheus file_sd / http_sd: `{ targets: ["host:port"], labels: {...} }`. */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * One group per target, in target-id order: the `__meta_ecs_*` discovery labels, the target's labels (identity
 * labels and PROMETHEUS_LABELS; names that are not valid Prometheus label names or that start with `__` are
 * left out, since Prometheus would reject the whole file or they would override reserved labels), then
 * `__scheme__` and `__metrics_path__`.
 */
export function toTargetGroups(targets: readonly DesiredTarget[]): TargetGroup[] {
  const sorted = [...targets].sort((a, b) => (a.target.id < b.target.id ? -1 : a.target.id > b.target.id ? 1 : 0));
  return sorted.map((t) => {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(t.meta)) if (LABEL_NAME.test(k)) labels[k] = String(v);
    for (const [k, v] of Object.entries(t.target.labels)) {
      if (LABEL_NAME.test(k) && !k.startsWith("__")) labels[k] = String(v);
    }
    labels.__scheme__ = t.target.scheme;
    labels.__metrics_path__ = t.target.metricsPath;
    return { targets: [t.target.address], labels };
  });
}
