import { parentPort, workerData } from "node:worker_threads";
import type { SerializedResult } from "./http-sd-poller.js";

/** The polling loop of http-sd-poller.ts, in its worker thread. */
const { url, intervalMs } = workerData as { url: string; intervalMs: number };
const PROMETHEUS_VERSION = "2.42.0";

interface TargetGroup {
  targets: string[];
  labels?: Record<string, string>;
}

const firstSeen = new Map<string, number>();
const goneAt = new Map<string, number>();
let present = new Set<string>();
let refreshes = 0;
let failures = 0;
let lastTargets = 0;
let busy: Promise<void> | undefined;

async function refresh(): Promise<void> {
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
}

const ticker = setInterval(() => {
  if (busy) return;
  busy = refresh().finally(() => {
    busy = undefined;
  });
}, intervalMs);

parentPort?.on("message", async () => {
  clearInterval(ticker);
  await Promise.race([busy, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  const result: SerializedResult = {
    firstSeen: [...firstSeen],
    goneAt: [...goneAt],
    refreshes,
    failures,
    lastTargets,
  };
  parentPort?.postMessage(result);
});
