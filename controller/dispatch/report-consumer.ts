import { type Job, Worker } from "bullmq";
import { AgentReport, BULL_PREFIX, REPORTS_QUEUE } from "../../crds-like-schemas/index.js";
import { closeWorker } from "../../lib/close-worker.js";
import type { Logger } from "../../lib/logger.js";
import type { RedisClient } from "../../lib/redis.js";
import type { ReportStore } from "./report-store.js";

/** Outcome of one consumed report, for the `ecsmon_reports_total{kind,result}` counter. */
export type ReportKind = "heartbeat" | "health" | "capacity" | "invalid";

export interface ReportConsumerOptions {
  /** Connection for the worker; BullMQ duplicates it for its blocking client. */
  redis: RedisClient;
  store: ReportStore;
  logger: Logger;
  /** @defaultValue "bull" */
  bullPrefix?: string;
  /** @defaultValue REPORTS_QUEUE ("{ecsmon-reports}") */
  queueName?: string;
  /** @defaultValue 8 */
  concurrency?: number;
  /** Counts every report by kind; "invalid" reports are dropped. */
  onReport?: (kind: ReportKind, report: AgentReport | undefined) => void;
  now?: () => number;
}

/**
 * Consumes {@link REPORTS_QUEUE}. Every job is validated against the AgentReport union; an invalid one is counted and
 * dropped (the job completes, so it is never retried), never thrown. Valid reports land in the {@link ReportStore}.
 */
export class ReportConsumer {
  private readonly worker: Worker;
  private readonly logger: Logger;

  constructor(options: ReportConsumerOptions) {
    const now = options.now ?? Date.now;
    this.logger = options.logger;
    this.worker = new Worker(
      options.queueName ?? REPORTS_QUEUE,
      async (job: Job) => {
        const parsed = AgentReport.safeParse(job.data);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          options.logger.warn(
            { jobId: job.id, path: issue?.path.join("."), message: issue?.message },
            "invalid agent report dropped",
          );
          options.onReport?.("invalid", undefined);
          return { dropped: true };
        }
        const report = parsed.data;
        const at = now();
        switch (report.contract) {
          case "ecsmon.dev/heartbeat/v1":
            await options.store.putHeartbeat(report, at);
            options.onReport?.("heartbeat", report);
            break;
          case "ecsmon.dev/target-health/v1":
            await options.store.putHealth(report.cluster, report.nodeId, report.results, at);
            options.onReport?.("health", report);
            break;
          case "ecsmon.dev/capacity/v1":
            await options.store.putCapacity(report, at);
            options.onReport?.("capacity", report);
            break;
        }
        return { dropped: false };
      },
      {
        connection: options.redis,
        prefix: options.bullPrefix ?? BULL_PREFIX,
        concurrency: options.concurrency ?? 8,
        removeOnComplete: { count: 100 },
        removeOnFail: { count: 100 },
      },
    );
    this.worker.on("error", (error) => options.logger.warn({ err: error }, "report worker error"));
  }

  /** Resolves once the worker is connected. */
  waitUntilReady(): Promise<unknown> {
    return this.worker.waitUntilReady();
  }

  async close(): Promise<void> {
    await closeWorker(this.worker, this.logger);
  }
}
