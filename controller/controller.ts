import { gzipSync } from "node:zlib";
import { Registry } from "prom-client";
import { nodeQueueName, POOL_QUEUE, QUEUE_DEPTH_LABELS, REPORTS_QUEUE } from "../crds-like-schemas/index.js";
import { settlesWithin } from "../lib/bounded-stop.js";
import type { Logger } from "../lib/logger.js";
import { PeriodicRunner } from "../lib/periodic.js";
import type { RedisClient } from "../lib/redis.js";
import { ControllerStatusView } from "./api/controller-status-view.js";
import { type ApiServer, startApiServer } from "./api/server.js";
import { ClusterRuntime } from "./cluster-runtime.js";
import { NodeDispatcher } from "./dispatch/node-dispatcher.js";
import { ReportConsumer } from "./dispatch/report-consumer.js";
import { ReportStore } from "./dispatch/report-store.js";
import { LeaseManager } from "./leases/lease-manager.js";
import { registerConditionMetrics } from "./outputs/condition-metrics.js";
import { ControllerMetrics } from "./outputs/controller-metrics.js";
import { FileSdWriter } from "./outputs/file-sd-writer.js";
import { httpSdGzip, SdStore, snapshotGroups } from "./outputs/sd-store.js";
import type { CapacityPort, ObserverFactory, SpecSource } from "./reconcile/ports.js";

/** Everything the controller needs, injected (no env, no globals). */
export interface ControllerContext {
  /** This replica's id (config `controller.id`). */
  id: string;
  logger: Logger;
  /** Redis for leases, state and BullMQ (`maxRetriesPerRequest: null`). The caller owns it. */
  redis: RedisClient;
  /** The spec in force; started/stopped by the caller. */
  specSource: SpecSource;
  observerFactory: ObserverFactory;
  capacity?: CapacityPort | undefined;
  /** Metrics registry; AWS call counters may already be registered in it. @defaultValue a new Registry */
  registry?: Registry | undefined;
  /** Reconcile period. */
  reconcileIntervalMs: number;
  /** @defaultValue 15000 */
  leaseTtlMs?: number | undefined;
  /** Status API bind (`host:port`); undefined = no API. */
  apiBind?: string | undefined;
  apiToken?: string | undefined;
  /** file_sd path from the CLI; otherwise the spec's `outputs.fileSd.path`. */
  fileSdPath?: string | undefined;
  /** @defaultValue "ecsmon" */
  keyPrefix?: string | undefined;
  /** @defaultValue "bull" */
  bullPrefix?: string | undefined;
  /** How often agent liveness and the SD outputs are refreshed between reconciles. @defaultValue 1000 */
  tickMs?: number | undefined;
  /** @defaultValue 0 */
  drainDelayMs?: number | undefined;
  /**
   * How long stop() may spend on the steps that need Redis (releasing leases, closing queues) before it closes the
   * API and returns; the caller then disconnects Redis. @defaultValue 10000
   */
  stopBudgetMs?: number | undefined;
  /**
   * Age past which a held cluster's data is reported stale by the status API (its reconcile requeues every
   * `reconcileIntervalMs`, so three missed rounds). @defaultValue 3 × reconcileIntervalMs
   */
  staleAfterMs?: number | undefined;
}

export interface RunningController {
  readonly id: string;
  /** Base URL of the status API, when enabled. */
  readonly apiUrl: string | undefined;
  readonly metrics: ControllerMetrics;
  readonly view: ControllerStatusView;
  heldClusters(): string[];
  /** Stops every loop, releases the leases (a standby takes over at once) and closes the API. */
  stop(): Promise<void>;
}

/**
 * Starts a controller replica: spec → leases → one {@link ClusterRuntime} per held cluster (observe → plan →
 * machines → dispatch → outputs → capacity), the report consumer, the SD outputs and the status API.
 */
export async function startController(ctx: ControllerContext): Promise<RunningController> {
  const { logger, redis } = ctx;
  const keyPrefix = ctx.keyPrefix ?? "ecsmon";
  const bullPrefix = ctx.bullPrefix ?? "bull";
  const registry = ctx.registry ?? new Registry();
  const metrics = new ControllerMetrics(registry);
  registerConditionMetrics(registry, {
    specConditions: () => ctx.specSource.conditions(),
    specClusters: () => specClusters(),
    clusterConditions: () => [...runtimes].map(([cluster, r]) => [cluster, r.reconciler.status.conditions()]),
  });
  const dispatcher = new NodeDispatcher({ redis, logger, keyPrefix, bullPrefix });
  const reports = new ReportStore(redis, keyPrefix);
  const sd = new SdStore(redis, keyPrefix);
  const runtimes = new Map<string, ClusterRuntime>();
  const starting = new Map<string, Promise<void>>();
  /** The served http_sd document (gzip) and the SD revision it was built from. */
  let httpSd: { revision: string | undefined; gzip: Buffer } = { revision: undefined, gzip: gzipSync("[]") };
  let fileSd: FileSdWriter | undefined;
  /** The SD revision the file_sd file holds; rendering 10,000 groups as YAML is done only when it changes. */
  let fileSdRevision: string | undefined;
  let leasesTicked = false;
  let stopping = false;

  const specClusters = () => ctx.specSource.current()?.spec.spec.clusters.map((c) => c.name) ?? [];

  const dropRuntime = async (cluster: string) => {
    await starting.get(cluster);
    const runtime = runtimes.get(cluster);
    runtimes.delete(cluster);
    metrics.forgetCluster(cluster);
    ctx.capacity?.remove?.(cluster);
    metrics.leasesHeld.set(runtimes.size);
    if (runtime) await runtime.stop();
  };

  const leases: LeaseManager = new LeaseManager({
    redis,
    holderId: ctx.id,
    ttlMs: ctx.leaseTtlMs ?? 15_000,
    keyPrefix,
    logger,
    onAcquired: (cluster, lease) => {
      metrics.leaseEvents.labels("acquired").inc();
      dispatcher.forget();
      const start = ClusterRuntime.start({
        cluster,
        lease,
        specSource: ctx.specSource,
        observerFactory: ctx.observerFactory,
        capacity: ctx.capacity,
        redis,
        dispatcher,
        reports,
        sd,
        metrics,
        logger,
        keyPrefix,
        reconcileIntervalMs: ctx.reconcileIntervalMs,
        drainDelayMs: ctx.drainDelayMs ?? 0,
        onStopped: (c) => {
          void leases.releaseCluster(c);
        },
      })
        .then((runtime) => {
          if (stopping || !leases.lease(cluster)) void runtime.stop();
          else {
            runtimes.set(cluster, runtime);
            metrics.leasesHeld.set(runtimes.size);
          }
        })
        .catch((error: unknown) => {
          logger.error({ err: error, cluster }, "could not start the cluster runtime; releasing its lease");
          void leases.releaseCluster(cluster);
        })
        .finally(() => starting.delete(cluster));
      starting.set(cluster, start);
    },
    onLost: (cluster) => {
      metrics.leaseEvents.labels("lost").inc();
      void dropRuntime(cluster);
    },
  });

  const applySpec = () => {
    const clusters = specClusters();
    leases.setClusters(clusters);
    const path = ctx.fileSdPath ?? ctx.specSource.current()?.spec.spec.outputs.fileSd?.path;
    if (path !== fileSd?.path) {
      fileSd = path ? new FileSdWriter(path) : undefined;
      fileSdRevision = undefined;
    }
    for (const runtime of runtimes.values()) runtime.loop.trigger();
  };
  const unsubscribe = ctx.specSource.onChange(() => applySpec());
  applySpec();

  const consumer = new ReportConsumer({
    redis,
    store: reports,
    logger,
    bullPrefix,
    onReport: (kind) => metrics.reports.labels(kind).inc(),
  });

  const refreshOutputs = async () => {
    const clusters = specClusters();
    const published = await sd.snapshot(clusters);
    const { revision } = published;
    if (revision !== httpSd.revision) httpSd = { revision, gzip: await httpSdGzip(published) };
    const writer = fileSd;
    if (!writer || !ctx.specSource.current() || revision === fileSdRevision) return;
    if (await writer.write(snapshotGroups(published))) metrics.sdWrites.labels("file_sd").inc();
    if (writer === fileSd) fileSdRevision = revision;
  };

  let ticks = 0;
  const tick = async () => {
    if (!leasesTicked && leases.ticks() > 0) leasesTicked = true;
    await Promise.allSettled([...runtimes.values()].map((r) => r.tickAgents()));
    await refreshOutputs().catch((error: unknown) =>
      logger.warn({ err: error }, "SD output refresh failed; keeping the last one"),
    );
    if (ticks++ % 10 === 0) {
      await queueDepths().catch(() => {});
    }
  };
  const queueDepths = async () => {
    metrics.queueDepth.labels(QUEUE_DEPTH_LABELS.reports).set(await dispatcher.waiting(REPORTS_QUEUE));
    metrics.queueDepth.labels(QUEUE_DEPTH_LABELS.pool).set(await dispatcher.waiting(POOL_QUEUE));
    let nodes = 0;
    for (const runtime of runtimes.values()) {
      for (const nodeId of runtime.reconciler.nodeIds()) nodes += await dispatcher.waiting(nodeQueueName(nodeId));
    }
    metrics.queueDepth.labels(QUEUE_DEPTH_LABELS.node).set(nodes);
  };
  const ticker = new PeriodicRunner({ name: "controller tick", intervalMs: ctx.tickMs ?? 1_000, run: tick, logger });
  ticker.start();

  leases.start();

  const view = new ControllerStatusView({
    id: ctx.id,
    redis,
    keyPrefix,
    registry,
    specSource: ctx.specSource,
    leases,
    runtimes,
    httpSd: () => httpSd.gzip,
    ready: () => ctx.specSource.current() !== undefined && leasesTicked,
    staleAfterMs: ctx.staleAfterMs ?? 3 * ctx.reconcileIntervalMs,
  });

  let api: ApiServer | undefined;
  if (ctx.apiBind) {
    try {
      api = await startApiServer({ view, bind: ctx.apiBind, token: ctx.apiToken, logger });
      logger.info({ url: api.url, auth: Boolean(ctx.apiToken) }, "status API listening");
    } catch (error) {
      void ticker.stop();
      unsubscribe();
      // Bounded: with Redis away, releasing leases would wait forever and hide this error (e.g. EADDRINUSE).
      await settlesWithin(
        (async () => {
          await leases.stop();
          await consumer.close();
        })(),
        ctx.stopBudgetMs ?? 10_000,
      );
      throw error;
    }
  }

  return {
    id: ctx.id,
    apiUrl: api?.url,
    metrics,
    view,
    heldClusters: () => [...runtimes.keys()].sort(),
    async stop() {
      stopping = true;
      const tickerStopped = ticker.stop();
      unsubscribe();
      const budgetMs = ctx.stopBudgetMs ?? 10_000;
      const drained = await settlesWithin(
        (async () => {
          await tickerStopped;
          await Promise.allSettled([...starting.values()]);
          await Promise.allSettled([...runtimes.values()].map((r) => r.stop()));
          runtimes.clear();
          await leases.stop();
          await consumer.close().catch(() => {});
          await dispatcher.close();
        })(),
        budgetMs,
      );
      if (!drained) logger.warn({ budgetMs }, "Redis did not let the stop finish in time; leases are left to expire");
      await api?.close();
    },
  };
}
