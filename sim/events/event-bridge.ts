import { createHash } from "node:crypto";
import type { Logger } from "../../lib/logger.js";
import { seededRandom } from "../../lib/rng.js";
import { shapeContainerInstance, shapeTask } from "../aws/services/ecs-shapes.js";
import type { SqsStore } from "../aws/services/sqs-store.js";
import type { ClusterStore } from "../state/cluster-store.js";
import type { SimStateEvent } from "../state/model.js";

/** Where an EventBridge rule delivers: one SQS queue, optionally only one cluster's events. */
export interface EventTarget {
  queueUrl: string;
  /** Only events of this cluster; all clusters when unset. */
  clusterArn?: string | undefined;
}

/** Delivery faults, applied per event and target with a seeded RNG. */
export interface EventFaults {
  /** Added delay before delivery, ms. @defaultValue 0 */
  delayMs?: number | undefined;
  /** Percentage (0–100) of events delivered twice. @defaultValue 0 */
  duplicatePct?: number | undefined;
  /** Percentage (0–100) of events held back and delivered after the next event (swapped). @defaultValue 0 */
  reorderPct?: number | undefined;
  /** Percentage (0–100) of events never delivered. @defaultValue 0 */
  dropPct?: number | undefined;
}

export interface EventDeliveryStats {
  emitted: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  /** Deliveries to a queue that does not exist (EventBridge would retry, then give up). */
  failed: number;
}

export interface EventDeliveryOptions {
  /** @defaultValue the store's region */
  region?: string | undefined;
  /** @defaultValue "000000000000" */
  accountId?: string | undefined;
  /** RNG seed for the faults. @defaultValue 1 */
  seed?: number | undefined;
  targets?: EventTarget[] | undefined;
  faults?: EventFaults | undefined;
  logger?: Logger | undefined;
}

export interface EventDelivery {
  /** Adds (or replaces, by queue URL) a target. */
  configure(target: EventTarget): void;
  unconfigure(queueUrl: string): boolean;
  targets(): EventTarget[];
  setFaults(faults: EventFaults): void;
  faults(): EventFaults;
  stats(): EventDeliveryStats;
  /** Resolves once every delayed or held event has been delivered. */
  flush(): Promise<void>;
  stop(): void;
}

/** The EventBridge envelope of an `aws.ecs` event. */
export interface EcsEvent {
  version: "0";
  id: string;
  "detail-type": "ECS Task State Change" | "ECS Container Instance State Change";
  source: "aws.ecs";
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** EventBridge ids look like UUIDs; derive them from content + sequence so seeded runs repeat. */
function eventId(seq: number, resource: string): string {
  const h = createHash("sha1").update(`${seq}:${resource}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function eventTime(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/**
 * Delivers ECS state-change events, shaped as EventBridge sends them from an `aws.ecs` rule, to SQS queues:
 * `ECS Task State Change` (detail = the DescribeTasks task, with `version` and `updatedAt`) on every task
 * change and `ECS Container Instance State Change` on every instance change. The event is rendered when the
 * change happens; faults (delay, duplicate, reorder, drop) apply to delivery only.
 */
export function startEventDelivery(
  store: ClusterStore,
  sqs: SqsStore,
  options: EventDeliveryOptions = {},
): EventDelivery {
  const region = options.region ?? store.region;
  const account = options.accountId ?? "000000000000";
  const targets = new Map<string, EventTarget>();
  for (const t of options.targets ?? []) targets.set(t.queueUrl, { ...t });
  let faults: EventFaults = { ...options.faults };
  const random = seededRandom(options.seed ?? 1);
  const stats: EventDeliveryStats = { emitted: 0, delivered: 0, dropped: 0, duplicated: 0, reordered: 0, failed: 0 };
  const held = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();
  const waiters: (() => void)[] = [];
  let seq = 0;
  let stopped = false;

  const settle = () => {
    if (timers.size === 0 && held.size === 0) for (const w of waiters.splice(0)) w();
  };

  const put = (queueUrl: string, body: string) => {
    try {
      sqs.send(queueUrl, body);
      stats.delivered++;
    } catch (err) {
      stats.failed++;
      options.logger?.warn({ err, queueUrl }, "event delivery failed: queue unavailable");
    }
  };

  const later = (fn: () => void, ms: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
      settle();
    }, ms);
    timer.unref();
    timers.add(timer);
  };

  const deliver = (queueUrl: string, body: string) => {
    const f = faults;
    if (f.dropPct && random() * 100 < f.dropPct) {
      stats.dropped++;
      return;
    }
    const copies = f.duplicatePct && random() * 100 < f.duplicatePct ? 2 : 1;
    if (copies === 2) stats.duplicated++;
    const send = () => {
      for (let i = 0; i < copies; i++) put(queueUrl, body);
    };
    const previous = held.get(queueUrl);
    if (previous === undefined && f.reorderPct && random() * 100 < f.reorderPct) {
      held.set(queueUrl, body);
      stats.reordered++;
      // A held event is released after the next one, or after 1 s if nothing follows.
      later(
        () => {
          const still = held.get(queueUrl);
          if (still === body) {
            held.delete(queueUrl);
            put(queueUrl, still);
          }
        },
        Math.max(1000, f.delayMs ?? 0),
      );
      return;
    }
    const release = () => {
      send();
      const h = held.get(queueUrl);
      if (h !== undefined) {
        held.delete(queueUrl);
        put(queueUrl, h);
      }
    };
    if (f.delayMs && f.delayMs > 0) later(release, f.delayMs);
    else release();
  };

  const render = (event: SimStateEvent): { clusterArn: string; event: EcsEvent } | undefined => {
    const now = new Date();
    seq++;
    if (event.type === "taskChanged") {
      const task = event.task;
      const detail = { ...shapeTask(store, task), updatedAt: now } as Record<string, unknown>;
      return {
        clusterArn: task.clusterArn,
        event: {
          version: "0",
          id: eventId(seq, task.taskArn),
          "detail-type": "ECS Task State Change",
          source: "aws.ecs",
          account,
          time: eventTime(now),
          region,
          resources: [task.taskArn],
          detail,
        },
      };
    }
    const inst = event.instance;
    const clusterArn = store.clusterOfInstance(inst);
    const detail = { ...shapeContainerInstance(store, inst), clusterArn, updatedAt: now } as Record<string, unknown>;
    return {
      clusterArn,
      event: {
        version: "0",
        id: eventId(seq, inst.containerInstanceArn),
        "detail-type": "ECS Container Instance State Change",
        source: "aws.ecs",
        account,
        time: eventTime(now),
        region,
        resources: [inst.containerInstanceArn],
        detail,
      },
    };
  };

  const unsubscribe = store.subscribe((event) => {
    if (stopped || targets.size === 0) return;
    const rendered = render(event);
    if (!rendered) return;
    stats.emitted++;
    const body = JSON.stringify(rendered.event);
    for (const t of targets.values()) {
      if (t.clusterArn !== undefined && t.clusterArn !== rendered.clusterArn) continue;
      deliver(t.queueUrl, body);
    }
  });

  return {
    configure(target) {
      targets.set(target.queueUrl, { ...target });
    },
    unconfigure(queueUrl) {
      return targets.delete(queueUrl);
    },
    targets: () => [...targets.values()].map((t) => ({ ...t })),
    setFaults(next) {
      for (const k of ["duplicatePct", "reorderPct", "dropPct"] as const) {
        const v = next[k];
        if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 100)) {
          throw new RangeError(`${k} must be between 0 and 100, got ${String(v)}`);
        }
      }
      if (next.delayMs !== undefined && !(Number.isFinite(next.delayMs) && next.delayMs >= 0)) {
        throw new RangeError(`delayMs must be a non-negative number, got ${String(next.delayMs)}`);
      }
      faults = { ...next };
    },
    faults: () => ({ ...faults }),
    stats: () => ({ ...stats }),
    flush: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        settle();
      }),
    stop() {
      stopped = true;
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const [queueUrl, body] of held) put(queueUrl, body);
      held.clear();
      settle();
    },
  };
}
