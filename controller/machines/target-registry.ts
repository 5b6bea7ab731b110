import type { Redis } from "ioredis";
import { type Actor, createActor, type Snapshot } from "xstate";
import type { Logger } from "../../lib/logger.js";
import type { ClusterPlan, DesiredTarget } from "../model.js";
import { type AgentStateName, agentMachine, isLiveAgentState } from "./agent-machine.js";
import { type TargetEvent, targetMachine, targetStateName } from "./target-machine.js";
import { type AgentView, agentView, type TargetView, targetView } from "./views.js";

/** What the registry needs of a heartbeat (a stored Heartbeat report satisfies it). */
export interface HeartbeatInput {
  nodeId: string;
  agentId: string;
  mode: "daemon" | "sidecar" | "pool";
  generation: number;
  ttlMs: number;
  metricsUrl?: string | undefined;
  /** Epoch ms when a controller received it. */
  receivedAt: number;
}

/** What the registry needs of a target health result. */
export interface HealthInput {
  targetId: string;
  ok: boolean;
  error?: string | undefined;
  errorClass?: string | undefined;
  receivedAt: number;
}

export interface FenceCheck {
  assertHeld(): Promise<number>;
}

export interface TargetRegistryOptions {
  cluster: string;
  redis: Redis;
  logger: Logger;
  /** @defaultValue "ecsmon" */
  keyPrefix?: string;
  /** How long a target stays `draining` before `removed`. @defaultValue 0 (removed on the next tick) */
  drainDelayMs?: number;
  now?: () => number;
}

type TargetActor = Actor<typeof targetMachine>;
type AgentActor = Actor<typeof agentMachine>;

const TARGET_FIELD = "target:";
const AGENT_FIELD = "agent:";

/**
 * The target and agent machines of one cluster. It turns plan diffs, heartbeats, health results and clock
 * ticks into machine events, and persists every machine's `getPersistedSnapshot()` in the Redis hash
 * `<prefix>:machines:<cluster>` (fields `target:<id>` and `agent:<nodeId>`), written only when changed.
 * A replica that takes the cluster over calls {@link restore} first and resumes every machine where it was.
 */
export class TargetRegistry {
  readonly cluster: string;
  readonly key: string;
  private readonly redis: Redis;
  private readonly logger: Logger;
  private readonly drainDelayMs: number;
  private readonly now: () => number;
  private readonly targets = new Map<string, TargetActor>();
  private readonly agents = new Map<string, AgentActor>();
  /** Latest plan detail per target id (address, labels) for the views. */
  private readonly details = new Map<string, DesiredTarget>();
  /** Agents pruned since the last persist (their snapshots are deleted then). */
  private readonly prunedAgents = new Set<string>();
  /** Agents that left `lost` since the last tick. */
  private readonly cameBack = new Set<string>();
  /** Last persisted JSON per hash field. */
  private readonly persisted = new Map<string, string>();

  constructor(options: TargetRegistryOptions) {
    this.cluster = options.cluster;
    this.redis = options.redis;
    this.logger = options.logger;
    this.drainDelayMs = options.drainDelayMs ?? 0;
    this.now = options.now ?? Date.now;
    this.key = `${options.keyPrefix ?? "ecsmon"}:machines:${options.cluster}`;
  }

  /** Loads persisted snapshots; snapshots that no longer fit the machines are dropped. Returns the counts. */
  async restore(): Promise<{ targets: number; agents: number }> {
    const raw = await this.redis.hgetall(this.key);
    for (const actor of [...this.targets.values(), ...this.agents.values()]) actor.stop();
    this.targets.clear();
    this.agents.clear();
    this.persisted.clear();
    const broken: string[] = [];
    for (const [field, json] of Object.entries(raw)) {
      try {
        const snapshot = JSON.parse(json) as Snapshot<unknown>;
        if (field.startsWith(TARGET_FIELD)) {
          const id = field.slice(TARGET_FIELD.length);
          const actor = createActor(targetMachine, {
            snapshot: snapshot as never,
            input: { id, cluster: this.cluster, at: 0 },
          });
          actor.start();
          this.targets.set(id, actor);
        } else if (field.startsWith(AGENT_FIELD)) {
          const nodeId = field.slice(AGENT_FIELD.length);
          const input = {
            nodeId,
            cluster: this.cluster,
            agentId: "",
            mode: "daemon" as const,
            generation: -1,
            ttlMs: 1,
            at: 0,
          };
          const actor = createActor(agentMachine, { snapshot: snapshot as never, input });
          actor.start();
          this.agents.set(nodeId, actor);
        } else {
          broken.push(field);
          continue;
        }
        this.persisted.set(field, json);
      } catch (error) {
        this.logger.warn({ err: error, field, cluster: this.cluster }, "dropping unreadable machine snapshot");
        broken.push(field);
      }
    }
    if (broken.length > 0) await this.redis.hdel(this.key, ...broken);
    return { targets: this.targets.size, agents: this.agents.size };
  }

  /** Feeds a plan: PLANNED for desired targets, INVALID for invalid ones, GONE for everything else. */
  applyPlan(plan: ClusterPlan): void {
    const at = this.now();
    const seen = new Set<string>();
    this.details.clear();
    for (const desired of plan.targets) {
      const id = desired.target.id;
      seen.add(id);
      this.details.set(id, desired);
      const actor = this.targetActor(id, at, desired.taskArn, desired.containerName, desired.serviceName);
      actor.send({
        type: "PLANNED",
        nodeId: desired.nodeId,
        at,
        address: desired.target.address,
        scheme: desired.target.scheme,
        metricsPath: desired.target.metricsPath,
      });
      if (desired.nodeId !== undefined && this.agentLost(desired.nodeId)) actor.send({ type: "AGENT_LOST", at });
    }
    for (const invalid of plan.invalid) {
      if (seen.has(invalid.id)) continue;
      seen.add(invalid.id);
      const actor = this.targetActor(invalid.id, at, invalid.taskArn, invalid.containerName, undefined);
      actor.send({ type: "INVALID", reason: invalid.reason, at });
    }
    for (const [id, actor] of this.targets) if (!seen.has(id)) actor.send({ type: "GONE", at });
  }

  /** The sync job holding these targets is current (dispatched now or earlier): assigning ones become active. */
  markAssigned(targetIds: Iterable<string>): void {
    const at = this.now();
    for (const id of targetIds) {
      const actor = this.targets.get(id);
      if (actor?.getSnapshot().value === "assigning") actor.send({ type: "ASSIGNED", at });
    }
  }

  /** Feeds the latest heartbeat of every agent (only newer ones change anything). */
  applyHeartbeats(heartbeats: Iterable<HeartbeatInput>): void {
    for (const hb of heartbeats) {
      const existing = this.agents.get(hb.nodeId);
      const event = {
        agentId: hb.agentId,
        mode: hb.mode,
        generation: hb.generation,
        ttlMs: hb.ttlMs,
        metricsUrl: hb.metricsUrl,
        at: hb.receivedAt,
      };
      if (!existing) {
        const actor = createActor(agentMachine, { input: { ...event, nodeId: hb.nodeId, cluster: this.cluster } });
        actor.start();
        this.agents.set(hb.nodeId, actor);
        continue;
      }
      const snap = existing.getSnapshot();
      const ctx = snap.context;
      if (hb.receivedAt > ctx.lastSeen || (hb.receivedAt === ctx.lastSeen && hb.generation !== ctx.generation)) {
        existing.send({ type: "HEARTBEAT", ...event });
        if (snap.value === "lost" && existing.getSnapshot().value !== "lost") this.cameBack.add(hb.nodeId);
      }
    }
  }

  /**
   * Advances time: agents past their TTL become suspect/lost, targets of lost agents become orphaned (and return
   * to assigning when the agent is back), and draining targets past the drain delay are removed and forgotten.
   * Returns the nodes whose agent was lost or came back in this tick.
   */
  tick(): { lost: string[]; back: string[] } {
    const now = this.now();
    const lost: string[] = [];
    const back = [...this.cameBack];
    this.cameBack.clear();
    for (const [nodeId, actor] of this.agents) {
      const before = actor.getSnapshot().value as AgentStateName;
      actor.send({ type: "TICK", now });
      const after = actor.getSnapshot().value as AgentStateName;
      if (before !== "lost" && after === "lost") lost.push(nodeId);
    }
    for (const actor of this.targets.values()) {
      const snap = actor.getSnapshot();
      const nodeId = snap.context.nodeId;
      if (nodeId !== undefined && this.agentLost(nodeId)) actor.send({ type: "AGENT_LOST", at: now });
      else if (snap.value === "orphaned") actor.send({ type: "AGENT_BACK", at: now });
      if (snap.value === "draining" && now - snap.context.since >= this.drainDelayMs) {
        actor.send({ type: "DRAINED", at: now });
      }
    }
    return { lost, back };
  }

  /** Feeds health results newer than what each target has seen. */
  applyHealth(results: Iterable<HealthInput>): void {
    for (const r of results) {
      const actor = this.targets.get(r.targetId);
      if (!actor) continue;
      const ctx = actor.getSnapshot().context;
      if (ctx.lastHealthAt !== undefined && r.receivedAt <= ctx.lastHealthAt) continue;
      const event: TargetEvent = r.ok
        ? { type: "HEALTH_OK", at: r.receivedAt }
        : { type: "HEALTH_FAILED", error: r.error ?? r.errorClass, at: r.receivedAt };
      actor.send(event);
    }
  }

  /**
   * Forgets agents that have been lost for longer than `olderThanMs` (a terminated node, a finished Fargate
   * task): their machines and persisted snapshots go away on the next {@link persist}. Returns their node ids.
   */
  pruneAgents(olderThanMs: number): string[] {
    const now = this.now();
    const pruned: string[] = [];
    for (const [nodeId, actor] of this.agents) {
      const snap = actor.getSnapshot();
      if (snap.value === "lost" && now - snap.context.lastSeen > olderThanMs) {
        actor.stop();
        this.agents.delete(nodeId);
        this.prunedAgents.add(nodeId);
        pruned.push(nodeId);
      }
    }
    return pruned;
  }

  /** Ids of every target the registry holds. */
  targetIds(): Set<string> {
    return new Set(this.targets.keys());
  }

  /** Node ids whose agent is not lost (the plan's `liveAgents`). */
  liveAgents(): Set<string> {
    const live = new Set<string>();
    for (const [nodeId, actor] of this.agents) {
      if (isLiveAgentState(actor.getSnapshot().value as AgentStateName)) live.add(nodeId);
    }
    return live;
  }

  /** Targets in the `removed` state, dropped on the next {@link persist}. */
  targetViews(): TargetView[] {
    return [...this.targets.values()].map((a) => {
      const snap = a.getSnapshot();
      return targetView(snap, this.details.get(snap.context.id));
    });
  }

  agentViews(): AgentView[] {
    return [...this.agents.values()].map((a) => agentView(a.getSnapshot()));
  }

  /** Count of targets per state name. */
  countByState(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const actor of this.targets.values()) {
      const name = targetStateName(actor.getSnapshot().value);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * Writes changed snapshots (after checking the lease) and deletes removed targets from memory and Redis.
   * Returns the number of fields written or deleted.
   */
  async persist(fence: FenceCheck): Promise<number> {
    const writes: string[] = [];
    const deletes: string[] = [];
    const removedIds: string[] = [];
    for (const [id, actor] of this.targets) {
      const field = TARGET_FIELD + id;
      if (actor.getSnapshot().value === "removed") {
        removedIds.push(id);
        if (this.persisted.has(field)) deletes.push(field);
        continue;
      }
      this.collect(field, actor.getPersistedSnapshot(), writes);
    }
    for (const [nodeId, actor] of this.agents) this.collect(AGENT_FIELD + nodeId, actor.getPersistedSnapshot(), writes);
    for (const nodeId of this.prunedAgents) {
      if (this.persisted.has(AGENT_FIELD + nodeId)) deletes.push(AGENT_FIELD + nodeId);
    }
    this.prunedAgents.clear();
    for (const id of removedIds) {
      this.targets.get(id)?.stop();
      this.targets.delete(id);
    }
    if (writes.length === 0 && deletes.length === 0) return 0;
    await fence.assertHeld();
    const tx = this.redis.multi();
    if (writes.length > 0) tx.hset(this.key, ...writes);
    if (deletes.length > 0) tx.hdel(this.key, ...deletes);
    await tx.exec();
    for (let i = 0; i < writes.length; i += 2) this.persisted.set(writes[i] as string, writes[i + 1] as string);
    for (const field of deletes) this.persisted.delete(field);
    return writes.length / 2 + deletes.length;
  }

  /** Makes the next {@link persist} write every snapshot (after Redis may have lost them). */
  resyncPersisted(): void {
    this.persisted.clear();
  }

  /** Stops every actor (the cluster moved to another replica). */
  stop(): void {
    for (const actor of [...this.targets.values(), ...this.agents.values()]) actor.stop();
    this.targets.clear();
    this.agents.clear();
    this.persisted.clear();
    this.details.clear();
  }

  private collect(field: string, snapshot: unknown, writes: string[]): void {
    const json = JSON.stringify(snapshot);
    if (this.persisted.get(field) !== json) writes.push(field, json);
  }

  private agentLost(nodeId: string): boolean {
    const actor = this.agents.get(nodeId);
    return actor !== undefined && actor.getSnapshot().value === "lost";
  }

  private targetActor(
    id: string,
    at: number,
    taskArn: string | undefined,
    containerName: string | undefined,
    serviceName: string | undefined,
  ): TargetActor {
    let actor = this.targets.get(id);
    if (!actor || actor.getSnapshot().value === "removed") {
      actor?.stop();
      actor = createActor(targetMachine, {
        input: { id, cluster: this.cluster, at, taskArn, containerName, serviceName },
      });
      actor.start();
      this.targets.set(id, actor);
    }
    return actor;
  }
}

/**
 * Target and agent views of a cluster from its persisted snapshots, for replicas that do not hold the cluster.
 * As fresh as the owner's last persist (once per reconcile).
 */
export async function readPersistedViews(
  redis: Redis,
  cluster: string,
  keyPrefix = "ecsmon",
): Promise<{ targets: TargetView[]; agents: AgentView[] }> {
  const raw = await redis.hgetall(`${keyPrefix}:machines:${cluster}`);
  const targets: TargetView[] = [];
  const agents: AgentView[] = [];
  for (const [field, json] of Object.entries(raw)) {
    try {
      const snap = JSON.parse(json) as { value: never; context: never };
      if (!snap || typeof snap !== "object" || !snap.context) continue;
      if (field.startsWith(TARGET_FIELD)) targets.push(targetView(snap));
      else if (field.startsWith(AGENT_FIELD)) agents.push(agentView(snap));
    } catch {
      // Unreadable snapshot: the owner drops it on its next restore.
    }
  }
  return { targets, agents };
}
