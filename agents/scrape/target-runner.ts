import type { Agent as HttpAgent } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import type { ScrapeTarget, TargetHealth } from "../../crds-like-schemas/index.js";
import type { Snapshot } from "../exposition/snapshot.js";
import { injectedLabels } from "./endpoint-label.js";
import { fetchExposition } from "./fetch-exposition.js";
import { classify } from "./scrape-error.js";
import type { Semaphore } from "./semaphore.js";

/** Per-target scrape settings from the sync job. */
export interface ScrapeSettings {
  intervalMs: number;
  timeoutMs: number;
  maxBodyBytes: number;
}

export interface RunnerDeps {
  semaphore: Semaphore;
  httpAgent: HttpAgent;
  httpsAgent: HttpsAgent;
  now: () => number;
  onResult: (result: TargetHealth) => void;
  /** Receives every good snapshot (the handler counts what rendering changed or dropped). */
  onSnapshot?: (snapshot: Snapshot) => void;
}

/** What the merged /metrics shows for one target. */
export interface TargetView {
  target: ScrapeTarget;
  /** What the agent injects into the target's series: `target.labels` plus the endpoint label. */
  labels: Record<string, string>;
  up: 0 | 1;
  durationSeconds: number;
  samples: number;
  /** Last good snapshot, or undefined once stale (older than 2 × interval + timeout). */
  snapshot: Snapshot | undefined;
  scraped: boolean;
}

/**
 * Scrapes one target on its own timer, so a slow target never delays the others; a tick that finds the
 * previous scrape still running is skipped. The first scrape is offset by a stable hash of the target id
 * (spreading load like Prometheus does), bounded by the interval.
 */
export class TargetRunner {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private snapshot: Snapshot | undefined;
  private lastGoodAt = 0;
  private up: 0 | 1 = 0;
  private durationSeconds = 0;
  private samples = 0;
  private scraped = false;
  private inflight: Promise<void> | undefined;
  private readonly labels: Record<string, string>;

  constructor(
    readonly target: ScrapeTarget,
    readonly settings: ScrapeSettings,
    private readonly deps: RunnerDeps,
  ) {
    this.labels = injectedLabels(target);
  }

  start(firstDelayMs = stableOffset(this.target.id, this.settings.intervalMs)): void {
    this.timer = setTimeout(() => this.tick(), firstDelayMs);
  }

  /** Stops the timer and waits for an in-flight scrape. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inflight;
  }

  view(): TargetView {
    const staleAfter = 2 * this.settings.intervalMs + this.settings.timeoutMs;
    const fresh = this.snapshot !== undefined && this.deps.now() - this.lastGoodAt <= staleAfter;
    if (!fresh) this.snapshot = undefined;
    return {
      target: this.target,
      labels: this.labels,
      up: this.up,
      durationSeconds: this.durationSeconds,
      samples: this.samples,
      snapshot: this.snapshot,
      scraped: this.scraped,
    };
  }

  private tick(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.tick(), this.settings.intervalMs);
    if (this.running) return;
    this.running = true;
    this.inflight = this.scrapeOnce().finally(() => {
      this.running = false;
    });
  }

  /** One scrape, exposed for tests and the bench. Never throws. */
  async scrapeOnce(): Promise<void> {
    const release = await this.deps.semaphore.acquire();
    const started = this.deps.now();
    const t0 = performance.now();
    let health: TargetHealth;
    try {
      const snapshot = await fetchExposition(
        { ...this.target, labels: this.labels },
        {
          timeoutMs: this.settings.timeoutMs,
          maxBodyBytes: this.settings.maxBodyBytes,
          httpAgent: this.deps.httpAgent,
          httpsAgent: this.deps.httpsAgent,
        },
      );
      const durationMs = performance.now() - t0;
      if (this.stopped) return;
      this.deps.onSnapshot?.(snapshot);
      this.snapshot = snapshot;
      this.lastGoodAt = started;
      this.up = 1;
      this.samples = snapshot.samples;
      this.durationSeconds = durationMs / 1000;
      health = {
        targetId: this.target.id,
        ok: true,
        durationMs,
        samples: snapshot.samples,
        at: new Date(started).toISOString(),
      };
    } catch (error) {
      const durationMs = performance.now() - t0;
      if (this.stopped) return;
      const failure = classify(error);
      this.up = 0;
      this.samples = 0;
      this.durationSeconds = durationMs / 1000;
      health = {
        targetId: this.target.id,
        ok: false,
        errorClass: failure.errorClass,
        error: `${failure.errorClass}: ${failure.message}`.slice(0, 1024),
        durationMs,
        samples: 0,
        at: new Date(started).toISOString(),
      };
    } finally {
      release();
    }
    this.scraped = true;
    this.deps.onResult(health);
  }
}

/** FNV-1a of the id, scaled into [0, intervalMs). */
export function stableOffset(id: string, intervalMs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % Math.max(1, intervalMs);
}
