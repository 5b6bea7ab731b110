import { type CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { Registry } from "prom-client";
import { Backoff } from "../../lib/backoff.js";
import type { Logger } from "../../lib/logger.js";
import { counter, gauge, histogram, zeroedCounter } from "../../lib/prom-metrics.js";
import { buildBatches, MAX_CALL_BYTES, MAX_DATUMS_PER_CALL, type StatsSample } from "./batching.js";

export interface StatsPublisherOptions {
  cloudwatch: CloudWatchClient;
  logger: Logger;
  registry: Registry;
  /**
   * Shortest gap between two flushes: samples are published as soon as they arrive, but at most once per
   * interval, so a node makes about one call per interval however many containers it runs. @defaultValue 1000 (ms)
   */
  flushIntervalMs?: number;
  /** Schedule flushes automatically when samples arrive (tests drive `flush()` by hand). @defaultValue true */
  autoFlush?: boolean;
  /** Samples kept while CloudWatch is slow or down; the oldest are dropped beyond this. @defaultValue 60000 */
  maxBufferedSamples?: number;
  /** Samples taken per flush (a flush may make several calls when a backlog is drained). @defaultValue 20000 */
  maxSamplesPerFlush?: number;
  /** First retry delay (equal jitter: between half of it and all of it). @defaultValue 500 (ms) */
  retryBaseMs?: number;
  /** Longest retry delay. @defaultValue 30000 (ms) */
  retryMaxMs?: number;
  /** Per-call limits; tests lower them. @defaultValue 1000 datums, 900000 bytes */
  maxDatumsPerCall?: number;
  maxBytesPerCall?: number;
  /** How long `stop()` waits for its last flush. @defaultValue 5000 (ms) */
  stopTimeoutMs?: number;
  now?: () => number;
  random?: () => number;
  /** Called after a successful call with the samples it carried (benchmarks measure latency with it). */
  onPublished?: (samples: readonly StatsSample[], publishedAtMs: number) => void;
}

/** Buffers samples and publishes them with PutMetricData, about one call per flush per namespace. */
export interface StatsPublisher {
  /** Queues samples; never blocks, never throws. Values CloudWatch cannot store (NaN, ±Infinity, > 1.17e108) are discarded. */
  add(samples: readonly StatsSample[]): void;
  /** Publishes what is buffered now (unless a retry delay is pending); resolves when done. */
  flush(): Promise<void>;
  /** Samples waiting to be published. */
  buffered(): number;
  /** Stops scheduling and makes one last flush attempt. */
  stop(): Promise<void>;
}

const MIN_MAGNITUDE = 8.51592e-109;
const MAX_MAGNITUDE = 1.174271e108;

/** Error codes worth retrying: throttling and server-side faults. Anything else with a 4xx status is dropped. */
const RETRYABLE_CODES = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalFailure",
  "InternalServiceError",
  "InternalServiceFault",
  "RequestTimeout",
  "RequestTimeoutException",
]);

/** Whether a failed PutMetricData should be retried: throttling, 5xx, 429, or no HTTP response at all. */
export function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (e?.name && RETRYABLE_CODES.has(e.name)) return true;
  if (e?.Code && RETRYABLE_CODES.has(e.Code)) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (status === undefined) return true;
  return status === 429 || status >= 500;
}

/**
 * Creates the publisher. Contract: memory is bounded by `maxBufferedSamples` (oldest dropped and counted in
 * `ecsmon_stats_dropped_samples_total`); a throttled or failed call puts its samples back at the head of the
 * buffer and waits between half of and all of `base × 2^(n-1)` ms (capped; equal jitter, lib/backoff.ts) before
 * the next attempt; a call CloudWatch rejects as invalid (4xx other than throttling) is dropped and counted, never
 * retried forever.
 */
export function createStatsPublisher(options: StatsPublisherOptions): StatsPublisher {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const flushIntervalMs = options.flushIntervalMs ?? 1_000;
  const maxBuffered = options.maxBufferedSamples ?? 60_000;
  const maxPerFlush = options.maxSamplesPerFlush ?? 20_000;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const retryMaxMs = options.retryMaxMs ?? 30_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
  const limits = {
    maxDatums: options.maxDatumsPerCall ?? MAX_DATUMS_PER_CALL,
    maxBytes: options.maxBytesPerCall ?? MAX_CALL_BYTES,
  };
  const { registry, logger } = options;

  const dropped = zeroedCounter(registry, {
    name: "ecsmon_stats_dropped_samples_total",
    help: "Stats samples dropped because the buffer was full or CloudWatch rejected them.",
    label: "reason",
    values: ["buffer_full", "rejected"],
  });
  const calls = zeroedCounter(registry, {
    name: "ecsmon_stats_put_metric_data_calls_total",
    help: "PutMetricData calls by result.",
    label: "result",
    values: ["ok", "retry", "rejected"],
  });
  const published = counter(registry, {
    name: "ecsmon_stats_published_samples_total",
    help: "Stats samples published to CloudWatch.",
  });
  const bufferedGauge = gauge(registry, {
    name: "ecsmon_stats_buffered_samples",
    help: "Stats samples waiting to be published.",
  });
  const latency = histogram(registry, {
    name: "ecsmon_stats_publish_latency_seconds",
    help: "Time from taking a stats sample to CloudWatch accepting it.",
    buckets: [0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60, 300],
  });

  /** FIFO with a moving head, compacted when half consumed, so that shift() is O(1) amortized. */
  let queue: StatsSample[] = [];
  let head = 0;
  let inflight: Promise<void> | undefined;
  const retries = new Backoff({ initialMs: retryBaseMs, maxMs: retryMaxMs }, random);
  let notBeforeMs = 0;
  let stopped = false;
  let lastFlushAt = Number.NEGATIVE_INFINITY;
  let scheduled: NodeJS.Timeout | undefined;
  const autoFlush = options.autoFlush ?? true;

  const size = () => queue.length - head;
  const compact = () => {
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  };
  const enforceBound = () => {
    const excess = size() - maxBuffered;
    if (excess > 0) {
      head += excess;
      dropped.inc({ reason: "buffer_full" }, excess);
      compact();
    }
    bufferedGauge.set(size());
  };

  const add = (samples: readonly StatsSample[]) => {
    for (const sample of samples) {
      if (!Number.isFinite(sample.value)) continue;
      // CloudWatch rejects magnitudes below 8.515920e-109 other than 0 (and above 1.174271e+108).
      if (Math.abs(sample.value) < MIN_MAGNITUDE) queue.push({ ...sample, value: 0 });
      else if (Math.abs(sample.value) <= MAX_MAGNITUDE) queue.push(sample);
    }
    enforceBound();
    schedule();
  };

  const requeueFront = (samples: StatsSample[]) => {
    if (samples.length === 0) return;
    queue = samples.concat(queue.slice(head));
    head = 0;
    enforceBound();
  };

  const backoff = () => {
    const delay = retries.next();
    notBeforeMs = now() + delay;
    return delay;
  };

  const runFlush = async () => {
    if (size() === 0 || now() < notBeforeMs) return;
    lastFlushAt = now();
    const taken = queue.slice(head, head + maxPerFlush);
    head += taken.length;
    compact();
    bufferedGauge.set(size());
    const batches = buildBatches(taken, limits);
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!;
      try {
        await options.cloudwatch.send(
          new PutMetricDataCommand({ Namespace: batch.namespace, MetricData: batch.datums }),
        );
        calls.inc({ result: "ok" });
        retries.reset();
        const at = now();
        published.inc(batch.samples.length);
        for (const sample of batch.samples) latency.observe(Math.max(0, at - sample.collectedAtMs) / 1000);
        options.onPublished?.(batch.samples, at);
      } catch (error) {
        if (isRetryable(error)) {
          calls.inc({ result: "retry" });
          requeueFront(batches.slice(i).flatMap((b) => b.samples));
          const delay = backoff();
          logger.warn(
            { err: error, retryInMs: Math.round(delay), buffered: size() },
            "PutMetricData failed; will retry",
          );
          return;
        }
        calls.inc({ result: "rejected" });
        dropped.inc({ reason: "rejected" }, batch.samples.length);
        logger.error(
          { err: error, datums: batch.datums.length, namespace: batch.namespace },
          "PutMetricData rejected; dropping batch",
        );
      }
    }
  };

  const flush = (): Promise<void> => {
    if (!inflight) {
      inflight = runFlush()
        .catch((error: unknown) => logger.error({ err: error }, "stats flush failed"))
        .finally(() => {
          inflight = undefined;
          if (size() > 0) schedule();
        });
    }
    return inflight;
  };

  /** Arms one timer for the earliest allowed flush: not before the interval since the last one, nor the retry delay. */
  function schedule(): void {
    if (!autoFlush || stopped || scheduled || inflight || size() === 0) return;
    const delay = Math.max(0, lastFlushAt + flushIntervalMs - now(), notBeforeMs - now());
    scheduled = setTimeout(() => {
      scheduled = undefined;
      void flush();
    }, delay);
    scheduled.unref();
  }

  return {
    add,
    flush,
    buffered: size,
    async stop() {
      stopped = true;
      clearTimeout(scheduled);
      scheduled = undefined;
      if (inflight) await inflight;
      notBeforeMs = 0;
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        flush(),
        new Promise<void>((resolve) => {
          timeout = setTimeout(resolve, stopTimeoutMs);
        }),
      ]);
      clearTimeout(timeout);
    },
  };
}
