import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { Registry } from "prom-client";
import { type NodeSyncJob, SCRAPE_ERROR_CLASSES, type TargetHealth } from "../../crds-like-schemas/index.js";
import type { Logger } from "../../lib/logger.js";
import { gauge, zeroedCounter } from "../../lib/prom-metrics.js";
import type { Snapshot } from "../exposition/snapshot.js";
import type { NodeHandler } from "../node-handler.js";
import { Semaphore } from "./semaphore.js";
import { SeriesCounters } from "./series-counters.js";
import { syntheticSnapshot } from "./synthetic-series.js";
import { type ScrapeSettings, TargetRunner, type TargetView } from "./target-runner.js";

export interface ScrapeHandlerDeps {
  logger: Logger;
  /** Most scrapes in flight at once (config `agent.scrapeConcurrency`). */
  concurrency: number;
  /** Receives every scrape result; the agent runtime batches them into TargetHealthReports. */
  onResult?: (result: TargetHealth) => void;
  /** Where the handler registers its own metrics (`ecsmon_agent_scrapes_total`, …). */
  registry?: Registry;
  /** Clock in ms. @defaultValue Date.now */
  now?: () => number;
  /** Delay before a new target's first scrape. @defaultValue a stable hash of the id within the interval */
  firstScrapeDelayMs?: (targetId: string, intervalMs: number) => number;
}

/** The scrape handler plus what the merged /metrics endpoint needs. */
export interface ScrapeHandler extends NodeHandler {
  readonly name: "scrape";
  /** Generation applied last, -1 before the first. */
  readonly generation: number;
  /** Target views sorted by target id. */
  views(): TargetView[];
  /** The synthetic per-target series first, then each fresh target snapshot, sorted by target id. */
  snapshots(): Snapshot[];
  /** Scrapes every target once now and waits (tests and benchmarks). */
  scrapeAll(): Promise<void>;
  /** Counts series that rendering and merging dropped or changed; the /metrics server adds the merge's. */
  readonly seriesCounters: SeriesCounters;
}

/**
 * Creates the scrape handler: converges the set of target runners to each newer generation's targets.
 * A target whose address, path, labels and scrape settings are unchanged keeps its runner (no rescrape, no
 * lost snapshot); changed targets restart; removed ones stop and their series disappear.
 */
export function createScrapeHandler(deps: ScrapeHandlerDeps): ScrapeHandler {
  const now = deps.now ?? Date.now;
  const semaphore = new Semaphore(Math.max(1, deps.concurrency));
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: Math.max(1, deps.concurrency) });
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: Math.max(1, deps.concurrency) });
  // Without a registry the metrics are kept on a private one that nothing exposes.
  const registry = deps.registry ?? new Registry();
  const scrapes = zeroedCounter(registry, {
    name: "ecsmon_agent_scrapes_total",
    help: "Scrapes by the agent, by result (ok or the error class).",
    label: "result",
    values: ["ok", ...SCRAPE_ERROR_CLASSES],
  });
  const targetsGauge = gauge(registry, {
    name: "ecsmon_agent_scrape_targets",
    help: "Targets assigned to this agent.",
  });
  const seriesCounters = new SeriesCounters(registry);
  const onSnapshot = (snapshot: Snapshot) => seriesCounters.countSnapshot(snapshot);
  const runners = new Map<string, { runner: TargetRunner; key: string }>();
  let generation = -1;

  const onResult = (result: TargetHealth) => {
    scrapes.inc({ result: result.ok ? "ok" : (result.errorClass ?? "other") });
    if (!result.ok) deps.logger.debug({ targetId: result.targetId, error: result.error }, "scrape failed");
    deps.onResult?.(result);
  };

  const sortedRunners = () =>
    [...runners.values()]
      .map((r) => r.runner)
      .sort((a, b) => (a.target.id < b.target.id ? -1 : a.target.id > b.target.id ? 1 : 0));

  return {
    name: "scrape",
    seriesCounters,
    get generation() {
      return generation;
    },
    async apply(job: NodeSyncJob) {
      if (job.generation <= generation) return;
      generation = job.generation;
      const settings: ScrapeSettings = {
        intervalMs: job.scrape.intervalMs,
        timeoutMs: Math.min(job.scrape.timeoutMs, job.scrape.intervalMs),
        maxBodyBytes: job.scrape.maxBodyBytes,
      };
      const wanted = new Map<string, string>();
      const byId = new Map(job.scrape.targets.map((t) => [t.id, t]));
      for (const [id, target] of byId) wanted.set(id, JSON.stringify([target, settings]));
      const stopping: Promise<void>[] = [];
      for (const [id, entry] of runners) {
        if (wanted.get(id) !== entry.key) {
          stopping.push(entry.runner.stop());
          runners.delete(id);
        }
      }
      for (const [id, key] of wanted) {
        if (runners.has(id)) continue;
        const runner = new TargetRunner(byId.get(id)!, settings, {
          semaphore,
          httpAgent,
          httpsAgent,
          now,
          onResult,
          onSnapshot,
        });
        runners.set(id, { runner, key });
        runner.start(deps.firstScrapeDelayMs?.(id, settings.intervalMs));
      }
      targetsGauge.set(runners.size);
      deps.logger.info({ generation, targets: runners.size }, "scrape assignment applied");
      await Promise.all(stopping);
    },
    async stop() {
      await Promise.all([...runners.values()].map((r) => r.runner.stop()));
      runners.clear();
      httpAgent.destroy();
      httpsAgent.destroy();
    },
    views() {
      return sortedRunners().map((r) => r.view());
    },
    snapshots() {
      const views = sortedRunners().map((r) => r.view());
      const out: Snapshot[] = [syntheticSnapshot(views)];
      for (const v of views) if (v.snapshot) out.push(v.snapshot);
      return out;
    },
    async scrapeAll() {
      await Promise.all(sortedRunners().map((r) => r.scrapeOnce()));
    },
  };
}
