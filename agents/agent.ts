import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { collectDefaultMetrics, Registry } from "prom-client";
import { BULL_PREFIX, type NodeSyncJob, nodeQueueName, POOL_QUEUE, REPORTS_QUEUE } from "../crds-like-schemas/index.js";
import type { LazyAwsClients } from "../lib/aws/lazy-clients.js";
import { settlesWithin } from "../lib/bounded-stop.js";
import type { Config } from "../lib/config.js";
import type { Logger } from "../lib/logger.js";
import { parseHostPort } from "../lib/net.js";
import { createRedisConnection } from "../lib/redis.js";
import { createAgentAwsClients } from "./agent-aws.js";
import { type NodeIdentity, resolveIdentity } from "./identity/resolve-identity.js";
import type { NodeHandler } from "./node-handler.js";
import { HeartbeatLoop } from "./runtime/heartbeat.js";
import { startMetricsServer } from "./runtime/metrics-server.js";
import { ReportBatcher } from "./runtime/report-batcher.js";
import { type SyncOutcome, SyncSource } from "./runtime/sync-source.js";
import { createScrapeHandler, type ScrapeHandler } from "./scrape/scrape-handler.js";

/** What the stats/capacity handler factories receive. */
export interface HandlerFactoryDeps {
  config: Config;
  logger: Logger;
  registry: Registry;
  identity: NodeIdentity;
  /** Sends a report (e.g. a CapacityReport) on {@link REPORTS_QUEUE}; rejects while Redis is away. */
  sendReport: (name: string, report: unknown) => Promise<void>;
  /** The agent's AWS clients, built on first use, budgeted and counted; the agent destroys them on stop. */
  aws: LazyAwsClients;
}

export interface AgentContext {
  config: Config;
  logger: Logger;
  /** Consume the shared pool queue as `pool-<cluster>`. */
  pool?: boolean;
  /** Handlers besides scrape (stats, capacity). @defaultValue none */
  handlers?: (deps: HandlerFactoryDeps) => NodeHandler[];
  /** @defaultValue 2_000 */
  reportFlushIntervalMs?: number;
  /** @defaultValue 30_000 */
  resyncIntervalMs?: number;
  /** @defaultValue 60_000 */
  identityRetryMs?: number;
  /** Overrides the first-scrape offset (tests). */
  firstScrapeDelayMs?: (targetId: string, intervalMs: number) => number;
}

export interface RunningAgent {
  identity: NodeIdentity;
  agentId: string;
  /** `http://host:port/metrics` */
  metricsUrl: string;
  /** The generation applied last, -1 before the first. */
  generation(): number;
  scrape: ScrapeHandler;
  /** Stops the queue worker, scrapes, heartbeats and the HTTP server; flushes pending reports (best effort). */
  stop(): Promise<void>;
}

/**
 * Starts the node agent: resolves the node identity, serves `/metrics` `/healthz` `/readyz`, converges to the
 * latest stored assignment, consumes the node queue (or the pool queue), scrapes, and sends heartbeats and
 * batched health reports on {@link REPORTS_QUEUE}. Through a Redis outage it keeps scraping and serving its last
 * assignment; the connections reconnect with backoff and report sends fail soft (buffered per target).
 */
export async function startAgent(ctx: AgentContext): Promise<RunningAgent> {
  const { config, logger } = ctx;
  const agentId = randomUUID();
  const identity = await resolveIdentity({
    agent: config.agent,
    pool: ctx.pool,
    logger,
    retryForMs: ctx.identityRetryMs,
  });
  const log = logger.child({ cluster: identity.cluster, nodeId: identity.nodeId, mode: identity.mode });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Gauges named *_total fail `promtool check metrics` lint; the per-type gauges without the suffix stay.
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) {
    registry.removeSingleMetric(name);
  }

  const workerConnection = createRedisConnection(config.redis, "worker");
  const producerConnection = createRedisConnection(config.redis, "producer");
  const reports = new Queue(REPORTS_QUEUE, { connection: producerConnection, prefix: BULL_PREFIX });
  reports.on("error", (error) => log.debug({ err: error.message }, "reports queue error"));
  const sendReport = async (name: string, report: unknown) => {
    if (producerConnection.status !== "ready") throw new Error(`redis ${producerConnection.status}`);
    await reports.add(name, report, { removeOnComplete: true, removeOnFail: 100 });
  };

  let generation = -1;
  const batcher = new ReportBatcher({
    cluster: identity.cluster,
    nodeId: identity.nodeId,
    generation: () => generation,
    send: (report) => sendReport("target-health", report),
    logger: log,
    flushIntervalMs: ctx.reportFlushIntervalMs,
  });
  const scrape = createScrapeHandler({
    logger: log.child({ handler: "scrape" }),
    concurrency: config.agent.scrapeConcurrency,
    onResult: (result) => batcher.add(result),
    registry,
    firstScrapeDelayMs: ctx.firstScrapeDelayMs,
  });
  const aws = createAgentAwsClients(config.aws, registry);
  const extra = ctx.handlers?.({ config, logger: log, registry, identity, sendReport, aws }) ?? [];
  const handlers: NodeHandler[] = [scrape, ...extra];

  let chain: Promise<unknown> = Promise.resolve();
  const apply = (job: NodeSyncJob, via: string): Promise<SyncOutcome> => {
    const run = chain.then(async (): Promise<SyncOutcome> => {
      if (job.generation <= generation) return "stale";
      for (const handler of handlers) {
        try {
          await handler.apply(job);
        } catch (error) {
          log.error(
            { err: (error as Error).message, handler: handler.name, generation: job.generation },
            "handler failed to apply",
          );
        }
      }
      generation = job.generation;
      batcher.retain(new Set(job.scrape.targets.map((t) => t.id)));
      log.info({ generation, via, targets: job.scrape.targets.length }, "assignment applied");
      return "applied";
    });
    chain = run.catch(() => {});
    return run;
  };

  const { host, port } = parseHostPort(config.agent.bind);
  let sourceStarted = false;
  const server = await startMetricsServer({
    host,
    port,
    registry,
    scrape,
    notReadyReason: () => {
      if (!sourceStarted) return "starting";
      if (generation < 0 && workerConnection.status !== "ready")
        return `no assignment yet and redis is ${workerConnection.status}`;
      return undefined;
    },
  });

  const source = new SyncSource({
    identity,
    queueName: identity.mode === "pool" ? POOL_QUEUE : nodeQueueName(identity.nodeId),
    workerConnection,
    readConnection: producerConnection,
    apply,
    logger: log,
    registry,
    resyncIntervalMs: ctx.resyncIntervalMs,
  });
  await source.start();
  sourceStarted = true;
  batcher.start();
  const heartbeat = new HeartbeatLoop({
    identity,
    agentId,
    intervalMs: config.agent.heartbeatIntervalMs,
    ttlMs: config.agent.heartbeatTtlMs,
    metricsUrl: server.url,
    generation: () => generation,
    send: (hb) => sendReport("heartbeat", hb),
    logger: log,
  });
  heartbeat.start();
  log.info({ metricsUrl: server.url, source: identity.source }, "agent started");

  let stopping: Promise<void> | undefined;
  return {
    identity,
    agentId,
    metricsUrl: server.url,
    generation: () => generation,
    scrape,
    stop() {
      // The steps that may wait on Redis or AWS share a budget within ECSMON_SHUTDOWN_TIMEOUT (the rest is for
      // the process's exit), and each is bounded too, so that a stalled dependency cannot hold the stop.
      stopping ??= (async () => {
        const budgetMs = Math.max(250, config.shutdownTimeoutMs - 1_000);
        const drained = await settlesWithin(
          (async () => {
            await source.stop().catch(() => {});
            await heartbeat.stop();
            await settlesWithin(Promise.allSettled(handlers.map((h) => h.stop())), 2_000);
            await settlesWithin(batcher.flush(), 1_000);
            await settlesWithin(reports.close(), 1_000);
          })(),
          budgetMs,
        );
        if (!drained) log.warn({ budgetMs }, "Redis or AWS did not let the stop finish in time; moving on");
        await settlesWithin(batcher.stop(), 500); // waits for a flush in flight, which a stalled Redis never ends
        await server.app.close();
        aws.destroy();
        workerConnection.disconnect();
        producerConnection.disconnect();
        log.info("agent stopped");
      })();
      return stopping;
    },
  };
}
