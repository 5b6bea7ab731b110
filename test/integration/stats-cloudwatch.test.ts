import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { NodeHandler } from "../../agents/node-handler.js";
import { createStatsHandler } from "../../agents/stats/stats-handler.js";
import { until } from "../helpers/until.js";
import {
  dockerFor,
  expectedFigures,
  metric,
  NAMESPACE,
  type RecordingDocker,
  useStatsSim,
} from "./stats-cloudwatch.test-helpers.js";

/**
 * Issue 6 acceptance against the simulator: the controller's observation and plan produce each node's stats
 * assignment; one stats handler per simulated node reads the node's Docker API (cgroup v1 on one node, v2 on the
 * other) and publishes to the simulator's CloudWatch. The values are checked against the formula applied here,
 * independently, to the exact payloads the simulator served (recorded by a pass-through Docker client).
 */

const stats = useStatsSim();

describe("stats → simulator CloudWatch", () => {
  it("publishes the formula's values with the spec's dimensions at 1 s resolution, in about one call per node per second", async () => {
    const { sim, cloudwatch, jobs, nodes } = stats();
    const handlers: NodeHandler[] = [];
    const dockers = new Map<string, RecordingDocker>();
    const registries = new Map<string, Registry>();
    const callsBefore = sim.server.counters.total({ service: "monitoring", operation: "PutMetricData" });
    const started = Date.now();
    try {
      for (const node of nodes) {
        const docker = dockerFor(node);
        const registry = new Registry();
        dockers.set(node.id, docker);
        registries.set(node.id, registry);
        const handler = createStatsHandler({ cloudwatch, docker, logger: pino({ level: "silent" }), registry });
        handlers.push(handler);
        await handler.apply(jobs.get(node.id)!);
      }
      const containers = [...jobs.values()].flatMap((j) =>
        j.stats.assignments.flatMap((a) => a.containers.map((c) => ({ taskId: a.taskId, name: c.name }))),
      );
      expect(containers).toHaveLength(2 + 2 * 2);
      const cpuValues = (c: { taskId: string; name: string }) =>
        sim.metrics
          .datums({
            namespace: NAMESPACE,
            metricName: "CPUUtilization",
            dimensions: { ContainerName: c.name, TaskId: c.taskId },
          })
          .reduce((n, d) => n + d.sampleCount, 0);
      await until("three CPU values per container", () => containers.every((c) => cpuValues(c) >= 3));
    } finally {
      for (const h of handlers) await h.stop();
    }
    const elapsedS = (Date.now() - started) / 1000;

    const datums = sim.metrics.datums({ namespace: NAMESPACE });
    expect(datums.length).toBeGreaterThan(0);
    expect(datums.every((d) => d.storageResolution === 1)).toBe(true);
    // The publisher flushes once a second: about one call per node per second, never one per container.
    const calls = sim.server.counters.total({ service: "monitoring", operation: "PutMetricData" }) - callsBefore;
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(nodes.length * (Math.ceil(elapsedS) + 2));

    let checked = 0;
    for (const [nodeId, job] of jobs) {
      const docker = dockers.get(nodeId)!;
      for (const a of job.stats.assignments) {
        for (const c of a.containers) {
          const reads = docker.served.get(c.runtimeId!) ?? [];
          expect(reads.length, `${a.taskId}/${c.name} reads`).toBeGreaterThanOrEqual(2);
          const expected = new Map<string, number[]>();
          reads.forEach((r, i) => {
            for (const [m, v] of Object.entries(expectedFigures(reads[i - 1]?.payload, r.payload, a, c))) {
              expected.set(m, [...(expected.get(m) ?? []), v]);
            }
          });
          const mine = datums.filter(
            (d) =>
              d.dimensions.some((x) => x.Name === "TaskId" && x.Value === a.taskId) &&
              d.dimensions.some((x) => x.Name === "ContainerName" && x.Value === c.name),
          );
          const dimNames = new Set(mine.map((d) => d.dimensions.map((x) => x.Name).join(",")));
          // Sorted by the simulator; ServiceName only for service tasks.
          expect([...dimNames]).toEqual([
            a.serviceName ? "ClusterName,ContainerName,ServiceName,TaskId" : "ClusterName,ContainerName,TaskId",
          ]);
          expect(
            mine
              .find((d) => d.dimensions.some((x) => x.Name === "ClusterName"))
              ?.dimensions.find((x) => x.Name === "ClusterName")?.Value,
          ).toBe("stats");
          for (const d of mine) {
            expect(d.unit).toBe(d.metricName.endsWith("Utilization") ? "Percent" : "Bytes/Second");
            const candidates = expected.get(d.metricName) ?? [];
            for (const v of d.values) {
              expect(
                candidates.some((e) => Math.abs(e - v) <= 1e-6 * Math.max(1, Math.abs(e))),
                `${d.metricName} ${v} of ${a.taskId}/${c.name} not in ${candidates.join(", ")}`,
              ).toBe(true);
              checked++;
            }
          }
          // Every figure computed from a served read was published (nothing lost, nothing invented).
          const published = mine
            .filter((d) => d.metricName === "CPUUtilization")
            .reduce((n, d) => n + d.counts.reduce((x, y) => x + y, 0), 0);
          expect(published).toBe(expected.get("CPUUtilization")?.length);
        }
      }
      const registry = registries.get(nodeId)!;
      const first = job.stats.assignments[0]!;
      expect(
        await metric(registry, "ecsmon_container_cpu_utilization_percent", {
          task_id: first.taskId,
          container: first.containers[0]!.name,
        }),
      ).toBeGreaterThan(0);
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("retries through injected throttling with a bounded buffer, and counts malformed payloads without stopping", async () => {
    const { sim, cloudwatch, jobs, nodes } = stats();
    const node = nodes.find((n) => (jobs.get(n.id)?.stats.assignments.length ?? 0) > 0)!;
    const job = jobs.get(node.id)!;
    const docker = dockerFor(node);
    const corrupted = job.stats.assignments[0]!.containers[0]!;
    docker.corrupt.add(corrupted.runtimeId!);
    const registry = new Registry();
    const maxBufferedSamples = 40;
    const handler = createStatsHandler({
      cloudwatch,
      docker,
      logger: pino({ level: "silent" }),
      registry,
      publisher: { maxBufferedSamples, retryBaseMs: 100, retryMaxMs: 400 },
    });
    const namespace = `${NAMESPACE}/Throttled`;
    sim.server.faults.set({ service: "monitoring", operation: "PutMetricData", throttlePct: 100 });
    try {
      await handler.apply({ ...job, stats: { ...job.stats, namespace } });
      let maxBuffered = 0;
      await until("a buffer_full drop", async () => {
        maxBuffered = Math.max(maxBuffered, await metric(registry, "ecsmon_stats_buffered_samples"));
        return (await metric(registry, "ecsmon_stats_dropped_samples_total", { reason: "buffer_full" })) > 0;
      });
      expect(await metric(registry, "ecsmon_stats_put_metric_data_calls_total", { result: "retry" })).toBeGreaterThan(
        0,
      );
      expect(maxBuffered).toBeLessThanOrEqual(maxBufferedSamples);
      expect(sim.metrics.datums({ namespace })).toHaveLength(0);

      sim.server.faults.remove("monitoring", "PutMetricData");
      await until("datums after the outage", () => sim.metrics.datums({ namespace }).length > 0);
      await until("an empty buffer", async () => (await metric(registry, "ecsmon_stats_buffered_samples")) === 0);
      // The simulator stores a call's datums a moment before the client sees the response.
      await until(
        "an ok PutMetricData call",
        async () => (await metric(registry, "ecsmon_stats_put_metric_data_calls_total", { result: "ok" })) > 0,
      );
      expect(await metric(registry, "ecsmon_stats_malformed_total", { source: "docker" })).toBeGreaterThan(0);
      const fromCorrupted = sim.metrics.datums({
        namespace,
        dimensions: { ContainerName: corrupted.name, TaskId: job.stats.assignments[0]!.taskId },
      });
      expect(fromCorrupted).toHaveLength(0);
      const others = job.stats.assignments.flatMap((a) => a.containers).filter((c) => c !== corrupted);
      expect(others.length).toBeGreaterThan(0);
      for (const c of others)
        expect(sim.metrics.datums({ namespace, dimensions: { ContainerName: c.name } }).length, c.name).toBeGreaterThan(
          0,
        );
    } finally {
      sim.server.faults.remove("monitoring", "PutMetricData");
      await handler.stop();
    }
  });
});
