import { get as httpGet } from "node:http";
import { parentPort, workerData } from "node:worker_threads";
import { createGunzip } from "node:zlib";
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

/**
 * One GET with node:http (not fetch: an aborted fetch whose body had started could stay pending when the server
 * stalled mid-body), destroyed when the refresh interval is up, body included, as Go's client.Timeout does.
 */
function get(): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = httpGet(
      url,
      {
        headers: {
          "User-Agent": `Prometheus/${PROMETHEUS_VERSION}`,
          Accept: "application/json",
          "Accept-Encoding": "gzip",
          "X-Prometheus-Refresh-Interval-Seconds": String(intervalMs / 1_000),
        },
      },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new Error(`HTTP ${response.statusCode}`));
          return;
        }
        const body = response.headers["content-encoding"] === "gzip" ? response.pipe(createGunzip()) : response;
        const chunks: Buffer[] = [];
        body.on("data", (chunk: Buffer) => chunks.push(chunk));
        body.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        body.on("error", reject);
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    const timer = setTimeout(() => request.destroy(new Error("refresh timed out")), intervalMs);
    request.on("close", () => clearTimeout(timer));
  });
}

async function refresh(): Promise<void> {
  try {
    const text = await get();
    const at = Date.now();
    const groups = JSON.parse(text) as TargetGroup[];
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
