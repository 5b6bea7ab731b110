import type { CloudWatchClient, PutMetricDataCommandInput } from "@aws-sdk/client-cloudwatch";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { STATS_METRICS } from "../../crds-like-schemas/index.js";
import { buildBatches, type Dimension, type StatsSample } from "./batching.js";
import { createStatsPublisher, isRetryable, type StatsPublisher } from "./publisher.js";

const logger = pino({ level: "silent" });
const T0 = Date.UTC(2025, 0, 1, 0, 0, 0);

function sample(overrides: Partial<StatsSample> & { dimensions: readonly Dimension[] }): StatsSample {
  return {
    namespace: "ECS/ContainerStats",
    metricName: "CPUUtilization",
    value: 1,
    unit: "Percent",
    timestampMs: T0,
    storageResolution: 1,
    collectedAtMs: T0,
    ...overrides,
  };
}

const containerDims = (i: number): Dimension[] => [
  { Name: "ClusterName", Value: "prod" },
  { Name: "ContainerName", Value: `c${i}` },
];

class FakeCloudWatch {
  calls: PutMetricDataCommandInput[] = [];
  failures: unknown[] = [];
  async send(command: { input: PutMetricDataCommandInput }): Promise<object> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.calls.push(command.input);
    return {};
  }
  asClient(): CloudWatchClient {
    return this as unknown as CloudWatchClient;
  }
}

const awsError = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const match = metric?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return match?.value ?? 0;
}

const totalValues = (input: PutMetricDataCommandInput) =>
  (input.MetricData ?? []).reduce((n, d) => n + (d.Counts ? d.Counts.reduce((a, b) => a + b, 0) : 1), 0);

describe("buildBatches", () => {
  it("puts 50 containers × 6 metrics of one period into ONE call", () => {
    const metrics = STATS_METRICS;
    const samples = Array.from({ length: 50 }, (_, i) => containerDims(i)).flatMap((dims, i) =>
      metrics.map((metricName) => sample({ dimensions: dims, metricName, value: i })),
    );
    const batches = buildBatches(samples);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.datums).toHaveLength(300);
    expect(batches[0]?.datums.every((d) => d.StorageResolution === 1 && d.Value !== undefined)).toBe(true);
  });

  it("folds samples sharing metric + dimensions + second into Values/Counts", () => {
    const shared: Dimension[] = [{ Name: "ServiceName", Value: "web" }];
    const values = [10, 20, 10, 30, 10];
    const batches = buildBatches(values.map((value) => sample({ dimensions: shared, value })));
    expect(batches).toHaveLength(1);
    const datum = batches[0]?.datums[0];
    expect(batches[0]?.datums).toHaveLength(1);
    expect(datum?.Values).toEqual([10, 20, 30]);
    expect(datum?.Counts).toEqual([3, 1, 1]);
    expect(datum?.Value).toBeUndefined();
  });

  it("keeps different seconds apart (high resolution) and folds them within a minute (standard)", () => {
    const dims = containerDims(1);
    const samples = [0, 1000, 2000].map((dt) => sample({ dimensions: dims, timestampMs: T0 + dt }));
    expect(buildBatches(samples)[0]?.datums).toHaveLength(3);
    const standard = samples.map((s) => ({ ...s, storageResolution: 60 as const }));
    const datums = buildBatches(standard)[0]?.datums ?? [];
    expect(datums).toHaveLength(1);
    expect(datums[0]?.Counts).toEqual([3]);
    expect(datums[0]?.Timestamp?.getTime()).toBe(T0);
  });

  it("splits more than 150 distinct values into several datums", () => {
    const shared: Dimension[] = [{ Name: "ServiceName", Value: "web" }];
    const batches = buildBatches(Array.from({ length: 400 }, (_, i) => sample({ dimensions: shared, value: i })));
    const datums = batches.flatMap((b) => b.datums);
    expect(datums.map((d) => d.Values?.length)).toEqual([150, 150, 100]);
  });

  it("respects the datum and byte limits per call, and one namespace per call", () => {
    const samples = Array.from({ length: 2500 }, (_, i) => sample({ dimensions: containerDims(i) }));
    expect(buildBatches(samples).map((b) => b.datums.length)).toEqual([1000, 1000, 500]);
    const bySize = buildBatches(samples.slice(0, 100), { maxBytes: 10_000 });
    expect(bySize.length).toBeGreaterThan(1);
    for (const batch of bySize) expect(batch.estimatedBytes).toBeLessThanOrEqual(10_000);
    const two = buildBatches([
      sample({ dimensions: containerDims(1) }),
      sample({ dimensions: containerDims(1), namespace: "Other" }),
    ]);
    expect(two.map((b) => b.namespace)).toEqual(["ECS/ContainerStats", "Other"]);
  });
});

describe("isRetryable", () => {
  it.each([
    { error: awsError("ThrottlingException", 400), retry: true },
    { error: awsError("Throttling", 400), retry: true },
    { error: awsError("InternalServiceError", 500), retry: true },
    { error: awsError("Whatever", 503), retry: true },
    { error: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), retry: true },
    { error: awsError("InvalidParameterValueException", 400), retry: false },
    { error: awsError("MissingRequiredParameterException", 400), retry: false },
  ])("$error.name → $retry", ({ error, retry }) => {
    expect(isRetryable(error)).toBe(retry);
  });
});

describe("createStatsPublisher", () => {
  let publisher: StatsPublisher | undefined;
  afterEach(async () => {
    await publisher?.stop();
    publisher = undefined;
  });

  function setup(overrides: { maxBufferedSamples?: number } = {}) {
    const cloudwatch = new FakeCloudWatch();
    const registry = new Registry();
    let clock = T0;
    publisher = createStatsPublisher({
      cloudwatch: cloudwatch.asClient(),
      logger,
      registry,
      autoFlush: false,
      retryBaseMs: 100,
      retryMaxMs: 1_000,
      stopTimeoutMs: 100,
      now: () => clock,
      random: () => 1,
      ...overrides,
    });
    return { cloudwatch, registry, publisher, advance: (ms: number) => (clock += ms) };
  }

  it("publishes one call per flush for all buffered containers", async () => {
    const { cloudwatch, publisher: p, registry } = setup();
    p.add(Array.from({ length: 50 }, (_, i) => sample({ dimensions: containerDims(i), value: i })));
    await p.flush();
    expect(cloudwatch.calls).toHaveLength(1);
    expect(cloudwatch.calls[0]?.Namespace).toBe("ECS/ContainerStats");
    expect(cloudwatch.calls[0]?.MetricData).toHaveLength(50);
    expect(p.buffered()).toBe(0);
    expect(await metricValue(registry, "ecsmon_stats_published_samples_total")).toBe(50);
  });

  it("retries throttled samples with growing backoff and delivers each exactly once", async () => {
    const { cloudwatch, publisher: p, registry, advance } = setup();
    cloudwatch.failures.push(awsError("ThrottlingException", 400), awsError("ServiceUnavailable", 503));
    p.add(Array.from({ length: 10 }, (_, i) => sample({ dimensions: containerDims(i), value: i })));
    await p.flush();
    expect(p.buffered()).toBe(10);
    await p.flush(); // still inside the first backoff window (100..100 ms): no call
    expect(cloudwatch.calls).toHaveLength(0);
    advance(100);
    await p.flush(); // second failure; backoff now up to 200 ms
    expect(p.buffered()).toBe(10);
    advance(150);
    await p.flush();
    expect(cloudwatch.calls).toHaveLength(0);
    advance(50);
    p.add([sample({ dimensions: containerDims(99), value: 99, timestampMs: T0 + 1000 })]);
    await p.flush();
    expect(cloudwatch.calls).toHaveLength(1);
    expect(totalValues(cloudwatch.calls[0]!)).toBe(11);
    expect(p.buffered()).toBe(0);
    expect(await metricValue(registry, "ecsmon_stats_put_metric_data_calls_total", { result: "retry" })).toBe(2);
    expect(await metricValue(registry, "ecsmon_stats_put_metric_data_calls_total", { result: "ok" })).toBe(1);
  });

  it("keeps memory bounded while CloudWatch is down: the oldest samples are dropped and counted", async () => {
    const { cloudwatch, publisher: p, registry, advance } = setup({ maxBufferedSamples: 100 });
    for (let round = 0; round < 10; round++) {
      cloudwatch.failures.push(awsError("ThrottlingException", 400));
      p.add(
        Array.from({ length: 25 }, (_, i) =>
          sample({ dimensions: containerDims(i), timestampMs: T0 + round * 1000, value: round }),
        ),
      );
      await p.flush();
      advance(2_000);
      expect(p.buffered()).toBeLessThanOrEqual(100);
    }
    expect(await metricValue(registry, "ecsmon_stats_dropped_samples_total", { reason: "buffer_full" })).toBe(150);
    cloudwatch.failures.length = 0;
    await p.flush();
    const delivered = cloudwatch.calls.flatMap((c) => c.MetricData ?? []);
    expect(delivered).toHaveLength(100);
    // The newest four rounds survive.
    expect(new Set(delivered.map((d) => d.Value))).toEqual(new Set([6, 7, 8, 9]));
  });

  it("drops a batch CloudWatch rejects as invalid instead of retrying it forever", async () => {
    const { cloudwatch, publisher: p, registry } = setup();
    cloudwatch.failures.push(awsError("InvalidParameterValueException", 400));
    p.add([sample({ dimensions: containerDims(1) })]);
    await p.flush();
    expect(p.buffered()).toBe(0);
    expect(await metricValue(registry, "ecsmon_stats_dropped_samples_total", { reason: "rejected" })).toBe(1);
    await p.flush();
    expect(cloudwatch.calls).toHaveLength(0);
  });

  it("discards values CloudWatch cannot store and rounds tiny ones to 0", async () => {
    const { cloudwatch, publisher: p } = setup();
    p.add([
      sample({ dimensions: containerDims(1), value: Number.NaN }),
      sample({ dimensions: containerDims(2), value: 3 }),
      sample({ dimensions: containerDims(3), value: 1e-200 }),
      sample({ dimensions: containerDims(4), value: 1e120 }),
    ]);
    await p.flush();
    expect(cloudwatch.calls[0]?.MetricData?.map((d) => d.Value)).toEqual([3, 0]);
  });
});
