import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import { Counter, type Registry } from "prom-client";
import { BULL_PREFIX, KEY_PREFIX, NodeSyncJob, redisKeys } from "../../crds-like-schemas/index.js";
import { settlesWithin } from "../../lib/bounded-stop.js";
import { closeWorker } from "../../lib/close-worker.js";
import type { Logger } from "../../lib/logger.js";
import type { RedisClient } from "../../lib/redis.js";
import type { NodeIdentity } from "../identity/resolve-identity.js";

export type SyncOutcome = "applied" | "stale" | "invalid" | "foreign";

export interface SyncSourceOptions {
  identity: NodeIdentity;
  queueName: string;
  /** Blocking connection for the BullMQ worker (`maxRetriesPerRequest: null`). */
  workerConnection: RedisClient;
  /** Fail-fast connection for reads of the controller's keys. */
  readConnection: RedisClient;
  /** Applies a validated job; the caller serializes and skips generations not newer than the applied one. */
  apply: (job: NodeSyncJob, via: "queue" | "latest-key") => Promise<SyncOutcome>;
  logger: Logger;
  registry?: Registry;
  /** Prefix of the controller's keys (ADR 0008). @defaultValue "ecsmon" */
  keyPrefix?: string;
  /** BullMQ prefix. @defaultValue "bull" */
  bullPrefix?: string;
  /** How often to re-read the node's job key, catching any job the queue did not deliver. @defaultValue 30_000 */
  resyncIntervalMs?: number;
}

/**
 * Feeds the agent its desired state: a BullMQ worker on the node queue (concurrency 1, so generations apply
 * in order) plus the controller's `redisKeys().node(nodeId).job` key (ADR 0008), read at start to converge
 * immediately and then periodically. Jobs are validated with the NodeSyncJob schema; an invalid one is
 * logged, counted and failed with UnrecoverableError (never retried, never crashes the agent). A job for
 * another node (possible on the shared pool queue) completes as a no-op.
 */
export class SyncSource {
  private worker: Worker | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly outcomes: Counter<"result">;
  private readonly jobKey: string;

  constructor(private readonly options: SyncSourceOptions) {
    this.outcomes = new Counter({
      name: "ecsmon_agent_sync_jobs_total",
      help: "Desired-state sync jobs received, by outcome.",
      labelNames: ["result"],
      registers: options.registry ? [options.registry] : [],
    });
    for (const result of ["applied", "stale", "invalid", "foreign"]) this.outcomes.inc({ result }, 0);
    this.jobKey = redisKeys(options.keyPrefix ?? KEY_PREFIX).node(options.identity.nodeId).job;
  }

  /** Converges to the latest stored state (best effort), then starts consuming the queue. */
  async start(): Promise<void> {
    await waitReady(this.options.readConnection, 5_000);
    await this.readLatest();
    const { logger } = this.options;
    this.worker = new Worker(this.options.queueName, (job) => this.process(job), {
      connection: this.options.workerConnection,
      prefix: this.options.bullPrefix ?? BULL_PREFIX,
      concurrency: 1,
      autorun: true,
    });
    this.worker.on("error", (error) => logger.debug({ err: error.message }, "sync worker error"));
    this.worker.on("failed", (job, error) => logger.warn({ jobId: job?.id, err: error.message }, "sync job failed"));
    this.timer = setInterval(() => void this.readLatest(), this.options.resyncIntervalMs ?? 30_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const redisReady = this.options.workerConnection.status === "ready";
    if (this.worker) await closeWorker(this.worker, this.options.logger, undefined, redisReady);
  }

  /** Reads the controller's latest-job key and, failing that, the newest job kept in the queue. Never throws. */
  async readLatest(): Promise<void> {
    const { logger } = this.options;
    try {
      const raw = await this.options.readConnection.get(this.jobKey);
      let candidate: NodeSyncJob | undefined;
      if (raw) {
        const parsed = NodeSyncJob.safeParse(JSON.parse(raw));
        if (parsed.success) candidate = parsed.data;
        else
          logger.warn(
            { key: this.jobKey, issue: parsed.error.issues[0]?.message },
            "invalid latest job in Redis ignored",
          );
      }
      if (candidate === undefined) candidate = await this.newestQueuedJob();
      // Only an applied state counts: the periodic re-read finding nothing newer is not a received job.
      if (candidate && this.isOurs(candidate) && (await this.options.apply(candidate, "latest-key")) === "applied") {
        this.count("applied");
      }
    } catch (error) {
      logger.debug({ err: (error as Error).message }, "latest assignment not readable now");
    }
  }

  private async newestQueuedJob(): Promise<NodeSyncJob | undefined> {
    const queue = new Queue(this.options.queueName, {
      connection: this.options.readConnection,
      prefix: this.options.bullPrefix ?? BULL_PREFIX,
    });
    queue.on("error", () => {});
    try {
      const jobs = await queue.getJobs(["completed", "waiting", "prioritized", "delayed", "active"], 0, 20, false);
      let best: NodeSyncJob | undefined;
      for (const job of jobs) {
        const parsed = NodeSyncJob.safeParse(job?.data);
        if (
          parsed.success &&
          this.isOurs(parsed.data) &&
          (best === undefined || parsed.data.generation > best.generation)
        ) {
          best = parsed.data;
        }
      }
      return best;
    } finally {
      // Bounded: closing a queue whose connection never came up must not hold the agent's start-up.
      await settlesWithin(queue.close(), 1_000);
    }
  }

  private isOurs(job: NodeSyncJob): boolean {
    return job.nodeId === this.options.identity.nodeId;
  }

  private async process(job: Job): Promise<{ result: SyncOutcome }> {
    const parsed = NodeSyncJob.safeParse(job.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.join(".") || "(root)";
      this.count("invalid");
      this.options.logger.warn({ jobId: job.id, path: where, message: issue?.message }, "invalid sync job rejected");
      throw new UnrecoverableError(`invalid NodeSyncJob at ${where}: ${issue?.message ?? "invalid"}`);
    }
    if (!this.isOurs(parsed.data)) {
      this.count("foreign");
      return { result: "foreign" };
    }
    const result = await this.options.apply(parsed.data, "queue");
    this.count(result);
    return { result };
  }

  private count(result: SyncOutcome): void {
    this.outcomes.inc({ result });
  }
}

/** Waits until the connection is ready, at most `timeoutMs` (an unreachable Redis must not block start-up). */
function waitReady(connection: RedisClient, timeoutMs: number): Promise<void> {
  if (connection.status === "ready") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      connection.off("ready", done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    connection.once("ready", done);
  });
}
