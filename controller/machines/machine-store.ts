import {
  type AnyStateMachine,
  type EventFromLogic,
  type InputFrom,
  initialTransition,
  type SnapshotFrom,
  transition,
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
   */
  send(key: string, event: EventFromLogic<M>): { before: MachineState<M>; after: MachineState<M> } | undefined {
    const before = this.snapshots.get(key);
    if (!before) return undefined;
    const snapshot = this.resolve(before);
    const [next] = transition(this.machine, snapshot, event);
    if (next === snapshot) return { before, after: before };
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

  /** A full snapshot of a kept state; throws when the state value does not exist in the machine. */
  private resolve(state: MachineState<M>): SnapshotFrom<M> {
    return this.machine.resolveState({
      value: state.value as never,
      context: state.context as never,
    }) as SnapshotFrom<M>;
  }
}

function keep<M extends AnyStateMachine>(snapshot: unknown): MachineState<M> {
  const { value, context } = snapshot as { value: unknown; context: unknown };
  return { value, context } as MachineState<M>;
}
