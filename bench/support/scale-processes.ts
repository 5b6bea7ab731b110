import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import type { Redis } from "ioredis";
import type { StatusDocument } from "../../controller/api/status-view.js";
import { parseLeaseValue } from "../../controller/leases/cluster-lease.js";
import { redisKeys } from "../../crds-like-schemas/contracts/redis-keys.js";
import { CLI, childEnv } from "./controller-process.js";
import { type BenchChild, getJson, spawnChild, untilWhileAlive, whenReady } from "./processes.js";

/**
 * Processes of the scale benches (bench/replicas.ts, bench/events.ts): the simulator, `ecsmon spec apply` and
 * controller replicas, each in its own process as an operator runs them, plus what the bench reads from outside:
 * lease holders in Redis, /proc CPU time, the status API.
 */

/** The children's environment: the one of bench/support/controller-process.ts. */
export const scaleChildEnv = childEnv;

/** `ecsmon sim` on `endpoint` with the scenario; large scenarios take a while to load on a busy machine. */
export async function startSimProcess(
  scenario: string,
  region: string,
  endpoint: string,
  options: { churn?: boolean; timeoutMs?: number } = {},
): Promise<BenchChild> {
  const args = [CLI, "--log-level", "warn", "sim", "--scenario", scenario, "--port", new URL(endpoint).port];
  args.push("--no-node-surfaces");
  if (options.churn) args.push("--churn");
  const sim = spawnChild("simulator", process.execPath, args, scaleChildEnv(region));
  return whenReady(
    sim,
    "the simulator's endpoint",
    () => getJson(`${endpoint}/_sim/healthz`),
    options.timeoutMs ?? 300_000,
  );
}

/** `ecsmon spec apply` of a spec monitoring `clusters` (each entry's extra YAML, indented, may follow its name). */
export async function applyClustersSpec(
  endpoint: string,
  region: string,
  file: string,
  clusters: readonly { name: string; extra?: string }[],
): Promise<void> {
  const entries = clusters.map((c) => `    - name: ${c.name}\n${c.extra ?? ""}`).join("");
  writeFileSync(file, `apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters:\n${entries}`);
  await promisify(execFile)(process.execPath, [CLI, "--endpoint-url", endpoint, "spec", "apply", file], {
    env: scaleChildEnv(region),
    timeout: 60_000,
  });
}

export interface ControllerReplicaOptions {
  id: string;
  /** Status API base URL (`http://127.0.0.1:<port>`). */
  api: string;
  redisUrl: string;
  endpoint: string;
  region: string;
  env?: Record<string, string>;
}

/** `ecsmon controller` with its own id and API port. */
export function startControllerReplica(options: ControllerReplicaOptions): BenchChild {
  const args = [CLI, "--log-level", "warn", "controller", "--bind", new URL(options.api).host];
  args.push("--redis-url", options.redisUrl);
  const env = scaleChildEnv(options.region, {
    AWS_ENDPOINT_URL: options.endpoint,
    ECSMON_CONTROLLER_ID: options.id,
    ...options.env,
  });
  return spawnChild(`controller ${options.id}`, process.execPath, args, env);
}

/** Waits until the replica's status API shows every listed cluster reconciled at least once (by any replica). */
export function allReconciled(child: BenchChild, api: string, clusters: number, timeoutMs: number): Promise<true> {
  return untilWhileAlive(
    child,
    `${clusters} clusters reconciled`,
    async () => {
      const status = await getJson<StatusDocument>(`${api}/api/v1/status`);
      const done = status.clusters.filter((c) => !("pending" in c) && c.lastReconcileAt).length;
      return done >= clusters ? true : undefined;
    },
    timeoutMs,
    1_000,
  );
}

/** Lease holder of each cluster, read from Redis (one GET per key, as the lease manager reads them). */
export async function leaseHolders(
  redis: Redis,
  clusters: readonly string[],
  prefix = "ecsmon",
): Promise<Map<string, string | undefined>> {
  const keys = redisKeys(prefix);
  const values = await Promise.all(clusters.map((c) => redis.get(keys.lease(c))));
  return new Map(clusters.map((c, i) => [c, parseLeaseValue(values[i])?.holderId]));
}

/** Clusters held per replica id, in `ids` order. */
export function heldCounts(holders: ReadonlyMap<string, string | undefined>, ids: readonly string[]): number[] {
  return ids.map((id) => [...holders.values()].filter((h) => h === id).length);
}

const CLOCK_TICKS = 100;

/** User + system CPU seconds a process has used (/proc/<pid>/stat fields 14 and 15); undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
