import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StatusDocument } from "../../controller/api/status-view.js";
import { redisKeys } from "../../crds-like-schemas/index.js";
import { freePort } from "../../lib/net.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { expectNoSyncJobSentTwice, type Replica, spawnReplica } from "../helpers/controller-replicas.js";
import { putSimSpec } from "../helpers/put-spec.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { type Probe, until as pollUntil } from "../helpers/until.js";

/**
 * The warm standby (ADR 0068) with two real `ecsmon controller` processes on a 300-task cluster: the leader reads
 * every task definition and instance from AWS once and leaves them in the shared cache in Redis; after it is
 * killed with SIGKILL, the standby takes the cluster over and publishes a fresh reconcile without a single
 * DescribeTaskDefinition, DescribeTasks or EC2 call (the simulator's own request counters say so), and no node receives the
 * same sync-job generation, or the same payload, twice. A task of a definition nobody has read yet then costs
 * exactly one DescribeTaskDefinition: the cache answers only what it holds.
 */

const LEASE_TTL_MS = 2_000;
const CLUSTER = "warm";
const FAMILIES = 30;
const scenario = `name: warm-failover
seed: 5
region: us-east-1
cluster: ${CLUSTER}
nodeSurfaces: false
transitionDelayMs: 0
instances:
  - type: m5.2xlarge
    count: 12
taskDefinitions:
  - family: app-\${i}
    repeat: ${FAMILIES + 1}
    networkMode: bridge
    containers:
      - name: app
        cpu: 16
        memory: 32
        portMappings: [{ containerPort: 8080 }]
        dockerLabels:
          PROMETHEUS_SCRAPES: "8080/metrics"
tasks:
  - taskDefinition: app-\${i}
    repeat: ${FAMILIES}
    count: 10
`;
const spec = `apiVersion: ecsmon.dev/v1alpha1
kind: MonitoringSpec
spec:
  clusters:
    - name: ${CLUSTER}
      serviceMetrics: { enabled: false }
`;

let sim: RunningSim;
let redisServer: RedisServer;
let redis: Redis;
const replicas: Replica[] = [];
const keys = redisKeys("ecsmon");

const until = <T>(what: string, probe: Probe<T>, timeoutMs = 30_000) => pollUntil(what, probe, timeoutMs, 100);

function startReplica(id: string, port: number): Replica {
  const replica = spawnReplica(sim, redisServer.url, id, port, {
    ECSMON_LEASE_TTL: `${LEASE_TTL_MS}ms`,
    ECSMON_RECONCILE_INTERVAL: "1s",
    ECSMON_SPEC_POLL_INTERVAL: "1s",
    ECSMON_AWS_RPS: "200",
    ECSMON_AWS_BURST: "200",
    LOG_LEVEL: "warn",
  });
  replicas.push(replica);
  return replica;
}

const status = async (r: Replica) => (await (await fetch(`${r.url}/api/v1/status`)).json()) as StatusDocument;

/** The replica's summary once it holds the cluster and completed a reconcile observed at or after `since`. */
async function freshSummary(r: Replica, since: number) {
  const summary = (await status(r)).clusters[0];
  if (!summary || "pending" in summary || summary.holder !== r.id) return undefined;
  if (!summary.observedAt || !summary.lastReconcileAt || Date.parse(summary.observedAt) < since) return undefined;
  return summary;
}

/** Simulator requests by operation, all outcomes: an independent count of what the controllers asked AWS. */
function simCalls(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of sim.server.counters.snapshot()) out[r.operation] = (out[r.operation] ?? 0) + r.count;
  return out;
}

const sdTargets = async (r: Replica) =>
  ((await (await fetch(`${r.url}/sd/prometheus`)).json()) as { targets: string[] }[]).flatMap((g) => g.targets).sort();

beforeAll(async () => {
  sim = await startSim({ scenario, nodeSurfaces: false, transitionDelayMs: 0 });
  redisServer = await startRedisServer();
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  await putSimSpec(sim, spec);
}, 60_000);

afterAll(async () => {
  for (const r of replicas) if (r.child.exitCode === null) r.child.kill("SIGKILL");
  redis?.disconnect();
  await sim?.stop();
  await redisServer?.stop();
});

describe("warm failover between two controller processes", () => {
  it("the standby takes over from the shared cache: 0 DescribeTaskDefinition, a fresh reconcile, nothing sent twice", async () => {
    const startedAt = Date.now();
    const leader = startReplica("warm-a", await freePort());
    const leaderSummary = await until("the first replica's first reconcile", () => freshSummary(leader, startedAt));
    const running = sim.store.tasks().filter((t) => t.desiredStatus === "RUNNING");
    expect(running.length).toBe(FAMILIES * 10);
    expect(Object.values(leaderSummary.targets).reduce((a, b) => a + b, 0)).toBe(running.length);
    // The cold leader read each definition in use once, and left all of them in the shared cache.
    const inUse = new Set(running.map((t) => t.taskDefinitionArn));
    expect(simCalls().DescribeTaskDefinition).toBe(inUse.size);
    expect((await redis.hkeys(keys.taskDefinitions(CLUSTER))).sort()).toEqual([...inUse].sort());
    expect((await redis.hkeys(keys.taskSnapshot(CLUSTER))).sort()).toEqual(running.map((t) => t.taskArn).sort());

    const standby = startReplica("warm-b", await freePort());
    await until("the standby to register", async () => (await redis.zscore(keys.replicas(), standby.id)) !== null);
    await until("the standby to serve the leader's targets", async () => {
      return (await sdTargets(standby)).length === running.length;
    });
    const servedBefore = await sdTargets(standby);
    const generationsBefore = await nodeGenerations();
    const callsBefore = simCalls();

    leader.child.kill("SIGKILL");
    const killedAt = Date.now();
    const taken = await until("a fresh reconcile by the standby", () => freshSummary(standby, killedAt));
    const calls = simCalls();
    const delta = (op: string) => (calls[op] ?? 0) - (callsBefore[op] ?? 0);
    expect(delta("ListTasks")).toBeGreaterThan(0); // it did observe the cluster afresh
    expect(delta("DescribeTaskDefinition")).toBe(0);
    expect(delta("DescribeTasks")).toBe(0); // every listed task was in the leader's task snapshot
    expect(delta("DescribeInstances")).toBe(0);
    expect(delta("DescribeInstanceTypes")).toBe(0);
    expect(taken.fencingToken).toBeGreaterThan(leaderSummary.fencingToken ?? 0);
    expect(await sdTargets(standby)).toEqual(servedBefore);
    // The cluster did not change, so the new holder had nothing to send: no generation advanced.
    expect(await nodeGenerations()).toEqual(generationsBefore);

    // A task of a definition nobody read yet: exactly one DescribeTaskDefinition, and its target is published.
    const fresh = sim.store.runTask({ cluster: CLUSTER, taskDefinition: `app-${FAMILIES}`, count: 1 }).tasks[0];
    expect(fresh).toBeDefined();
    await until("the new task's target", async () => (await sdTargets(standby)).length === running.length + 1);
    expect((simCalls().DescribeTaskDefinition ?? 0) - (calls.DescribeTaskDefinition ?? 0)).toBe(1);

    await expectNoSyncJobSentTwice(redis, Object.keys(generationsBefore));
    expect(standby.stderr.join("")).not.toMatch(/"level":(50|60)/);
  });
});

/** Every node's sync-job generation counter in Redis. */
async function nodeGenerations(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const instance of sim.store.instances()) {
    out[instance.id] = Number((await redis.get(keys.node(instance.id).generation)) ?? 0);
  }
  return out;
}
