import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { CloudWatchClient, MetricDatum, PutMetricDataCommandInput } from "@aws-sdk/client-cloudwatch";
import Dockerode from "dockerode";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { NodeSyncJob, StatsAssignment } from "../../crds-like-schemas/index.js";
import { listenLocal, stopAfterEach } from "../../test/helpers/stop-after-each.js";
import { handlerJob } from "../../test/helpers/sync-job.js";
import { until } from "../../test/helpers/until.js";
import { compileContainerFilter, createStatsHandler, dimensionsFor } from "./stats-handler.js";

const logger = pino({ level: "silent" });
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8"));
const v1 = fixture("docker-cgroup-v1") as unknown[];
const v2 = fixture("docker-cgroup-v2") as unknown[];

class FakeCloudWatch {
  calls: PutMetricDataCommandInput[] = [];
  async send(command: { input: PutMetricDataCommandInput }): Promise<object> {
    this.calls.push(command.input);
    return {};
  }
  datums(): MetricDatum[] {
    return this.calls.flatMap((c) => c.MetricData ?? []);
  }
  /** Every value published for the metric of the container, in order (Values/Counts expanded). */
  values(metric: string, container: string): number[] {
    return this.find(metric, container).flatMap((d) =>
      d.Values ? d.Values.flatMap((v, i) => Array<number>(d.Counts?.[i] ?? 1).fill(v)) : [d.Value ?? Number.NaN],
    );
  }
  find(metric: string, container: string): MetricDatum[] {
    return this.datums().filter(
      (d) =>
        d.MetricName === metric && d.Dimensions?.some((dim) => dim.Name === "ContainerName" && dim.Value === container),
    );
  }
}

async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value;
}

const job = (assignments: StatsAssignment[], overrides: Partial<NodeSyncJob["stats"]> = {}, generation = 1) =>
  handlerJob(
    "arn:aws:ecs:us-east-1:000000000000:cluster/prod",
    "node-1",
    {
      stats: {
        namespace: "ECS/ContainerStats",
        periodMs: 100,
        metrics: ["CPUUtilization", "MemoryUtilization", "NetworkRxBytes"],
        dimensions: ["ClusterName", "ServiceName", "ContainerName"],
        assignments,
        ...overrides,
      },
    },
    generation,
  );

const cleanup = stopAfterEach();

/** A stats handler publishing to a fake CloudWatch every 50 ms, reading containers from `source`. */
function startHandler(source: { docker: Dockerode } | { metadataUri: string }) {
  const cloudwatch = new FakeCloudWatch();
  const registry = new Registry();
  const handler = cleanup.handler(
    createStatsHandler({
      cloudwatch: cloudwatch as unknown as CloudWatchClient,
      ...source,
      logger,
      registry,
      publisher: { flushIntervalMs: 50 },
    }),
  );
  return { cloudwatch, registry, handler };
}

describe("stats handler, daemon mode (Docker API over HTTP)", () => {
  async function fakeDocker() {
    const served = new Map<string, number>();
    const server = createServer((req, res) => {
      const match = /^\/containers\/([^/]+)\/stats/.exec(req.url ?? "");
      const id = match?.[1] ?? "";
      const n = served.get(id) ?? 0;
      served.set(id, n + 1);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (id === "aaa") send(200, v1[Math.min(n, 1)]);
      else if (id === "bbb") send(200, v2[0]);
      else if (id === "ccc") send(200, { cpu_stats: "nope", memory_stats: {} });
      else send(404, { message: `No such container: ${id}` });
    });
    const url = new URL(await listenLocal(cleanup.server(server)));
    return { docker: new Dockerode({ protocol: "http", host: url.hostname, port: Number(url.port) }) };
  }

  const assignments: StatsAssignment[] = [
    {
      taskArn: "arn:aws:ecs:us-east-1:000000000000:task/prod/t1",
      taskId: "t1",
      family: "web",
      revision: 3,
      serviceName: "web-svc",
      containers: [
        { name: "app", runtimeId: "aaa", cpuUnits: 256, memoryLimitMiB: 256 },
        { name: "bad", runtimeId: "ccc" },
        { name: "gone", runtimeId: "ddd" },
      ],
    },
    {
      taskArn: "arn:aws:ecs:us-east-1:000000000000:task/prod/t2",
      taskId: "t2",
      family: "api",
      revision: 7,
      taskCpuUnits: 512,
      containers: [{ name: "worker", runtimeId: "bbb", memoryReservationMiB: 400 }],
    },
  ];

  it("publishes the formula's figures with the spec's dimensions at 1 s resolution, and mirrors them as gauges", async () => {
    const { cloudwatch, registry, handler } = startHandler(await fakeDocker());
    await handler.apply(job(assignments));
    await until("app CPU from the second read", () => cloudwatch.values("CPUUtilization", "app").some((v) => v > 70));
    await until("app NetworkRxBytes", () => cloudwatch.find("NetworkRxBytes", "app").length > 0);

    // First read: (2.5e9-2.4e9)/(2e9) × 2 × 100 × 1024/256 = 40; second: 0.1 × 2 × 100 × 4 = 80.
    const cpu = cloudwatch.values("CPUUtilization", "app");
    expect(cpu[0]).toBeCloseTo(40, 9);
    expect(cpu).toContainEqual(80);
    expect(cloudwatch.values("NetworkRxBytes", "app")[0]).toBe(125_000);
    const worker = cloudwatch.find("CPUUtilization", "worker")[0];
    expect(cloudwatch.values("CPUUtilization", "worker")[0]).toBeCloseTo((2e8 / 4e9) * 4 * 100 * 2, 9);
    expect(cloudwatch.values("MemoryUtilization", "worker")[0]).toBeCloseTo(50, 9);

    const appDatum = cloudwatch.find("CPUUtilization", "app")[0];
    expect(appDatum?.StorageResolution).toBe(1);
    expect(appDatum?.Unit).toBe("Percent");
    expect(appDatum?.Dimensions).toEqual([
      { Name: "ClusterName", Value: "prod" },
      { Name: "ServiceName", Value: "web-svc" },
      { Name: "ContainerName", Value: "app" },
    ]);
    // The standalone task has no ServiceName dimension.
    expect(worker?.Dimensions?.map((d) => d.Name)).toEqual(["ClusterName", "ContainerName"]);
    expect(cloudwatch.calls.every((c) => c.Namespace === "ECS/ContainerStats")).toBe(true);
    expect(cloudwatch.datums().some((d) => d.MetricName === "BlockIoReadBytes")).toBe(false);

    expect(await value(registry, "ecsmon_stats_malformed_total", { source: "docker" })).toBeGreaterThanOrEqual(1);
    expect(await value(registry, "ecsmon_stats_collect_errors_total", { reason: "not_found" })).toBeGreaterThanOrEqual(
      1,
    );
    const labels = { cluster: "prod", service: "web-svc", task_id: "t1", container: "app" };
    expect(await value(registry, "ecsmon_container_cpu_utilization_percent", labels)).toBe(80);
  });

  it("converges: a container dropped from the job loses its gauges; disabling stops publishing", async () => {
    const { cloudwatch, registry, handler } = startHandler(await fakeDocker());
    await handler.apply(job(assignments));
    const workerLabels = { cluster: "prod", service: "", task_id: "t2", container: "worker" };
    await until(
      "the worker's gauge",
      async () => (await value(registry, "ecsmon_container_cpu_utilization_percent", workerLabels)) !== undefined,
    );
    await handler.apply(job(assignments.slice(0, 1), {}, 2));
    await until(
      "the worker's gauge to go",
      async () => (await value(registry, "ecsmon_container_cpu_utilization_percent", workerLabels)) === undefined,
    );
    await handler.apply(job(assignments, { enabled: false }, 3));
    // What was already buffered may still be flushed; after that, nothing more.
    await until("an empty buffer", async () => (await value(registry, "ecsmon_stats_buffered_samples", {})) === 0);
    await new Promise((r) => setTimeout(r, 150));
    const before = cloudwatch.calls.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(cloudwatch.calls.length).toBe(before);
    const metric = await registry.getSingleMetric("ecsmon_container_cpu_utilization_percent")?.get();
    expect(metric?.values).toEqual([]);
  });
});

describe("stats handler, sidecar mode (task metadata v4 over HTTP)", () => {
  it("reads /task and /task/stats, uses the task's limits, skips ECS internal containers", async () => {
    const task = fixture("metadata-v4-task") as { Containers: { DockerId: string }[] };
    const [app, agent, pause] = task.Containers.map((c) => c.DockerId);
    let statsBody: unknown = { [app!]: v1[0], [agent!]: v2[0], [pause!]: v2[0] };
    const server = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      if (req.url === "/v4/abc/task") res.end(JSON.stringify(task));
      else if (req.url === "/v4/abc/task/stats")
        res.end(typeof statsBody === "string" ? statsBody : JSON.stringify(statsBody));
      else res.end("{}");
    });
    const { cloudwatch, registry, handler } = startHandler({
      metadataUri: `${await listenLocal(cleanup.server(server))}/v4/abc`,
    });
    await handler.apply(job([], { dimensions: ["ServiceName", "TaskId", "ContainerName"] }));
    await until(
      "CPU of both containers",
      () =>
        cloudwatch.find("CPUUtilization", "ecsmon-agent").length > 0 &&
        cloudwatch.find("CPUUtilization", "app").length > 0,
    );
    // app reserves 256 units: 10% of host × 1024/256; the agent container reserves none: task CPU 0.5 vCPU = 512 units.
    expect(cloudwatch.values("CPUUtilization", "app")[0]).toBeCloseTo(40, 9);
    expect(cloudwatch.values("CPUUtilization", "ecsmon-agent")[0]).toBeCloseTo(20 * 2, 9);
    // Memory: container hard limit 512 MiB (app), 128 MiB (agent); app's v1 read: 150 MiB − 20 MiB total_inactive_file.
    expect(cloudwatch.values("MemoryUtilization", "app")[0]).toBeCloseTo((130 / 512) * 100, 9);
    expect(cloudwatch.values("MemoryUtilization", "ecsmon-agent")[0]).toBeCloseTo((200 / 128) * 100, 9);
    expect(cloudwatch.find("CPUUtilization", "~internal~ecs~pause")).toEqual([]);
    expect(cloudwatch.find("CPUUtilization", "app")[0]?.Dimensions).toEqual([
      { Name: "ServiceName", Value: "checkout-svc" },
      { Name: "TaskId", Value: "5f7c2b6e1a2d4e9b8c3f0a1b2c3d4e5f" },
      { Name: "ContainerName", Value: "app" },
    ]);

    statsBody = "this is not json";
    await until(
      "two malformed metadata reads",
      async () => ((await value(registry, "ecsmon_stats_malformed_total", { source: "metadata" })) ?? 0) >= 2,
    );
  });
});

describe("helpers", () => {
  it.each([
    { sources: [], name: "anything", match: true },
    { sources: ["app"], name: "app", match: true },
    { sources: ["app"], name: "app-sidecar", match: false },
    { sources: ["app.*"], name: "app-sidecar", match: true },
    { sources: ["(", "web"], name: "web", match: true },
  ])("container filter $sources on $name → $match", ({ sources, name, match }) => {
    const invalid: string[] = [];
    expect(compileContainerFilter(sources, (s) => invalid.push(s))(name)).toBe(match);
    expect(invalid).toEqual(sources.filter((s) => s === "("));
  });

  it("orders dimensions as the spec lists them", () => {
    const a: StatsAssignment = {
      taskArn: "arn:x/t9",
      taskId: "t9",
      family: "fam",
      revision: 1,
      serviceName: "s",
      containers: [],
    };
    expect(dimensionsFor(["TaskId", "TaskDefinitionFamily", "ClusterName"], "c1", a, "n")).toEqual([
      { Name: "TaskId", Value: "t9" },
      { Name: "TaskDefinitionFamily", Value: "fam" },
      { Name: "ClusterName", Value: "c1" },
    ]);
  });
});
