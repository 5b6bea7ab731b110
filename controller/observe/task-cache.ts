import { LRUCache } from "lru-cache";
import type { ObservedTask } from "../model.js";

/** What applying one task event did. */
export type TaskEventResult =
  /** The cache now holds the event's task. */
  | "applied"
  /** The task stopped (desired or last status STOPPED) and left the cache. */
  | "removed"
  /** Older than what the cache holds (or than the task's stop): ignored. */
  | "stale"
  /** Same version as the cache holds: a duplicate delivery, ignored. */
  | "duplicate"
  /** Not a usable task, or another cluster's. */
  | "ignored";

/**
 * The task part of the informer cache. Polling cycles replace the whole map on commit; events update single
 * tasks in between. Events that arrive while a cycle is in flight are replayed on top of that cycle's result,
 * so a ListTasks page read before a task stopped cannot resurrect it. Versions follow ECS's `version` field.
 */
export class TaskCache {
  private tasks = new Map<string, ObservedTask>();
  /** Version at which a task was seen stopping: later-arriving older events must not bring it back. */
  private readonly tombstones = new LRUCache<string, number>({ max: 50_000 });
  private cycleEvents: Map<string, ObservedTask> | undefined;
  private cycleToken = 0;

  /** A copy of the current tasks by ARN. */
  snapshot(): Map<string, ObservedTask> {
    return new Map(this.tasks);
  }

  /** The current tasks by ARN (replaced, never mutated, by a commit; events replace entries). */
  current(): ReadonlyMap<string, ObservedTask> {
    return this.tasks;
  }

  values(): IterableIterator<ObservedTask> {
    return this.tasks.values();
  }

  get(taskArn: string): ObservedTask | undefined {
    return this.tasks.get(taskArn);
  }

  get size(): number {
    return this.tasks.size;
  }

  beginCycle(): number {
    this.cycleEvents = new Map();
    this.cycleToken += 1;
    return this.cycleToken;
  }

  /** Replaces the tasks with a cycle's result, then replays the events that arrived during the cycle. */
  commit(token: number, next: Map<string, ObservedTask>): void {
    const events = token === this.cycleToken ? this.cycleEvents : undefined;
    this.tasks = next;
    this.cycleEvents = undefined;
    for (const task of events?.values() ?? []) this.applyToMap(task, true);
  }

  abort(token: number): void {
    if (token === this.cycleToken) this.cycleEvents = undefined;
  }

  applyEvent(task: ObservedTask): TaskEventResult {
    const result = this.applyToMap(task);
    if (this.cycleEvents && (result === "applied" || result === "removed")) this.cycleEvents.set(task.taskArn, task);
    return result;
  }

  /** `replay`: re-applying an event already accepted once, so its own tombstone must not reject it. */
  private applyToMap(task: ObservedTask, replay = false): TaskEventResult {
    const existing = this.tasks.get(task.taskArn);
    if (task.version !== undefined) {
      const stoppedAt = this.tombstones.get(task.taskArn);
      if (stoppedAt !== undefined && (replay ? task.version < stoppedAt : task.version <= stoppedAt)) return "stale";
      if (existing?.version !== undefined) {
        if (task.version < existing.version) return "stale";
        if (task.version === existing.version) return "duplicate";
      }
    }
    if (task.desiredStatus === "STOPPED" || task.lastStatus === "STOPPED") {
      this.tasks.delete(task.taskArn);
      if (task.version !== undefined) this.tombstones.set(task.taskArn, task.version);
      return "removed";
    }
    // Event details carry no tags: the tags DescribeTasks last returned stay with the task.
    const kept = task.tags === undefined && existing?.tags !== undefined ? { ...task, tags: existing.tags } : task;
    this.tasks.set(task.taskArn, kept);
    return "applied";
  }
}
