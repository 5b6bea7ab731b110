/**
 * A client of the controller's `/sd/prometheus` that behaves like Prometheus's http_sd (discovery/http/http.go):
 * every refresh interval one GET with `Accept: application/json`, a `Prometheus/<version>` User-Agent and
 * `X-Prometheus-Refresh-Interval-Seconds`, the whole request bounded by the refresh interval (Go's client.Timeout),
 * gzip accepted (Go's transport asks for it), the body parsed as a JSON array of target groups. A refresh that is
 * still running when the next tick comes makes that tick skip, as Go's ticker drops ticks.
 *
 * For each task ARN (label `__meta_ecs_task_arn`) it records when it first appeared in a response and, after it had
 * appeared, when it first was absent: the moments Prometheus would have learned of the change.
 */
export interface HttpSdPoller {
  /** Epoch ms of the first response that listed the task. */
  firstSeen: ReadonlyMap<string, number>;
  /** Epoch ms of the first response that no longer listed a task listed before. */
  goneAt: ReadonlyMap<string, number>;
  stats(): { refreshes: number; failures: number; lastTargets: number };
  stop(): Promise<void>;
}

const PROMETHEUS_VERSION = "2.42.0";

interface TargetGroup {
  targets: string[];
  labels?: Record<string, string>;
}

export function startHttpSdPoller(url: string, intervalMs = 1_000, headers: Record<string, string> = {}): HttpSdPoller {
  const firstSeen = new Map<string, number>();
  const goneAt = new Map<string, number>();
  let present = new Set<string>();
  let refreshes = 0;
  let failures = 0;
  let lastTargets = 0;
  let busy: Promise<void> | undefined;

  const refresh = async () => {
    // An explicit timer, not AbortSignal.timeout(): the request, body included, is bounded by the refresh interval.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error("refresh timed out")), intervalMs);
    try {
      const response = await fetch(url, {
        headers: {
          "User-Agent": `Prometheus/${PROMETHEUS_VERSION}`,
          Accept: "application/json",
          "Accept-Encoding": "gzip",
          "X-Prometheus-Refresh-Interval-Seconds": String(intervalMs / 1_000),
          ...headers,
        },
        signal: abort.signal,
      });
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      const body = await response.text();
      const at = Date.now();
      const groups = JSON.parse(body) as TargetGroup[];
      const now = new Set<string>();
      for (const group of groups) {
        const arn = group.labels?.__meta_ecs_task_arn;
        if (!arn) continue;
        now.add(arn);
        if (!firstSeen.has(arn)) firstSeen.set(arn, at);
      }
      for (const arn of present) if (!now.has(arn) && !goneAt.has(arn)) goneAt.set(arn, at);
      present = now;
      lastTargets = groups.length;
      refreshes++;
    } catch {
      failures++;
    } finally {
      clearTimeout(timer);
    }
  };

  const timer = setInterval(() => {
    if (busy) return;
    busy = refresh().finally(() => {
      busy = undefined;
    });
  }, intervalMs);
  return {
    firstSeen,
    goneAt,
    stats: () => ({ refreshes, failures, lastTargets }),
    async stop() {
      clearInterval(timer);
      // Bounded: a refresh aborts itself after the interval anyway.
      await Promise.race([busy, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    },
  };
}
