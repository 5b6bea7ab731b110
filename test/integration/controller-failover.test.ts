import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StatusDocument } from "../../controller/api/status-view.js";
import type { TargetGroup } from "../../controller/outputs/target-groups.js";
import { freePort } from "../../lib/net.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { expectNoSyncJobSentTwice, type Replica, spawnReplica } from "../helpers/controller-replicas.js";
import { expectedDemoEndpoints, PORT_PATH_LABEL } from "../helpers/demo-expected.js";
import { putSimSpec } from "../helpers/put-spec.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { type Probe, until as pollUntil } from "../helpers/until.js";

/**
 * Two real `ecsmon controller` processes (dist/) share one Redis and the simulator. The leader is killed with
 * SIGKILL; the standby must take the cluster over within the lease TTL plus a tick, keep serving every target,
 * and nothing may be written twice: no sync job repeats the previous payload of its node, and no CloudWatch
 * capacity datum is published twice for the same timestamp.
 */

const LEASE_TTL_MS = 2_000;
const spec = `apiVersion: ecsmon.dev/v1alpha1
kind: MonitoringSpec
spec:
  clusters:
    - name: demo
      scrape:
        labels: { portPath: ${PORT_PATH_LABEL} }
      capacity:
        enabled: true
        period: 1s
        taskSizes: [{ name: small, cpu: 256, memory: 512 }]
`;

let sim: RunningSim;
let redisServer: RedisServer;
let redis: Redis;
const replicas: Replica[] = [];

const until = <T>(what: string, probe: Probe<T>, timeoutMs = 20_000) => pollUntil(what, probe, timeoutMs);

async function startReplica(id: string): Promise<Replica> {
  const replica = spawnReplica(sim, redisServer.url, id, await freePort(), {
    ECSMON_LEASE_TTL: `${LEASE_TTL_MS}ms`,
    ECSMON_RECONCILE_INTERVAL: "500ms",
    ECSMON_SPEC_POLL_INTERVAL: "500ms",
    ECSMON_AWS_RPS: "200",
    ECSMON_AWS_BURST: "200",
    LOG_LEVEL: "warn",
  });
  replicas.push(replica);
  await until(`replica ${id} to serve /healthz`, async () => (await fetch(`${replica.url}/healthz`)).ok);
  return replica;
}

const status = async (r: Replica) => (await (await fetch(`${r.url}/api/v1/status`)).json()) as StatusDocument;
const sdKeys = async (r: Replica) =>
  ((await (await fetch(`${r.url}/sd/prometheus`)).json()) as TargetGroup[])
    .map((g) => `${g.targets[0]}${g.labels.__metrics_path__}`)
    .sort();
const expectedKeys = () =>
  expectedDemoEndpoints(sim)
    .map((e) => `${e.address}${e.path}`)
    .sort();

beforeAll(async () => {
  sim = await startSim({ nodeSurfaces: false, transitionDelayMs: 0 });
  redisServer = await startRedisServer();
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  await putSimSpec(sim, spec);
  await Promise.all([startReplica("replica-a"), startReplica("replica-b")]);
});

afterAll(async () => {
  for (const r of replicas) if (r.child.exitCode === null) r.child.kill("SIGKILL");
  redis?.disconnect();
  await sim?.stop();
  await redisServer?.stop();
});

describe("failover between two controller processes", () => {
  it("the standby takes over within the TTL after kill -9, and nothing is written twice", async () => {
    const leaderId = await until("a leader", async () => (await status(replicas[0] as Replica)).leases[0]?.holder);
    const leader = replicas.find((r) => r.id === leaderId) as Replica;
    const standby = replicas.find((r) => r.id !== leaderId) as Replica;
    for (const r of replicas) {
      await until(`${r.id} to serve every target`, async () => (await sdKeys(r)).join() === expectedKeys().join());
    }
    await until("a capacity publish", async () => sim.metrics.datums({ metricName: "RemainingCPU" }).length > 0);

    leader.child.kill("SIGKILL");
    const killedAt = Date.now();
    await until("the standby to hold the lease", async () => {
      const s = await status(standby);
      return s.leases[0]?.holder === standby.id && s.clusters[0] && "fencingToken" in s.clusters[0] ? s : undefined;
    });
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(LEASE_TTL_MS + LEASE_TTL_MS / 3 + 2_000);
    expect(await sdKeys(standby)).toEqual(expectedKeys());

    // The new leader keeps reconciling: a stopped task's replacement shows up.
    const victim = expectedDemoEndpoints(sim).find((e) => e.service === "web");
    sim.store.stopTask(victim?.taskArn ?? "", "failover test", "UserInitiated", true);
    await until("the standby to publish the churned target set", async () => {
      const keys = await sdKeys(standby);
      return keys.join() === expectedKeys().join() && !keys.includes(`${victim?.address}${victim?.path}`);
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    await expectNoSyncJobSentTwice(
      redis,
      sim.store.instances().map((i) => i.id),
    );
    const datums = sim.metrics.datums({ namespace: "ECS/Capacity", metricName: "RemainingCPU" });
    const stamps = datums.map((d) => d.timestamp.toISOString());
    expect(new Set(stamps).size).toBe(stamps.length);
    expect(standby.stderr.join("")).not.toMatch(/"level":(50|60)/);
  });
});
