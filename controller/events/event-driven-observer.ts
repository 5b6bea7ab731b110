import type { ClusterSpec } from "../../crds-like-schemas/index.js";
import { parseDuration } from "../../lib/duration.js";
import type { Logger } from "../../lib/logger.js";
import type { Condition, ObservedCluster } from "../model.js";
import type { CycleStats } from "../observe/call-stats.js";
import type { ClusterObserver } from "../observe/cluster-observer.js";
import { type EventConsumerStatus, type SqsApi, SqsEventConsumer } from "./sqs-event-consumer.js";

export interface EventDrivenObserverOptions {
  observer: ClusterObserver;
  spec: ClusterSpec;
  /** Needed when `spec.events` is set. */
  sqs?: SqsApi | undefined;
  logger?: Logger | undefined;
  /** Epoch milliseconds. @defaultValue Date.now */
  now?: () => number;
  /** Long-poll wait, seconds. @defaultValue 20 */
  waitTimeSeconds?: number;
  /** Receive back-off base. @defaultValue 1000 */
  retryBaseMs?: number;
}

/**
 * Issue 10's informer: the cluster's {@link ClusterObserver} fed by ECS events from SQS, with a periodic full
 * resync. While events flow, {@link observe} lists tasks only once per `spec.events.resyncPeriod` and otherwise
 * works from the event-fed cache (fetching only new task definitions and unknown instances). When the queue is
 * unreachable, or the spec has no `events`, every cycle is a normal polling cycle. {@link start} takes a callback
 * that the runtime uses to reconcile as soon as events changed the cache.
 *
 * Implements the runtime's ObserverPort (observe, lastGood, updateSpec, lastCycle) plus start/stop/conditions.
 */
export class EventDrivenObserver {
  private spec: ClusterSpec;
  private consumer: SqsEventConsumer | undefined;
  private onChange: (() => void) | undefined;
  private started = false;
  private lastResyncAt: number | undefined;
  private readonly now: () => number;
  private flowingSince: string | undefined;
  private lastFlowing: boolean | undefined;

  constructor(private readonly options: EventDrivenObserverOptions) {
    this.spec = options.spec;
    this.now = options.now ?? Date.now;
  }

  /** Starts consuming events (when configured); `onChange` runs after a batch that changed the cache. */
  start(onChange?: () => void): void {
    this.onChange = onChange;
    this.started = true;
    this.startConsumer();
  }

  async stop(): Promise<void> {
    this.started = false;
    await this.consumer?.stop();
    this.consumer = undefined;
  }

  /** One cycle: a full resync when due or when events do not flow, otherwise from the event-fed cache. */
  async observe(): Promise<ObservedCluster> {
    if (!this.consumer) return this.options.observer.observe();
    const startedAt = this.now();
    const due =
      this.lastResyncAt === undefined ||
      startedAt - this.lastResyncAt >= this.resyncPeriodMs() ||
      !this.consumer.status().flowing;
    const view = await this.options.observer.observe({ resync: due });
    if (due) this.lastResyncAt = startedAt;
    return view;
  }

  lastGood(): ObservedCluster | undefined {
    return this.options.observer.lastGood();
  }

  lastCycle(): CycleStats | undefined {
    return this.options.observer.lastCycle();
  }

  /** A new spec generation: a changed queue URL restarts the consumer; a removed one stops it. */
  updateSpec(spec: ClusterSpec): void {
    const before = this.spec.events?.queueUrl;
    this.spec = spec;
    this.options.observer.updateSpec(spec);
    if (spec.events?.queueUrl === before) return;
    const old = this.consumer;
    this.consumer = undefined;
    void old?.stop();
    this.lastResyncAt = undefined;
    if (this.started) this.startConsumer();
  }

  eventsStatus(): EventConsumerStatus | undefined {
    return this.consumer?.status();
  }

  /** `EventsFlowing`: True while events arrive; False (polling fallback) when the queue is unreachable or unset. */
  conditions(): Condition[] {
    const status = this.consumer?.status();
    const flowing = status?.flowing ?? false;
    if (flowing !== this.lastFlowing) {
      this.lastFlowing = flowing;
      this.flowingSince = new Date(this.now()).toISOString();
    }
    const lastTransitionTime = this.flowingSince ?? new Date(this.now()).toISOString();
    if (!this.spec.events) {
      return [
        {
          type: "EventsFlowing",
          status: "False",
          reason: "NotConfigured",
          message: "spec.events is not set: polling every cycle",
          lastTransitionTime,
        },
      ];
    }
    return [
      flowing
        ? {
            type: "EventsFlowing",
            status: "True",
            reason: "Receiving",
            message: `events from ${this.spec.events.queueUrl}; full resync every ${this.spec.events.resyncPeriod}`,
            lastTransitionTime,
          }
        : {
            type: "EventsFlowing",
            status: "False",
            reason: status?.consecutiveErrors ? "QueueUnreachable" : "Starting",
            message: `polling every cycle${status?.lastError ? `: ${status.lastError}` : ""}`,
            lastTransitionTime,
          },
    ];
  }

  private startConsumer(): void {
    const queueUrl = this.spec.events?.queueUrl;
    if (!queueUrl || this.consumer) return;
    if (!this.options.sqs) {
      this.options.logger?.warn({ cluster: this.spec.name }, "spec.events is set but no SQS client is configured");
      return;
    }
    this.consumer = new SqsEventConsumer({
      sqs: this.options.sqs,
      queueUrl,
      sink: this.options.observer,
      waitTimeSeconds: this.options.waitTimeSeconds,
      retryBaseMs: this.options.retryBaseMs,
      logger: this.options.logger,
      onChange: () => this.onChange?.(),
    });
    this.consumer.start();
  }

  private resyncPeriodMs(): number {
    try {
      return parseDuration(this.spec.events?.resyncPeriod ?? "5m");
    } catch {
      return 300_000;
    }
  }
}
