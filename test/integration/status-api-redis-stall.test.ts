import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StaleNote, StatusDocument } from "../../controller/api/status-view.js";
import { freePort } from "../../lib/net.js";
import { fromRoot } from "../../lib/paths.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { type Replica, spawnReplica } from "../helpers/controller-replicas.js";
import { clusterSpec, putSimSpec } from "../helpers/put-spec.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { until } from "../helpers/until.js";

/**
 * Issue 17: the status API must not depend on Redis. Two `ecsmon controller` processes share a real redis-server;
 * one holds the cluster (live data), the other serves the owner's stored summary. The redis-server is then
 * stopped with SIGSTOP, so connections stay open and nothing is answered, which is how a stalled Redis looks.
 * Every route of both replicas must answer within ROUTE_BOUND_MS (the view's Redis read budget is 500 ms), and
 * the data that is older than it should be must be listed as stale, with its age. `ecsmon status` must print it.
 */

const ROUTE_BOUND_MS = 1_000;
const CLI_BOUND_MS = 5_000;
const spec = clusterSpec("demo");

let sim: RunningSim;
let redis: RedisServer;
const replicas: Replica[] = [];

async function startReplica(id: string): Promise<Replica> {
  const replica = spawnReplica(sim, redis.url, id, await freePort(), {
    ECSMON_LEASE_TTL: "3s",
    ECSMON_RECONCILE_INTERVAL: "500ms",
    ECSMON_SPEC_POLL_INTERVAL: "500ms",
    LOG_LEVEL: "silent",
  });
  replicas.push(replica);
  await until(`${id} to serve /healthz`, async () => (await fetch(`${replica.url}/healthz`)).ok, 20_000);
  return replica;
}

async function timed(url: string): Promise<{ ms: number; status: number; body: Record<string, unknown> }> {
  const started = performance.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as Record<string, unknown>;
  return { ms: performance.now() - started, status: response.status, body };
}

const status = async (r: Replica) => (await timed(`${r.url}/api/v1/status`)).body as unknown as StatusDocument;

beforeAll(async () => {
  sim = await startSim({ nodeSurfaces: false, transitionDelayMs: 0 });
  redis = await startRedisServer();
  await putSimSpec(sim, spec);
  await Promise.all([startReplica("replica-a"), startReplica("replica-b")]);
}, 60_000);

afterAll(async () => {
  redis?.resume();
  for (const r of replicas) if (r.child.exitCode === null) r.child.kill("SIGKILL");
  await redis?.stop(true);
  await sim?.stop();
});

describe("status API with Redis stalled (SIGSTOP)", () => {
  it("answers every route of both replicas within the bound, marking stale data with its age", async () => {
    // Both replicas know the cluster: the holder live, the standby from the holder's stored summary.
    const [holder, standby] = await until(
      "one replica holding demo and the other showing its stored summary",
      async () => {
        const docs = await Promise.all(replicas.map(status));
        const h = docs.findIndex((d) => d.leases[0]?.mine);
        const other = docs[1 - h];
        if (h < 0 || !other || !other.clusters[0] || "pending" in other.clusters[0]) return undefined;
        if (docs.some((d) => d.stale.length > 0)) return undefined;
        return [replicas[h], replicas[1 - h]] as [Replica, Replica];
      },
      30_000,
      200,
    );
    // Read each stored part once while Redis answers, so the stall has something older to serve.
    for (const path of ["/api/v1/targets", "/api/v1/agents", "/api/v1/capacity"]) await timed(`${standby.url}${path}`);

    redis.pause();
    // Past the holder's stale bound: three reconcile intervals of 500 ms.
    await new Promise((r) => setTimeout(r, 2_500));

    const paths = [
      "/healthz",
      "/readyz",
      "/api/v1/status",
      "/api/v1/targets",
      "/api/v1/agents",
      "/api/v1/capacity",
      "/api/v1/explain?task=nope",
      "/sd/prometheus",
      "/metrics",
    ];
    const timings: number[] = [];
    for (const replica of [holder, standby]) {
      for (const path of paths) {
        const started = performance.now();
        const response = await fetch(`${replica.url}${path}`, { signal: AbortSignal.timeout(10_000) });
        await response.arrayBuffer();
        const ms = performance.now() - started;
        expect(ms, `${replica.id} ${path} took ${ms.toFixed(0)} ms`).toBeLessThan(ROUTE_BOUND_MS);
        expect(response.status, `${replica.id} ${path}`).toBeLessThan(500);
        timings.push(ms);
      }
    }
    timings.sort((a, b) => a - b);
    const median = timings[Math.floor(timings.length / 2)] ?? 0;
    console.log(`routes with Redis stalled: median ${median.toFixed(0)} ms, max ${timings.at(-1)?.toFixed(0)} ms`);

    const staleOf = async (r: Replica, path: string) =>
      ((await timed(`${r.url}${path}`)).body.stale as StaleNote[]).map((n) => n.what);
    const held = await status(holder);
    expect(held.clusters[0]).toMatchObject({ cluster: "demo" });
    expect(held.stale.map((n) => n.what).sort()).toEqual(["cluster demo", "leases"]);
    const reconcile = held.stale.find((n) => n.what === "cluster demo")!;
    expect(reconcile.ageMs).toBeGreaterThan(1_500);
    expect(reconcile.reason).toMatch(/no reconcile has completed/);
    const leases = held.stale.find((n) => n.what === "leases")!;
    expect(leases.ageMs).toBeGreaterThan(1_500);
    expect(leases.reason).toBe("Redis did not answer within 500 ms");
    expect(Date.parse(leases.asOf!)).toBeLessThan(Date.now() - 1_500);
    expect(await staleOf(holder, "/api/v1/targets")).toEqual(["cluster demo"]);

    const remote = await status(standby);
    expect(remote.clusters[0]).toMatchObject({ cluster: "demo", holder: holder.id });
    expect(remote.stale.map((n) => n.what).sort()).toEqual(["cluster demo", "leases"]);
    for (const note of remote.stale) expect(note.ageMs).toBeGreaterThan(1_500);
    expect(await staleOf(standby, "/api/v1/targets")).toEqual(["cluster demo machines"]);
    expect(await staleOf(standby, "/api/v1/agents")).toEqual(["cluster demo machines"]);
    expect(await staleOf(standby, "/api/v1/capacity")).toEqual(["cluster demo"]);

    for (const replica of [holder, standby]) {
      const started = performance.now();
      const cli = spawnSync(process.execPath, [fromRoot("dist/cli/ecsmon.js"), "status", "--url", replica.url], {
        encoding: "utf8",
        timeout: 20_000,
      });
      const ms = performance.now() - started;
      expect(cli.status, cli.stderr).toBe(0);
      expect(ms, `ecsmon status took ${ms.toFixed(0)} ms`).toBeLessThan(CLI_BOUND_MS);
      expect(cli.stdout).toMatch(/! STALE leases: \d+\.\d s old, as of \S+ \(Redis did not answer within 500 ms\)/);
      expect(cli.stdout).toMatch(/! STALE cluster demo: \d+\.\d s old/);
    }

    redis.resume();
    await until(
      "both replicas current again after Redis resumes",
      async () => (await Promise.all(replicas.map(status))).every((d) => d.stale.length === 0),
      20_000,
      200,
    );
  }, 90_000);
});
