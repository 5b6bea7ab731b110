import {
  type AnyActorScope,
  type AnyStateMachine,
  createActor,
  type EventFromLogic,
  type InputFrom,
  initialTransition,
  type SnapshotFrom,
} from "xstate";

/** What the store keeps of a snapshot: its state value and context (all a pure machine's state is). */
export type MachineState<M extends AnyStateMachine> = Pick<SnapshotFrom<M>, "value" | "context">;

/**
 * The states of many instances of one pure machine, keyed by id, advanced with xstate's pure `transition()`
 * instead of one running actor each (ADR 0012: 10,000 actors cost ~25 MB live and ~200 MB of garbage per
 * reconcile). Only `{ value, context }` is kept between events (a full snapshot is ~0.8 KB; it is resolved
 * again for each event). The machines must be pure: no invoked actors, no delays, no history states, every
 * event carries its own time. Tracks which keys changed since they were last persisted. {@link send} only
 * replaces the value of an existing key, so it is safe while iterating.
 */
export class MachineStore<M extends AnyStateMachine> {
  private readonly snapshots = new Map<string, MachineState<M>>();
  /** Keys whose snapshot changed since the last {@link markPersisted}. */
  private readonly dirty = new Set<string>();
  /** Per state value (as a string): the event types some active state node has a transition for. */
  private readonly accepted = new Map<string, ReadonlySet<string> | "any">();
  /** One inert actor scope for every transition (see {@link scopeFor}). */
  private scope: AnyActorScope | undefined;

  constructor(private readonly machine: M) {}

  get size(): number {
    return this.snapshots.size;
  }

  get(key: string): MachineState<M> | undefined {
    return this.snapshots.get(key);
  }

  keys(): IterableIterator<string> {
    return this.snapshots.keys();
  }

  entries(): IterableIterator<[string, MachineState<M>]> {
    return this.snapshots.entries();
  }

  values(): IterableIterator<MachineState<M>> {
    return this.snapshots.values();
  }

  /** Visits every instance without allocating an entry per instance (the registry ticks 10,000 targets a second). */
  forEach(visit: (state: MachineState<M>, key: string) => void): void {
    this.snapshots.forEach(visit);
  }

  /** Starts a new instance (replacing any existing one) from the machine's initial state. */
  create(key: string, input: InputFrom<M>): MachineState<M> {
    const [snapshot] = initialTransition(this.machine, input);
    const state = keep<M>(snapshot);
    this.snapshots.set(key, state);
    this.dirty.add(key);
    return state;
  }

  /**
   * Sends an event to one instance. Returns the state before and after; they are the same object when no
   * transition was enabled (xstate returns the input snapshot unchanged), and then nothing is marked dirty.
   * An event that no active state node has a transition for is not given to xstate at all: the registry sends
   * most events to every target on every tick, and resolving a snapshot to learn that nothing happens cost the
   * controller most of its idle CPU. A transition that only re-assigned the same context values (xstate builds a
   * new context object for every `assign`) counts as no change either, so it is not persisted again.
   */
  send(key: string, event: EventFromLogic<M>): { before: MachineState<M>; after: MachineState<M> } | undefined {
    const before = this.snapshots.get(key);
    if (!before) return undefined;
    if (!this.accepts(before, event.type)) return { before, after: before };
    const snapshot = this.resolve(before);
    const next = this.machine.transition(snapshot, event, this.scopeFor(snapshot)) as SnapshotFrom<M>;
    if (next === snapshot || sameState(before, next)) return { before, after: before };
    const after = keep<M>(next);
    this.snapshots.set(key, after);
    this.dirty.add(key);
    return { before, after };
  }

  /**
   * Resumes an instance from a persisted snapshot (`getPersistedSnapshot()` output, parsed from JSON). Throws when
   * its state value no longer exists in the machine. Not marked dirty: it is what is persisted.
   */
  restore(key: string, persisted: { value: unknown; context: unknown }): MachineState<M> {
    if (!persisted || typeof persisted !== "object" || !persisted.context || persisted.value === undefined) {
      throw new Error("not a machine snapshot: value and context are required");
    }
    const state = keep<M>(this.resolve(persisted as MachineState<M>));
    this.snapshots.set(key, state);
    return state;
  }

  delete(key: string): void {
    this.snapshots.delete(key);
    this.dirty.delete(key);
  }

  clear(): void {
    this.snapshots.clear();
    this.dirty.clear();
  }

  /** Changed snapshots with their persisted form, for writing. */
  changed(): Array<{ key: string; state: MachineState<M>; persisted: unknown }> {
    const out: Array<{ key: string; state: MachineState<M>; persisted: unknown }> = [];
    for (const key of this.dirty) {
      const state = this.snapshots.get(key);
      if (state) out.push({ key, state, persisted: this.machine.getPersistedSnapshot(this.resolve(state)) });
    }
    return out;
  }

  /** The write of these snapshots succeeded; keys that changed again since stay dirty. */
  markPersisted(written: Iterable<{ key: string; state: MachineState<M> }>): void {
    for (const { key, state } of written) if (this.snapshots.get(key) === state) this.dirty.delete(key);
  }

  /** Marks every instance changed, so the next write re-creates all of them (after Redis lost its data). */
  markAllChanged(): void {
    for (const key of this.snapshots.keys()) this.dirty.add(key);
  }

  /**
   * Whether some active state node of `state` has a transition (guarded or not) for events of `type`, or an
   * eventless one (which xstate evaluates after any event). Wildcard descriptors accept everything.
   */
  private accepts(state: MachineState<M>, type: string): boolean {
    const value = state.value as unknown;
    const valueKey = typeof value === "string" ? value : JSON.stringify(value);
    let accepted = this.accepted.get(valueKey);
    if (accepted === undefined) {
      accepted = acceptedEvents(this.resolve(state));
      this.accepted.set(valueKey, accepted);
    }
    return accepted === "any" || accepted.has(type);
  }

  /**
   * xstate's `transition()` builds a throwaway actor for every call, and that actor computes the machine's
   * initial state without input (the context factories throw, and xstate catches it): most of a transition's
   * cost. The scope is only where actions would be executed, and these machines are pure (assign only, which
   * xstate applies to the snapshot itself), so one inert scope serves every transition of the store.
   */
  private scopeFor(snapshot: SnapshotFrom<M>): AnyActorScope {
    if (this.scope !== undefined) return this.scope;
    const self = createActor(
      this.machine as AnyStateMachine,
      {
        snapshot: this.machine.getPersistedSnapshot(snapshot),
      } as never,
    );
    const noop = () => {};
    this.scope = {
      self,
      id: "",
      sessionId: "",
      system: self.system,
      logger: noop,
      defer: noop,
      emit: noop,
      stopChild: noop,
      actionExecutor: noop,
    } as unknown as AnyActorScope;
    return this.scope;
  }

  /** A full snapshot of a kept state; throws when the state value does not exist in the machine. */
  private resolve(state: MachineState<M>): SnapshotFrom<M> {
    return this.machine.resolveState({
      value: state.value as never,
      context: state.context as never,
    }) as SnapshotFrom<M>;
  }
}

/** The event types a resolved snapshot's active state nodes have transitions for; "any" with a wildcard or `always`. */
function acceptedEvents(snapshot: unknown): ReadonlySet<string> | "any" {
  const nodes = (snapshot as { _nodes: Array<{ transitions: Map<string, unknown>; always?: unknown[] }> })._nodes;
  const types = new Set<string>();
  for (const node of nodes) {
    if (node.always !== undefined && node.always.length > 0) return "any";
    for (const descriptor of node.transitions.keys()) {
      if (descriptor.includes("*")) return "any";
      types.add(descriptor);
    }
  }
  return types;
}

/** Same state value and the same context field by field (values compared with `===`). */
function sameState(before: { value: unknown; context: unknown }, next: unknown): boolean {
  const { value, context } = next as { value: unknown; context: unknown };
  if (!sameValue(before.value, value)) return false;
  const a = before.context as Record<string, unknown>;
  const b = context as Record<string, unknown>;
  if (a === b) return true;
  let fields = 0;
  for (const key in a) {
    if (a[key] !== b[key] || !(key in b)) return false;
    fields++;
  }
  for (const _ in b) fields--;
  return fields === 0;
}

/** State values are strings or objects of state values (`{ active: "healthy" }`). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => k in y && sameValue(x[k], y[k]));
}

function keep<M extends AnyStateMachine>(snapshot: unknown): MachineState<M> {
  const { value, context } = snapshot as { value: unknown; context: unknown };
  return { value, context } as MachineState<M>;
}
