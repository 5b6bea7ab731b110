import { beforeAll, describe, expect, it } from "vitest";
import { until } from "../helpers/until.js";
import * as rig from "./agent-real-engine.test-helpers.js";

/**
 * Issue 15, part 2: `ecsmon agent` on a real Docker Engine started for this file (agent-real-rig.engine.test-helpers.ts)
 * through a container restarted, a container removed mid-sample, and the engine restarted — each counted, no crash,
 * no spike.
 */

rig.useRealEngineAgent();

describe("lifecycle on a real engine: counted, no crash, no spike", () => {
  // Each container sampled at least once, so a restart or removal is a change the agent can see.
  beforeAll(rig.waitForFirstSamples, 90_000);

  /** Every CPU value for the workload stays within its CFS quota (reserved mode), and memory within its limit. */
  function expectNoSpike(w: rig.Workload, sinceMs: number) {
    const quotaPercent = (Number(w.flags[w.flags.indexOf("--cpus") + 1]) * 1024 * 100) / w.cpuUnits;
    for (const { value } of rig.published("CPUUtilization", w, sinceMs)) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value, `${w.name} CPU`).toBeLessThanOrEqual(quotaPercent * 1.25);
    }
    const memoryCeiling = (w.memoryLimitMiB / (w.memoryReservationMiB ?? w.memoryLimitMiB)) * 100;
    for (const { value } of rig.published("MemoryUtilization", w, sinceMs)) {
      expect(value, `${w.name} memory`).toBeLessThanOrEqual(memoryCeiling);
    }
    for (const metric of ["NetworkRxBytes", "NetworkTxBytes"]) {
      for (const { value } of rig.published(metric, w, sinceMs)) {
        expect(value, `${w.name} ${metric}`).toBeGreaterThanOrEqual(0);
        expect(value, `${w.name} ${metric}`).toBeLessThan(10 * rig.MIB);
      }
    }
  }

  const events = (event: string) => rig.agentMetric("ecsmon_stats_container_events_total", { event });
  const waitForEvents = (event: string, atLeast: number, timeoutMs = 30_000) =>
    until(
      `${atLeast} ${event} event(s) on the agent's /metrics`,
      async () => (await events(event)) >= atLeast,
      timeoutMs,
      200,
    );
  const waitForSamples = (metric: string, w: rig.Workload, sinceMs: number, timeoutMs = 30_000) =>
    until(
      `${metric} of ${w.name} after ${new Date(sinceMs).toISOString()}`,
      () => rig.published(metric, w, sinceMs).length >= 2,
      timeoutMs,
      200,
    );

  it("a container restarted in place is counted and its next figures are not a spike", async () => {
    const busy = rig.WORKLOADS[0] as rig.Workload;
    const restartedBefore = await events("restarted");
    const since = Date.now();
    await rig.engine.docker(["restart", "-t", "0", "busy"]);
    await waitForEvents("restarted", restartedBefore + 1);
    await waitForSamples("CPUUtilization", busy, since + 2_000);
    expectNoSpike(busy, since);
    expect(rig.agent.exitCode).toBeNull();
  }, 60_000);

  it("a container removed while its stats read is in flight is counted as removed", async () => {
    const tmpfs = rig.WORKLOADS[1] as rig.Workload;
    const notFoundBefore = await rig.agentMetric("ecsmon_stats_collect_errors_total", { reason: "not_found" });
    const id = rig.ids.get("pagecache") as string;
    const held = rig.proxy.hold(id);
    await held.arrived;
    await rig.engine.docker(["rm", "-f", "pagecache"]);
    held.release();
    await waitForEvents("removed", 1);
    expect(await rig.agentMetric("ecsmon_stats_collect_errors_total", { reason: "not_found" })).toBeGreaterThan(
      notFoundBefore,
    );
    await waitForSamples("MemoryUtilization", tmpfs, Date.now());
    expect(rig.agent.exitCode).toBeNull();
    expect((await fetch(rig.metricsUrl.replace("/metrics", "/healthz"))).status).toBe(200);
  }, 60_000);

  it("the engine restarted: unreachable cycles counted, restarted containers counted, sampling resumes without a spike", async () => {
    const busy = rig.WORKLOADS[0] as rig.Workload;
    const restartedBefore = await events("restarted");
    const since = Date.now();
    await rig.engine.restart({ downMs: 3_000 });
    const restartMs = Date.now() - since;
    await waitForEvents("engine_unreachable", 1);
    // busy and tmpfs come back (restart=always) with fresh counters under the same ids.
    await waitForEvents("restarted", restartedBefore + 2, 60_000).catch(async (error) => {
      const ps = await rig.engine.docker(["ps", "-a"], { allowFail: true });
      throw new Error(`${(error as Error).message}\n${ps.stdout}\n--- agent log ---\n${rig.agentLog.slice(-6_000)}`);
    });
    await waitForSamples("CPUUtilization", busy, Date.now(), 60_000);
    for (const w of rig.WORKLOADS.slice(0, 2)) expectNoSpike(w, since);
    expect(rig.agent.exitCode).toBeNull();
    expect(rig.agentLog).toContain("Docker Engine unreachable");
    expect(rig.agentLog).toContain("Docker Engine reachable again");
    console.log(
      `[real engine] engine restart (3 s down) took ${restartMs} ms; sampling resumed ${Date.now() - since} ms after it began`,
    );
  }, 120_000);
});
