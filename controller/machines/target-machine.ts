import { assign, setup } from "xstate";
import { TARGET_STATE_NAMES } from "../../crds-like-schemas/contracts/status-api.js";

/**
 * Lifecycle of one scrape target, as the controller sees it. The machine is pure: every event carries its own
 * time (`at`, epoch ms) so that transitions are deterministic and testable with `transition()`; I/O (dispatch,
 * timers, persistence) lives in the registry that feeds it.
 *
 * ```
 * discovered → assigning → active.unconfirmed → active.healthy ⇄ active.failing → draining → removed
 *                  ↑ ↓ AGENT_LOST       (ASSIGNED)    (HEALTH_OK)         (GONE)          (DRAINED)
 *               orphaned  ── AGENT_BACK / PLANNED elsewhere → assigning
 * any live state ── INVALID → invalid ── PLANNED → assigning
 * ```
 *
 * Only a scrape result reported by the agent the target is assigned to makes it `healthy` (ADR 0049): a
 * dispatched sync job proves nothing about the node. Every state short of a verdict carries a `reason`.
 */

/** Where a target stands; the value of `state` in the status API. */
export type TargetStateName =
  | "discovered"
  | "assigning"
  | "active.unconfirmed"
  | "active.healthy"
  | "active.failing"
  | "draining"
  | "removed"
  | "invalid"
  | "orphaned";

export interface TargetInput {
  id: string;
  cluster: string;
  /** Epoch ms of discovery. */
  at: number;
  taskArn?: string | undefined;
  containerName?: string | undefined;
  serviceName?: string | undefined;
}

export interface TargetContext {
  id: string;
  cluster: string;
  taskArn: string | undefined;
  containerName: string | undefined;
  serviceName: string | undefined;
  /** Node whose agent scrapes the target; `undefined` = the pool queue. */
  nodeId: string | undefined;
  /** Where the agent scrapes it (`host:port`, scheme, path), from the latest plan. */
  address: string | undefined;
  scheme: string | undefined;
  metricsPath: string | undefined;
  /**
   * Why the target is not (yet) scraped with a verdict: invalid label, sync job not dispatched, no scrape
   * reported yet, no live agent. Undefined in `active.healthy` and `active.failing` (see `lastError`).
   */
  reason: string | undefined;
  /** Last scrape error reported by the agent. */
  lastError: string | undefined;
  /** Consecutive failed health results. */
  failures: number;
  /** Epoch ms when the current state was entered. */
  since: number;
  /** Epoch ms of the last health result. */
  lastHealthAt: number | undefined;
}

export type TargetEvent =
  /** The plan wants the target, scraped by `nodeId` (undefined = pool). */
  | {
      type: "PLANNED";
      nodeId: string | undefined;
      at: number;
      address?: string | undefined;
      scheme?: string | undefined;
      metricsPath?: string | undefined;
    }
  /** The sync job holding the target has been dispatched (or was already current). */
  | { type: "ASSIGNED"; at: number }
  /** A scrape result; `reporter` is the node id of the agent that reported it (pool: `pool-<cluster>`). */
  | { type: "HEALTH_OK"; reporter?: string | undefined; at: number }
  | { type: "HEALTH_FAILED"; reporter?: string | undefined; error?: string | undefined; at: number }
  /** The plan no longer wants the target. */
  | { type: "GONE"; at: number }
  /** The drain delay has passed. */
  | { type: "DRAINED"; at: number }
  | { type: "AGENT_LOST"; at: number }
  | { type: "AGENT_BACK"; at: number }
  | { type: "INVALID"; reason: string; at: number };

/**
 * What a placed target (active or orphaned) does on a re-plan, a removal or an invalidation: a new node sends it
 * back to assigning, the same node only refreshes its address.
 */
const placedTransitions = {
  PLANNED: [{ guard: "nodeChanged", target: "assigning", actions: "setNode" }, { actions: "setNode" }],
  GONE: { target: "draining" },
  INVALID: { target: "invalid", actions: "setReason" },
} as const;

export const targetMachine = setup({
  types: {
    context: {} as TargetContext,
    events: {} as TargetEvent,
    input: {} as TargetInput,
  },
  guards: {
    nodeChanged: ({ context, event }) => event.type === "PLANNED" && event.nodeId !== context.nodeId,
    fromAssignee: ({ context, event }) =>
      (event.type === "HEALTH_OK" || event.type === "HEALTH_FAILED") && reportedByAssignee(context, event.reporter),
  },
  actions: {
    stamp: assign({
      since: ({ context, event }) => ("at" in event && typeof event.at === "number" ? event.at : context.since),
    }),
    setNode: assign(({ context, event }) =>
      event.type === "PLANNED"
        ? {
            nodeId: event.nodeId,
            address: event.address ?? context.address,
            scheme: event.scheme ?? context.scheme,
            metricsPath: event.metricsPath ?? context.metricsPath,
          }
        : {},
    ),
    setReason: assign({ reason: ({ context, event }) => (event.type === "INVALID" ? event.reason : context.reason) }),
    clearReason: assign({ reason: () => undefined }),
    reasonNotDispatched: assign({
      reason: ({ context }) => `sync job for ${placement(context)} not dispatched yet`,
    }),
    reasonUnconfirmed: assign({
      reason: ({ context }) => `assigned to ${placement(context)}; no scrape reported yet`,
    }),
    reasonNoAgent: assign({
      reason: ({ context }) =>
        context.nodeId === undefined ? "no live agent" : `node ${context.nodeId} has no live agent`,
    }),
    recordFailure: assign({
      failures: ({ context }) => context.failures + 1,
      lastError: ({ context, event }) =>
        event.type === "HEALTH_FAILED" ? (event.error ?? "scrape failed") : context.lastError,
      lastHealthAt: ({ context, event }) => ("at" in event ? event.at : context.lastHealthAt),
    }),
    recordSuccess: assign({
      failures: () => 0,
      lastError: () => undefined,
      lastHealthAt: ({ context, event }) => ("at" in event ? event.at : context.lastHealthAt),
    }),
  },
}).createMachine({
  id: "target",
  initial: "discovered",
  context: ({ input }) => ({
    id: input.id,
    cluster: input.cluster,
    taskArn: input.taskArn,
    containerName: input.containerName,
    serviceName: input.serviceName,
    nodeId: undefined,
    address: undefined,
    scheme: undefined,
    metricsPath: undefined,
    reason: undefined,
    lastError: undefined,
    failures: 0,
    since: input.at,
    lastHealthAt: undefined,
  }),
  states: {
    discovered: {
      on: {
        PLANNED: { target: "assigning", actions: "setNode" },
        INVALID: { target: "invalid", actions: "setReason" },
        GONE: { target: "removed" },
      },
    },
    assigning: {
      entry: ["stamp", "reasonNotDispatched"],
      on: {
        ASSIGNED: { target: "active" },
        PLANNED: [
          { guard: "nodeChanged", target: "assigning", reenter: true, actions: "setNode" },
          { actions: "setNode" },
        ],
        AGENT_LOST: { target: "orphaned" },
        GONE: { target: "draining" },
        INVALID: { target: "invalid", actions: "setReason" },
      },
    },
    active: {
      entry: "stamp",
      initial: "unconfirmed",
      states: {
        unconfirmed: {
          entry: "reasonUnconfirmed",
          on: {
            HEALTH_OK: { guard: "fromAssignee", target: "healthy", actions: ["recordSuccess", "stamp"] },
            HEALTH_FAILED: { guard: "fromAssignee", target: "failing", actions: "recordFailure" },
          },
        },
        healthy: {
          entry: "clearReason",
          on: {
            HEALTH_OK: { guard: "fromAssignee", actions: "recordSuccess" },
            HEALTH_FAILED: { guard: "fromAssignee", target: "failing", actions: "recordFailure" },
          },
        },
        failing: {
          entry: ["stamp", "clearReason"],
          on: {
            HEALTH_OK: { guard: "fromAssignee", target: "healthy", actions: ["recordSuccess", "stamp"] },
            HEALTH_FAILED: { guard: "fromAssignee", actions: "recordFailure" },
          },
        },
      },
      on: { ...placedTransitions, AGENT_LOST: { target: "orphaned" } },
    },
    orphaned: {
      entry: ["stamp", "reasonNoAgent"],
      on: { ...placedTransitions, AGENT_BACK: { target: "assigning" } },
    },
    draining: {
      entry: ["stamp", "clearReason"],
      on: {
        DRAINED: { target: "removed" },
        PLANNED: { target: "assigning", actions: "setNode" },
      },
    },
    invalid: {
      entry: "stamp",
      on: {
        INVALID: { actions: "setReason" },
        PLANNED: { target: "assigning", actions: ["clearReason", "setNode"] },
        GONE: { target: "removed" },
      },
    },
    removed: { type: "final", entry: "stamp" },
  },
});

/**
 * Whether a scrape result reported by node `reporter` speaks for the target: it must come from the agent the
 * target is assigned to (a late result from the previous node proves nothing about the new placement). Pool
 * targets (`nodeId` undefined) take results from any pool agent; a result without a reporter is taken as is.
 */
export function reportedByAssignee(context: Pick<TargetContext, "nodeId">, reporter: string | undefined): boolean {
  return reporter === undefined || context.nodeId === undefined || reporter === context.nodeId;
}

/** "the agent of node X" or "the pool", for reasons. */
function placement(context: Pick<TargetContext, "nodeId">): string {
  return context.nodeId === undefined ? "the pool" : `the agent of node ${context.nodeId}`;
}

/**
 * Flattens a snapshot value (`{ active: "healthy" }`) into the dotted name used by the API and metrics. Looks the
 * name up instead of concatenating: it runs for every target on every tick.
 */
export function targetStateName(value: unknown): TargetStateName {
  if (typeof value === "string") return value as TargetStateName;
  if (value && typeof value === "object") {
    for (const parent in value) {
      const child = (value as Record<string, unknown>)[parent];
      return NESTED_STATE_NAMES.get(parent)?.get(child as string) ?? "discovered";
    }
  }
  return "discovered";
}

/** Every state name, for initialising the targets-by-state gauge; the status API contract lists them. */
export const TARGET_STATES: readonly TargetStateName[] = TARGET_STATE_NAMES;

/** `parent` → `child` → `"parent.child"` for the nested states in {@link TARGET_STATES}. */
const NESTED_STATE_NAMES = new Map<string, Map<string, TargetStateName>>();
for (const name of TARGET_STATES) {
  const [parent, child] = name.split(".");
  if (parent === undefined || child === undefined) continue;
  const children = NESTED_STATE_NAMES.get(parent) ?? new Map<string, TargetStateName>();
  children.set(child, name);
  NESTED_STATE_NAMES.set(parent, children);
}
