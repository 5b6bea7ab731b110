import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createStatsHandler } from "../../agents/stats/stats-handler.js";
import { until } from "../helpers/until.js";
import { expectedFigures, NAMESPACE, type RawStats, useStatsSim } from "./stats-cloudwatch.test-helpers.js";

/** Issue 6 acceptance, sidecar mode: the stats handler reads the simulated task metadata v4 endpoint. */

const stats = useStatsSim();

describe("stats → simulator CloudWatch (sidecar)", () => {
  it("sidecar mode reads the simulated task metadata v4 endpoint and publishes the same formulas", async () => {
    const { sim, cloudwatch, jobs, nodes } = stats();
    const job = [...jobs.values()].find((j) => j.stats.assignments.some((a) => a.family === "api"))!;
    const assignment = job.stats.assignments.find((a) => a.family === "api")!;
    const node = nodes.find((n) => n.id === job.nodeId)!;
    const served: RawStats[][] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).endsWith("/task/stats")) return response;
      const body = (await response.json()) as Record<string, RawStats | null>;
      served.push(assignment.containers.map((c) => body[c.runtimeId!]!).filter(Boolean));
      return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
    };
    const namespace = `${NAMESPACE}/Sidecar`;
    const handler = createStatsHandler({
      cloudwatch,
      metadataUri: `${node.surfaces!.metadataBaseUrl}/v4/${assignment.taskId}`,
      fetch: recordingFetch,
      logger: pino({ level: "silent" }),
      registry: new Registry(),
    });
    try {
      await handler.apply({ ...job, stats: { ...job.stats, namespace, assignments: [] } });
      await until(
        "NetworkRxBytes of every container",
        () => sim.metrics.datums({ namespace, metricName: "NetworkRxBytes" }).length >= assignment.containers.length,
      );
    } finally {
      await handler.stop();
    }
    const datums = sim.metrics.datums({ namespace });
    expect(new Set(datums.map((d) => d.dimensions.find((x) => x.Name === "TaskId")?.Value))).toEqual(
      new Set([assignment.taskId]),
    );
    for (const [index, c] of assignment.containers.entries()) {
      const reads = served.map((round) => round[index]!).filter(Boolean);
      const expected = new Map<string, number[]>();
      reads.forEach((r, i) => {
        // Sidecar reservations come from /task: task CPU in vCPU × 1024, container limits as ECS set them.
        for (const [m, v] of Object.entries(expectedFigures(reads[i - 1], r, assignment, c)))
          expected.set(m, [...(expected.get(m) ?? []), v]);
      });
      const mine = datums.filter((d) => d.dimensions.some((x) => x.Name === "ContainerName" && x.Value === c.name));
      expect(mine.length, c.name).toBeGreaterThan(0);
      for (const d of mine.filter((x) => x.metricName === "CPUUtilization" || x.metricName === "NetworkRxBytes")) {
        for (const v of d.values) {
          expect(
            (expected.get(d.metricName) ?? []).some((e) => Math.abs(e - v) <= 1e-6 * Math.max(1, Math.abs(e))),
            `${d.metricName} ${v} of ${c.name} not in ${expected.get(d.metricName)?.join(", ")}`,
          ).toBe(true);
        }
      }
    }
  });
});
