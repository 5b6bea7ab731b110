import { randomBytes } from "node:crypto";
import {
  CloudWatchClient,
  type CloudWatchServiceException,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  ListMetricsCommand,
  type MetricDatum,
  MissingRequiredParameterException,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { AwsQueryProtocol } from "@aws-sdk/core/protocols";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCloudWatchService } from "../../sim/aws/services/cloudwatch.js";
import type { MetricStore } from "../../sim/aws/services/metric-store.js";
import { postToFront, rejectionOf, useAwsFront } from "../helpers/use-sim.js";

const service = createCloudWatchService();
const store: MetricStore = service.store;
const fx = useAwsFront([service]);

const protocols = [
  ["JSON 1.0 (installed client default)", undefined],
  ["AWS query", AwsQueryProtocol],
] as const;

const error = rejectionOf<CloudWatchServiceException>;

describe.each(protocols)("simulated CloudWatch over %s", (label, protocol) => {
  let cw: CloudWatchClient;
  const ns = `Ecsmon/Test/${label.split(" ")[0]}${protocol ? "Q" : "J"}`;

  beforeAll(() => {
    cw = new CloudWatchClient({
      region: "us-east-1",
      endpoint: fx.server.url,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
      ...(protocol ? { protocol } : {}),
    });
  });
  afterAll(() => cw.destroy());

  it("stores datums and answers GetMetricData with period statistics", async () => {
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
    const dims = [
      { Name: "TaskId", Value: "t-1" },
      { Name: "Cluster", Value: "c" },
    ];
    const data: MetricDatum[] = [
      {
        MetricName: "CpuUtilized",
        Dimensions: dims,
        Timestamp: new Date(t0 + 1_000),
        Value: 10,
        Unit: "Percent",
        StorageResolution: 1,
      },
      {
        MetricName: "CpuUtilized",
        Dimensions: dims,
        Timestamp: new Date(t0 + 2_000),
        Values: [20, 30],
        Counts: [1, 2],
        Unit: "Percent",
        StorageResolution: 1,
      },
      {
        MetricName: "CpuUtilized",
        Dimensions: dims,
        Timestamp: new Date(t0 + 61_000),
        StatisticValues: { SampleCount: 4, Sum: 40, Minimum: 5, Maximum: 15 },
        Unit: "Percent",
        StorageResolution: 1,
      },
    ];
    await cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: data }));
    const stored = store.datums({ namespace: ns, metricName: "CpuUtilized" });
    expect(stored).toHaveLength(3);
    expect(stored[0]?.dimensions.map((d) => d.Name)).toEqual(["Cluster", "TaskId"]);
    expect(stored[0]?.storageResolution).toBe(1);

    const metric = { Namespace: ns, MetricName: "CpuUtilized", Dimensions: dims };
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(t0),
        EndTime: new Date(t0 + 120_000),
        ScanBy: "TimestampAscending",
        MetricDataQueries: ["Average", "Sum", "Minimum", "Maximum", "SampleCount", "p50"].map((stat) => ({
          Id: `m_${stat.toLowerCase()}`,
          MetricStat: { Metric: metric, Period: 60, Stat: stat },
        })),
      }),
    );
    const byId = Object.fromEntries((out.MetricDataResults ?? []).map((r) => [r.Id, r]));
    expect(byId.m_sum?.Values).toEqual([90, 40]);
    expect(byId.m_samplecount?.Values).toEqual([4, 4]);
    expect(byId.m_average?.Values).toEqual([22.5, 10]);
    expect(byId.m_minimum?.Values).toEqual([10, 5]);
    expect(byId.m_maximum?.Values).toEqual([30, 15]);
    expect(byId.m_p50?.Values).toEqual([20]);
    expect(byId.m_sum?.Timestamps).toEqual([new Date(t0), new Date(t0 + 60_000)]);
    expect(byId.m_sum?.StatusCode).toBe("Complete");

    const stats = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: ns,
        MetricName: "CpuUtilized",
        Dimensions: dims,
        StartTime: new Date(t0),
        EndTime: new Date(t0 + 120_000),
        Period: 60,
        Statistics: ["Sum", "Maximum"],
        ExtendedStatistics: ["p50"],
      }),
    );
    const points = [...(stats.Datapoints ?? [])].sort(
      (a, b) => (a.Timestamp?.getTime() ?? 0) - (b.Timestamp?.getTime() ?? 0),
    );
    expect(points.map((p) => [p.Sum, p.Maximum, p.Unit])).toEqual([
      [90, 30, "Percent"],
      [40, 15, "Percent"],
    ]);
    expect(points[0]?.ExtendedStatistics).toEqual({ p50: 20 });
    const tooMany = await error(
      cw.send(
        new GetMetricStatisticsCommand({
          Namespace: ns,
          MetricName: "CpuUtilized",
          StartTime: new Date(t0),
          EndTime: new Date(t0 + 1441_000),
          Period: 1,
          Statistics: ["Sum"],
        }),
      ),
    );
    expect(tooMany).toBeInstanceOf(InvalidParameterCombinationException);

    // Metric math is not simulated (docs/adr/0072-simulator-scope.md): an Expression is refused, not misread.
    const expr = await error(
      cw.send(
        new GetMetricDataCommand({
          StartTime: new Date(t0),
          EndTime: new Date(t0 + 120_000),
          MetricDataQueries: [
            { Id: "s", MetricStat: { Metric: metric, Period: 60, Stat: "Sum" }, ReturnData: false },
            { Id: "avg", Expression: "s / 2" },
          ],
        }),
      ),
    );
    expect(expr).toBeInstanceOf(InvalidParameterValueException);
  });

  it("lists metrics by namespace, name and dimension, and reads several in one GetMetricData", async () => {
    const base = Date.now() - 30 * 60_000;
    const data: MetricDatum[] = Array.from({ length: 25 }, (_, i) => ({
      MetricName: "Series",
      Dimensions: [{ Name: "I", Value: String(i) }],
      Timestamp: new Date(base + i * 1000),
      Value: i,
      StorageResolution: 1,
    }));
    await cw.send(new PutMetricDataCommand({ Namespace: `${ns}/page`, MetricData: data }));
    const listed = await cw.send(new ListMetricsCommand({ Namespace: `${ns}/page`, MetricName: "Series" }));
    expect(listed.Metrics).toHaveLength(25);
    const filtered = await cw.send(
      new ListMetricsCommand({ Namespace: `${ns}/page`, Dimensions: [{ Name: "I", Value: "7" }] }),
    );
    expect(filtered.Metrics?.map((m) => m.Dimensions?.[0]?.Value)).toEqual(["7"]);

    const queries = [0, 1, 2].map((i) => ({
      Id: `q${i}`,
      MetricStat: {
        Metric: { Namespace: `${ns}/page`, MetricName: "Series", Dimensions: [{ Name: "I", Value: String(i) }] },
        Period: 1,
        Stat: "Sum",
      },
    }));
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(base - 60_000),
        EndTime: new Date(base + 60_000),
        MetricDataQueries: queries,
      }),
    );
    expect(out.MetricDataResults?.map((r) => [r.Id, r.Values])).toEqual([
      ["q0", [0]],
      ["q1", [1]],
      ["q2", [2]],
    ]);
  });

  it("enforces the PutMetricData limits with typed exceptions", async () => {
    const one = (d: Partial<MetricDatum>): MetricDatum => ({ MetricName: "M", Value: 1, ...d });
    const cases: [string, () => Promise<unknown>, new (...args: never[]) => Error][] = [
      [
        "AWS/ namespace",
        () => cw.send(new PutMetricDataCommand({ Namespace: "AWS/ECS", MetricData: [one({})] })),
        InvalidParameterValueException,
      ],
      [
        "1,001 datums",
        () =>
          cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: Array.from({ length: 1001 }, () => one({})) })),
        InvalidParameterValueException,
      ],
      [
        "31 dimensions",
        () =>
          cw.send(
            new PutMetricDataCommand({
              Namespace: ns,
              MetricData: [one({ Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: "v" })) })],
            }),
          ),
        InvalidParameterValueException,
      ],
      [
        "StorageResolution 5",
        () => cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [one({ StorageResolution: 5 })] })),
        InvalidParameterValueException,
      ],
      [
        "151 values",
        () =>
          cw.send(
            new PutMetricDataCommand({
              Namespace: ns,
              MetricData: [one({ Value: undefined, Values: Array.from({ length: 151 }, (_, i) => i) })],
            }),
          ),
        InvalidParameterValueException,
      ],
      [
        "Value with StatisticValues",
        () =>
          cw.send(
            new PutMetricDataCommand({
              Namespace: ns,
              MetricData: [one({ StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } })],
            }),
          ),
        InvalidParameterCombinationException,
      ],
      [
        "Counts without matching Values",
        () =>
          cw.send(
            new PutMetricDataCommand({
              Namespace: ns,
              MetricData: [one({ Value: undefined, Values: [1, 2], Counts: [1] })],
            }),
          ),
        InvalidParameterCombinationException,
      ],
      [
        "value too large",
        () => cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [one({ Value: 1e109 })] })),
        InvalidParameterValueException,
      ],
      [
        "timestamp three weeks old",
        () =>
          cw.send(
            new PutMetricDataCommand({
              Namespace: ns,
              MetricData: [one({ Timestamp: new Date(Date.now() - 21 * 86_400_000) })],
            }),
          ),
        InvalidParameterValueException,
      ],
      [
        "missing metric name",
        () => cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [{ Value: 1 } as MetricDatum] })),
        MissingRequiredParameterException,
      ],
    ];
    const before = store.acceptedCount();
    for (const [name, call, type] of cases) {
      const err = await error(call());
      expect(err, name).toBeInstanceOf(type);
      expect(err.$metadata.httpStatusCode, name).toBe(400);
    }
    expect(store.acceptedCount()).toBe(before);
  });

  it("rejects a payload over 1 MB and accepts 1,000 datums under it", async () => {
    const ok = Array.from({ length: 1000 }, (_, i) => ({
      MetricName: "Bulk",
      Value: i,
      Dimensions: [{ Name: "K", Value: "v" }],
    }));
    await cw.send(new PutMetricDataCommand({ Namespace: `${ns}/bulk`, MetricData: ok }));
    expect(store.datums({ namespace: `${ns}/bulk` })).toHaveLength(1000);
    // Incompressible values: the SDK gzips PutMetricData and the 1 MB limit applies to what goes over the wire.
    const fat = Array.from({ length: 1000 }, () => ({
      MetricName: "Fat",
      Value: 1,
      Dimensions: Array.from({ length: 2 }, (_, d) => ({
        Name: `dim${d}`,
        Value: randomBytes(750).toString("base64"),
      })),
    }));
    const err = await error(cw.send(new PutMetricDataCommand({ Namespace: `${ns}/bulk`, MetricData: fat })));
    expect(err.$metadata.httpStatusCode).toBe(413);
  });

  it("throttles with Throttling, which the SDK retries", async () => {
    fx.server.faults.set({ service: "monitoring", operation: "ListMetrics", throttlePct: 100 });
    try {
      const err = await error(cw.send(new ListMetricsCommand({})));
      expect(err.name).toBe("Throttling");
      expect(err.$metadata.httpStatusCode).toBe(400);
    } finally {
      fx.server.faults.clear();
    }
  });
});

describe("CloudWatch query wire format", () => {
  it("answers a hand-built form POST with the query XML envelope", async () => {
    const res = await postToFront(fx.server.url, {
      contentType: "application/x-www-form-urlencoded; charset=utf-8",
      signedFor: "monitoring",
      body: "Action=PutMetricData&Version=2010-08-01&Namespace=Wire&MetricData.member.1.MetricName=m&MetricData.member.1.Value=3",
    });
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toMatch(
      /<PutMetricDataResponse xmlns="http:\/\/monitoring\.amazonaws\.com\/doc\/2010-08-01\/"><ResponseMetadata><RequestId>[0-9a-f-]+<\/RequestId><\/ResponseMetadata><\/PutMetricDataResponse>/,
    );
    const bad = await postToFront(fx.server.url, {
      contentType: "application/x-www-form-urlencoded",
      body: "Action=PutMetricData&Version=2010-08-01&Namespace=AWS/X&MetricData.member.1.MetricName=m&MetricData.member.1.Value=3",
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("<Error><Type>Sender</Type><Code>InvalidParameterValue</Code>");
  });

  it("sends x-amzn-query-error on JSON errors", async () => {
    const res = await postToFront(fx.server.url, {
      contentType: "application/x-amz-json-1.0",
      target: "GraniteServiceVersion20100801.PutMetricData",
      body: JSON.stringify({ Namespace: "AWS/X", MetricData: [{ MetricName: "m", Value: 1 }] }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-amzn-query-error")).toBe("InvalidParameterValue;Sender");
    expect(await res.json()).toMatchObject({ __type: "com.amazonaws.cloudwatch#InvalidParameterValueException" });
  });
});
