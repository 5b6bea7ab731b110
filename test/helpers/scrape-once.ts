import { mergeSnapshots } from "../../agents/exposition/merge.js";
import { createScrapeHandler } from "../../agents/scrape/scrape-handler.js";
import type { NodeSyncJob, ScrapeTarget, TargetHealth } from "../../crds-like-schemas/index.js";
import { createLogger } from "../../lib/logger.js";
import { syncJob } from "./sync-job.js";

/** What one scrape round of a fresh agent scrape handler produced. */
export interface ScrapeRound {
  /** Each target's health result, by target id. */
  byId: Map<string, TargetHealth>;
  results: TargetHealth[];
  /** The merged exposition the agent's /metrics would serve after the round. */
  merged: string;
  /** Targets holding a fresh snapshot after the round. */
  snapshots: number;
}

/** A scrape handler with a silent logger that records every health result; its first scrape waits `firstScrapeDelayMs`. */
export function recordingScrapeHandler(concurrency: number, firstScrapeDelayMs: number) {
  const results: TargetHealth[] = [];
  const handler = createScrapeHandler({
    logger: createLogger({ level: "silent", name: "test" }),
    concurrency,
    onResult: (r) => results.push(r),
    firstScrapeDelayMs: () => firstScrapeDelayMs,
  });
  return { handler, results };
}

/**
 * Applies a sync job with `targets` to a fresh scrape handler (no scrape scheduled by itself), scrapes every target
 * once, and stops the handler: the agent's scrape path as the integration, fuzz and security tests drive it.
 */
export async function scrapeOnce(
  targets: ScrapeTarget[],
  scrape: Partial<Pick<NodeSyncJob["scrape"], "intervalMs" | "timeoutMs" | "maxBodyBytes">> = {},
  concurrency = 8,
): Promise<ScrapeRound> {
  const { handler, results } = recordingScrapeHandler(concurrency, 60_000);
  try {
    await handler.apply(syncJob("scrape-once", 1, targets, { intervalMs: 60_000, ...scrape }));
    await handler.scrapeAll();
    const snapshots = handler.snapshots();
    return {
      byId: new Map(results.map((r) => [r.targetId, r])),
      results,
      merged: mergeSnapshots(snapshots).text,
      snapshots: snapshots.length,
    };
  } finally {
    await handler.stop();
  }
}
