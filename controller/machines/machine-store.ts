import {
  type AnyStateMachine,
  type EventFromLogic,
  type InputFrom,
  initialTransition,
  type SnapshotFrom,
  transition,
} from "xstate";

/**
 * The snapshots of many instances of one pure machine, keyed by id, advanced with xstate's pure `transition()`
 * instead of one running actor each (ADR 0012: 10,000 actors cost ~25 MB live and ~200 MB of garbage per
 * reconcile; a snapshot is a few hundred bytes). The machines must be pure: no invoked actors, no delays, every
 * event carries its own time. Tracks which keys changed since they were last persisted. {@link send} only
 * replaces the value of an existing key, so it is safe while iterating {@link entries}.
 */
export class MachineStore<M extends AnyStateMachine> {
  private readonly snapshots = new Map<string, SnapshotFrom<M>>();
  /** Keys whose snapshot changed since the last {@link markPersisted}. */
  private readonly dirty = new Set<string>();

  constructor(private readonly machine: M) {}

  get size(): number {
    return this.snapshots.size;
  }

  get(key: string): SnapshotFrom<M> | undefined {
    return this.snapshots.get(key);
  }

  has(key: string): boolean {
    return this.snapshots.has(key);
  }

  keys(): IterableIterator<string> {
    return this.snapshots.keys();
  }

  entries(): IterableIterator<[string, SnapshotFrom<M>]> {
    return this.snapshots.entries();
  }

  values(): IterableIterator<SnapshotFrom<M>> {
    return this.snapshots.values();
  }

  /** Visits every instance without allocating an entry per instance (the registry ticks 10,000 targets a second). */
  forEach(visit: (snapshot: SnapshotFrom<M>, key: string) => void): void {
    this.snapshots.forEach(visit);
  }

  /** Starts a new instance (replacing any existing one) from the machine's initial state. */
  create(key: string, input: InputFrom<M>): SnapshotFrom<M> {
    const [snapshot] = initialTransition(this.machine, input);
    this.snapshots.set(key, snapshot as SnapshotFrom<M>);
    this.dirty.add(key);
    return snapshot as SnapshotFrom<M>;
  }

  /**
   * Sends an event to one instance. Returns the snapshot before and after; they are the same object when no
   * transition was enabled (xstate returns the input snapshot unchanged), and then nothing is marked dirty.
   */
  send(key: string, event: EventFromLogic<M>): { before: SnapshotFrom<M>; after: SnapshotFrom<M> } | undefined {
    const before = this.snapshots.get(key);
    if (!before) return undefined;
    const [after] = transition(this.machine, before, event);
    if (after !== before) {
      this.snapshots.set(key, after as SnapshotFrom<M>);
      this.dirty.add(key);
    }
    return { before, after: after as SnapshotFrom<M> };
  }

  /**
   * Resumes an instance from a persisted snapshot (`getPersistedSnapshot()` output, parsed from JSON). Throws when
   * its state value no longer exists in the machine. Not marked dirty: it is what is persisted.
   */
  restore(key: string, persisted: { value: unknown; context: unknown }): SnapshotFrom<M> {
    if (!persisted || typeof persisted !== "object" || !persisted.context || persisted.value === undefined) {
      throw new Error("not a machine snapshot: value and context are required");
    }
    const snapshot = this.machine.resolveState({
      value: persisted.value as never,
      context: persisted.context as never,
    }) as SnapshotFrom<M>;
    this.snapshots.set(key, snapshot);
    return snapshot;
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
  changed(): Array<{ key: string; snapshot: SnapshotFrom<M>; persisted: unknown }> {
    const out: Array<{ key: string; snapshot: SnapshotFrom<M>; persisted: unknown }> = [];
    for (const key of this.dirty) {
      const snapshot = this.snapshots.get(key);
      if (snapshot) out.push({ key, snapshot, persisted: this.machine.getPersistedSnapshot(snapshot) });
    }
    return out;
  }

  /** The write of these snapshots succeeded; keys that changed again since stay dirty. */
  markPersisted(written: Iterable<{ key: string; snapshot: SnapshotFrom<M> }>): void {
    for (const { key, snapshot } of written) if (this.snapshots.get(key) === snapshot) this.dirty.delete(key);
  }

  /** Marks every instance changed, so the next write re-creates all of them (after Redis lost its data). */
  markAllChanged(): void {
    for (const key of this.snapshots.keys()) this.dirty.add(key);
  }
}
