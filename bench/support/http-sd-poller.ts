import { Worker } from "node:worker_threads";

/**
 * A client of the controller's `/sd/prometheus` that behaves like Prometheus's http_sd (discovery/http/http.go):
 * every refresh interval one GET with `Accept: application/json`, a `Prometheus/<version>` User-Agent and
 * `X-Prometheus-Refresh-Interval-Seconds`, the whole request bounded by the refresh interval (Go's client.Timeout),
 * gzip accepted (Go's transport asks for it), the body parsed as a JSON array of target groups. A refresh that is
 * still running when the next tick comes makes that tick skip, as Go's ticker drops ticks.
 *
 * It runs in a worker thread (http-sd-poller-worker.ts), so that parsing ~17 MB of JSON a second does not hold up
 * the event loop of the bench process, which also hosts the simulator. For each task ARN (label
 * `__meta_ecs_task_arn`) it records when it first appeared in a response and, after it had appeared, when it first
 * was absent: the moments Prometheus would have learned of the change (epoch ms, the same clock in both threads).
 */
export interface HttpSdPollResult {
  firstSeen: Map<string, number>;
  goneAt: Map<string, number>;
  refreshes: number;
  failures: number;
  lastTargets: number;
}

export interface HttpSdPoller {
  /** Stops polling and returns what was seen. */
  stop(): Promise<HttpSdPollResult>;
}

export function startHttpSdPoller(url: string, intervalMs = 1_000): HttpSdPoller {
  const worker = new Worker(new URL("./http-sd-poller-worker.js", import.meta.url), {
    workerData: { url, intervalMs },
  });
  let failed: Error | undefined;
  worker.on("error", (error) => {
    failed = error;
  });
  return {
    stop() {
      if (failed) return Promise.reject(failed);
      return new Promise((resolve, reject) => {
        worker.once("message", (message: SerializedResult) => {
          void worker.terminate();
          resolve({ ...message, firstSeen: new Map(message.firstSeen), goneAt: new Map(message.goneAt) });
        });
        worker.once("error", reject);
        worker.postMessage("stop");
      });
    },
  };
}

export interface SerializedResult {
  firstSeen: [string, number][];
  goneAt: [string, number][];
  refreshes: number;
  failures: number;
  lastTargets: number;
}
