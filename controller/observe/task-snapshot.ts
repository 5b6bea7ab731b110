import type { ObservedTask } from "../model.js";
import type { ObserveCachePort } from "./shared-cache.js";

/** Tasks worth sharing: RUNNING with their tags read. Such a task is described once and never again while it runs. */
export function isSettledForSnapshot(task: ObservedTask): boolean {
  return task.lastStatus === "RUNNING" && task.tags !== undefined;
}

/**
 * Keeps the shared snapshot of the cluster's settled tasks (ADR 0068) in step with the observer's committed task
 * cache, so that a replica taking the cluster over describes only the tasks that changed since. A RUNNING task is
 * trusted as described until an event or its stop replaces it, by the holder that described it as much as by the
 * next one, so the snapshot is exactly as current as the last holder's memory at its last committed cycle.
 *
 * Writes only what changed: task objects are replaced, never mutated, so an object already written (or read from
 * the snapshot) is known by identity. A steady cycle writes nothing.
 */
export class TaskSnapshotSync {
  private readonly stored = new WeakSet<ObservedTask>();
  /** The settled ARNs as last written; undefined until this holder's first committed resync. */
  private synced: Set<string> | undefined;

  constructor(private readonly cache: ObserveCachePort) {}

  /** The settled tasks among `arns` that the snapshot holds. */
  async load(arns: readonly string[]): Promise<Map<string, ObservedTask>> {
    if (arns.length === 0) return new Map();
    const found = await this.cache.tasks(arns);
    for (const [arn, task] of found) {
      if (isSettledForSnapshot(task)) this.stored.add(task);
      else found.delete(arn);
    }
    return found;
  }

  /**
   * After a committed cycle: writes new and changed settled tasks, deletes those gone or no longer settled. The
   * first sync after a resync also deletes every other entry (tasks that stopped while nobody held the lease).
   */
  async sync(current: ReadonlyMap<string, ObservedTask>, resync: boolean): Promise<void> {
    if (this.synced === undefined && !resync) return;
    const settled = new Set<string>();
    const upserts: ObservedTask[] = [];
    for (const task of current.values()) {
      if (!isSettledForSnapshot(task)) continue;
      settled.add(task.taskArn);
      if (!this.stored.has(task)) upserts.push(task);
    }
    const removed = this.synced ? [...this.synced].filter((arn) => !settled.has(arn)) : [];
    if (upserts.length === 0 && removed.length === 0 && this.synced) return;
    const landed = await this.cache.syncTasks(upserts, removed, this.synced ? undefined : [...settled]);
    if (!landed) return;
    for (const task of upserts) this.stored.add(task);
    this.synced = settled;
  }
}
