import { assign, setup } from "xstate";

/**
 * Liveness of one agent (a node daemon, a Fargate sidecar or a pool worker), driven by its heartbeats and by
 * clock ticks from the controller. Pure: events carry the time.
 *
 * joining → ready → suspect → lost. An agent is `joining` until it reports an applied generation (≥ 0),
 * `suspect` once more than half its TTL has passed without a heartbeat, and `lost` after the whole TTL.
 * Any heartbeat brings it back (to `joining` if it restarted and has not synced yet).
 */

export type AgentStateName = "joining" | "ready" | "suspect" | "lost";

export const AGENT_STATES: readonly AgentStateName[] = ["joining", "ready", "suspect", "lost"];

export interface AgentHeartbeatFields {
  agentId: string;
  mode: "daemon" | "sidecar" | "pool";
  /** Generation the agent has applied, -1 before its first sync. */
  generation: number;
  ttlMs: number;
  metricsUrl?: string | undefined;
  /** Epoch ms when the controller received the heartbeat. */
  at: number;
}

export interface AgentInput extends AgentHeartbeatFields {
  nodeId: string;
  cluster: string;
}

export interface AgentContext extends AgentInput {
  /** Epoch ms of the last heartbeat. */
  lastSeen: number;
  /** Epoch ms when the current state was entered. */
  since: number;
  /** Number of distinct agent processes seen (restarts + 1). */
  incarnations: number;
}

export type AgentEvent = ({ type: "HEARTBEAT" } & AgentHeartbeatFields) | { type: "TICK"; now: number };

export const agentMachine = setup({
  types: {
    context: {} as AgentContext,
    events: {} as AgentEvent,
    input: {} as AgentInput,
  },
  guards: {
    synced: ({ event }) => event.type === "HEARTBEAT" && event.generation >= 0,
    overdue: ({ context, event }) => event.type === "TICK" && agentOverdue(context, event.now),
    expired: ({ context, event }) => event.type === "TICK" && event.now - context.lastSeen > context.ttlMs,
  },
  actions: {
    record: assign(({ context, event }) => {
      if (event.type !== "HEARTBEAT") return {};
      return {
        incarnations: event.agentId === context.agentId ? context.incarnations : context.incarnations + 1,
        agentId: event.agentId,
        mode: event.mode,
        generation: event.generation,
        ttlMs: event.ttlMs,
        metricsUrl: event.metricsUrl,
        at: event.at,
        lastSeen: Math.max(context.lastSeen, event.at),
      };
    }),
    stamp: assign({
      since: ({ context, event }) =>
        event.type === "HEARTBEAT" ? event.at : event.type === "TICK" ? event.now : context.since,
    }),
  },
}).createMachine({
  id: "agent",
  initial: "joining",
  context: ({ input }) => ({ ...input, lastSeen: input.at, since: input.at, incarnations: 1 }),
  states: {
    joining: {
      always: { guard: ({ context }) => context.generation >= 0, target: "ready" },
      on: {
        HEARTBEAT: [{ guard: "synced", target: "ready", actions: ["record", "stamp"] }, { actions: "record" }],
        TICK: { guard: "expired", target: "lost", actions: "stamp" },
      },
    },
    ready: {
      on: {
        HEARTBEAT: [
          { guard: "synced", actions: "record" },
          { target: "joining", actions: ["record", "stamp"] },
        ],
        TICK: [
          { guard: "expired", target: "lost", actions: "stamp" },
          { guard: "overdue", target: "suspect", actions: "stamp" },
        ],
      },
    },
    suspect: {
      on: {
        HEARTBEAT: [
          { guard: "synced", target: "ready", actions: ["record", "stamp"] },
          { target: "joining", actions: ["record", "stamp"] },
        ],
        TICK: { guard: "expired", target: "lost", actions: "stamp" },
      },
    },
    lost: {
      on: {
        HEARTBEAT: [
          { guard: "synced", target: "ready", actions: ["record", "stamp"] },
          { target: "joining", actions: ["record", "stamp"] },
        ],
      },
    },
  },
});

/**
 * More than half the TTL has passed since the last heartbeat. Until then no TICK can change an agent in any
 * state (`expired` implies it), so the registry does not send one (it ticks every agent every second).
 */
export function agentOverdue(context: Pick<AgentContext, "lastSeen" | "ttlMs">, now: number): boolean {
  return now - context.lastSeen > context.ttlMs / 2;
}

/** Whether targets may be assigned to the agent (it is not lost). */
export function isLiveAgentState(state: AgentStateName): boolean {
  return state !== "lost";
}
