import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { expect } from "vitest";
import { NodeSyncJob, nodeQueueName } from "../../crds-like-schemas/index.js";
import { fromRoot } from "../../lib/paths.js";
import type { RunningSim } from "../../sim/index.js";
import { controllerEnv } from "./controller-env.js";

/** One `ecsmon controller` process of a multi-replica test (dist/ must be built). */
export interface Replica {
  id: string;
  url: string;
  child: ChildProcess;
  stderr: string[];
}

/** Spawns a controller replica with its own id and status API port; `env` adds to the simulator's environment. */
export function spawnReplica(
  sim: RunningSim,
  redisUrl: string,
  id: string,
  port: number,
  env: Record<string, string>,
): Replica {
  const child = spawn(process.execPath, [fromRoot("dist/cli/ecsmon.js"), "controller"], {
    env: controllerEnv(sim, redisUrl, { ECSMON_CONTROLLER_ID: id, ECSMON_API_BIND: `127.0.0.1:${port}`, ...env }),
    stdio: ["ignore", "ignore", "pipe"],
  });
  const stderr: string[] = [];
  child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  return { id, url: `http://127.0.0.1:${port}`, child, stderr };
}

/**
 * Per node queue: the node received sync jobs, their generations strictly increase (none sent twice, whoever the
 * writer), fencing tokens never go back, and no job repeats its predecessor's payload (generation, issue time and
 * token aside).
 */
export async function expectNoSyncJobSentTwice(redis: Redis, nodeIds: readonly string[]): Promise<void> {
  for (const nodeId of nodeIds) {
    const queue = new Queue(nodeQueueName(nodeId), { connection: redis });
    const jobs = (await queue.getJobs(["wait", "active", "completed", "failed", "delayed"]))
      .map((j) => NodeSyncJob.parse(j.data))
      .sort((a, b) => a.generation - b.generation);
    await queue.close();
    expect(jobs.length, `node ${nodeId} received its targets`).toBeGreaterThan(0);
    const hashes = jobs.map(({ generation: _g, issuedAt: _i, fencingToken: _f, ...rest }) =>
      createHash("sha256").update(JSON.stringify(rest)).digest("hex"),
    );
    for (let i = 1; i < jobs.length; i++) {
      expect(jobs[i]?.generation, `node ${nodeId}: generation sent twice`).toBeGreaterThan(
        jobs[i - 1]?.generation ?? 0,
      );
      expect(hashes[i], `node ${nodeId}: generation ${jobs[i]?.generation} repeats its predecessor`).not.toBe(
        hashes[i - 1],
      );
      expect(jobs[i]?.fencingToken).toBeGreaterThanOrEqual(jobs[i - 1]?.fencingToken ?? 0);
    }
  }
}
