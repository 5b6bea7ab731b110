import { assign, setup } from "xstate";
import type { MonitoringSpec } from "../../crds-like-schemas/index.js";

/**
 * Lifecycle of the spec in force, driven by what each poll of SSM found. Pure: events carry the parse outcome
 * and the time, so transitions are testable with `transition()` and snapshots persist as plain JSON.
 *
 * loading → valid | invalid | waiting. `valid` holds a spec; `invalid` means the newest version was rejected,
 * and `lastGood` (if any) stays in force; `waiting` means the parameter does not exist and no spec was ever
 * applied. SSM outages and a deleted parameter change only `available`, never the spec in force.
 * `generation` increments when a valid spec differs from the one in force (compared as canonical JSON).
 */

export type SpecStateName = "loading" | "waiting" | "valid" | "invalid";

export interface AppliedSpecRecord {
  spec: MonitoringSpec;
  version: number;
  generation: number;
  /** Canonical JSON of `spec`, for change detection. */
  json: string;
}

export interface SpecMachineContext {
  /** The spec in force. */
  lastGood: AppliedSpecRecord | undefined;
  /** Version and errors of the newest rejected version, while it is the newest. */
  rejected: { version: number; message: string } | undefined;
  /** Whether the last poll reached the parameter. `undefined` before the first poll. */
  available: boolean | undefined;
  /** Why the last poll did not reach it. */
  unavailableReason: string | undefined;
  /** Epoch ms of the last transition of the state value. */
  since: number;
}

export type SpecMachineEvent =
  | { type: "VALID"; spec: MonitoringSpec; version: number; at: number }
  | { type: "INVALID"; version: number; message: string; at: number }
  | { type: "MISSING"; at: number }
  | { type: "UNREACHABLE"; reason: string; at: number };

export const specMachine = setup({
  types: {
    context: {} as SpecMachineContext,
    events: {} as SpecMachineEvent,
    input: {} as { at: number },
  },
  actions: {
    apply: assign(({ context, event }) => {
      if (event.type !== "VALID") return {};
      const json = JSON.stringify(event.spec);
      const previous = context.lastGood;
      const generation = (previous?.generation ?? 0) + (previous?.json === json ? 0 : 1);
      return {
        lastGood: { spec: event.spec, version: event.version, generation, json },
        rejected: undefined,
        available: true,
        unavailableReason: undefined,
      };
    }),
    reject: assign(({ event }) =>
      event.type === "INVALID"
        ? {
            rejected: { version: event.version, message: event.message },
            available: true,
            unavailableReason: undefined,
          }
        : {},
    ),
    missing: assign({ available: false, unavailableReason: "ParameterNotFound" }),
    unreachable: assign(({ event }) =>
      event.type === "UNREACHABLE" ? { available: false, unavailableReason: event.reason } : {},
    ),
    stamp: assign({ since: ({ event }) => event.at }),
  },
}).createMachine({
  id: "spec",
  initial: "loading",
  context: ({ input }) => ({
    lastGood: undefined,
    rejected: undefined,
    available: undefined,
    unavailableReason: undefined,
    since: input.at,
  }),
  on: {
    UNREACHABLE: { actions: "unreachable" },
  },
  states: {
    loading: {
      on: {
        VALID: { target: "valid", actions: ["apply", "stamp"] },
        INVALID: { target: "invalid", actions: ["reject", "stamp"] },
        MISSING: { target: "waiting", actions: ["missing", "stamp"] },
      },
    },
    waiting: {
      on: {
        VALID: { target: "valid", actions: ["apply", "stamp"] },
        INVALID: { target: "invalid", actions: ["reject", "stamp"] },
        MISSING: { actions: "missing" },
      },
    },
    valid: {
      on: {
        VALID: { actions: "apply" },
        INVALID: { target: "invalid", actions: ["reject", "stamp"] },
        MISSING: { actions: "missing" },
      },
    },
    invalid: {
      on: {
        VALID: { target: "valid", actions: ["apply", "stamp"] },
        INVALID: { actions: "reject" },
        MISSING: { actions: "missing" },
      },
    },
  },
});
