import { KEY_PREFIX, redisKeys } from "../../crds-like-schemas/index.js";
import type { Logger } from "../../lib/logger.js";
import type { RedisClient } from "../../lib/redis.js";
import type { ClusterPlan, DesiredTarget } from "../model.js";
import { type AgentStateName, agentMachine, agentOverdue, isLiveAgentState } from "./agent-machine.js";
import { type MachineState, MachineStore } from "./machine-store.js";
import type { HealthInput, HeartbeatInput } from "./registry-inputs.js";
import { reportedByAssignee, type TargetEvent, targetMachine, targetStateName } from "./target-machine.js";
import { type AgentView, agentView, type TargetView, targetView } from "./views.js";

export type { HealthInput, HeartbeatInput } from "./registry-inputs.js";

export type FenceCheck = { assertHeld(): Promise<number> };

export interface TargetRegistryOptions {
  cluster: string;
  redis: RedisClient;
  logger: Logger;
  /** @defaultValue "ecsmon" */
  keyPrefix?: string;
  /** How long a target stays `draining` before `removed`. @defaultValue 0 (removed on the next tick) */
  drainDelayMs?: number;
  now?: () => number;
}

const TARGET_FIELD = "target:";
const AGENT_FIELD = "agent:";

/**
 * The target and agent machines of one cluster. It turns plan diffs, heartbeats, health results and clock
 * ticks into machine events, and persists every machine's persisted snapshot in the Redis hash
 * `redisKeys().machines(cluster)` (fields `target:<id>` and `agent:<nodeId>`), written only when it changed.
 * A replica that takes the cluster over calls {@link restore} first and resumes every machine where it was.
 * Machines are snapshots advanced with xstate's pure `transition()` ({@link MachineStore}), not actors.
 */
export class TargetRegistry {
  readonly cluster: string;
  readonly key: string;
  private readonly redis: RedisClient;
  private readonly logger: Logger;
  private readonly drainDelayMs: number;
  private readonly now: () => number;
  private readonly targets = new MachineStore(targetMachine);
  private readonly agents = new MachineStore(agentMachine);
  /** Latest plan detail per target id (address, labels) for the views. */
  private details = new Map<string, DesiredTarget>();
  /** Hash fields present in Redis (as far as this replica wrote or read them). */
  private readonly persistedFields = new Set<string>();
  /** Fields of removed targets and pruned agents, deleted from Redis on the next {@link persist}. */
  private readonly pendingDeletes = new Set<string>();
  /** Agents that left `lost` since the last tick. */
  private readonly cameBack = new Set<string>();
  /**
   * Receive time of each target's newest health result. Not persisted: the reports in Redis are the record, and
   * a replica that takes over reads them on its first reconcile.
   */
  private readonly lastHealthAt = new Map<string, number>();

  constructor(options: TargetRegistryOptions) {
    this.cluster = options.cluster;
    this.redis = options.redis;
    this.logger = options.logger;
    this.drainDelayMs = options.drainDelayMs ?? 0;
    this.now = options.now ?? Date.now;
    this.key = redisKeys(options.keyPrefix ?? KEY_PREFIX).machines(options.cluster);
  }

  /** Loads persisted snapshots; snapshots that no longer fit the machines are dropped. Returns the counts. */
  async restore(): Promise<{ targets: number; agents: number }> {
    const raw = await this.redis.hgetall(this.key);
    this.stop();
    const broken: string[] = [];
    for (const [field, json] of Object.entries(raw)) {
      try {
        const persisted = JSON.parse(json) as { value: unknown; context: unknown };
        if (field.startsWith(TARGET_FIELD)) this.targets.restore(field.slice(TARGET_FIELD.length), persisted);
        else if (field.startsWith(AGENT_FIELD)) this.agents.restore(field.slice(AGENT_FIELD.length), persisted);
        else throw new Error("unknown field prefix");
        this.persistedFields.add(field);
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
    const details = new Map<string, DesiredTarget>();
    for (const desired of plan.targets) {
      const id = desired.target.id;
      details.set(id, desired);
      const snapshot = this.liveTarget(id, at, desired.taskArn, desired.containerName, desired.serviceName);
      const { nodeId } = desired;
      const { address, scheme, metricsPath } = desired.target;
      if (!alreadyPlanned(snapshot, nodeId, address, scheme, metricsPath)) {
        this.targets.send(id, { type: "PLANNED", nodeId, at, address, scheme, metricsPath });
      }
      if (nodeId !== undefined && !this.agentLive(nodeId)) this.targets.send(id, { type: "AGENT_LOST", at });
    }
    const invalidIds = new Set<string>();
    for (const invalid of plan.invalid) {
      if (details.has(invalid.id) || invalidIds.has(invalid.id)) continue;
      invalidIds.add(invalid.id);
      this.liveTarget(invalid.id, at, invalid.taskArn, invalid.containerName, invalid.serviceName);
      this.targets.send(invalid.id, { type: "INVALID", reason: invalid.reason, at });
    }
    for (const id of this.targets.keys()) {
      if (!details.has(id) && !invalidIds.has(id)) this.targets.send(id, { type: "GONE", at });
    }
    this.details = details;
  }

  /**
   * The sync job holding these targets is current (dispatched now or earlier): assigning ones become
   * `active.unconfirmed`, and only their agent's first scrape result makes them healthy or failing.
   */
  markAssigned(targetIds: Iterable<string>): void {
    const at = this.now();
    for (const id of targetIds) {
      if (this.targets.get(id)?.value === "assigning") this.targets.send(id, { type: "ASSIGNED", at });
    }
  }

  /** Feeds the latest heartbeat of every agent (only newer ones change anything). */
  applyHeartbeats(heartbeats: Iterable<HeartbeatInput>): void {
    for (const hb of heartbeats) {
      const event = {
        agentId: hb.agentId,
        mode: hb.mode,
        generation: hb.generation,
        ttlMs: hb.ttlMs,
        metricsUrl: hb.metricsUrl,
        at: hb.receivedAt,
      };
      const existing = this.agents.get(hb.nodeId);
      if (!existing) {
        this.agents.create(hb.nodeId, { ...event, nodeId: hb.nodeId, cluster: this.cluster });
        continue;
      }
      const ctx = existing.context;
      if (hb.receivedAt > ctx.lastSeen || (hb.receivedAt === ctx.lastSeen && hb.generation !== ctx.generation)) {
        const sent = this.agents.send(hb.nodeId, { type: "HEARTBEAT", ...event });
        if (sent?.before.value === "lost" && sent.after.value !== "lost") this.cameBack.add(hb.nodeId);
      }
    }
  }

  /**
   * Advances time: agents past their TTL become suspect/lost, targets on a node without a live agent (lost, or
   * never heard from) become orphaned (and return to assigning when an agent is live there), and draining
   * targets past the drain delay are removed and forgotten.
   * Returns the nodes whose agent was lost or came back in this tick.
   */
  tick(): { lost: string[]; back: string[] } {
    const now = this.now();
    const lost: string[] = [];
    const back = [...this.cameBack];
    this.cameBack.clear();
    this.agents.forEach((agent, nodeId) => {
      if (!agentOverdue(agent.context, now)) return;
      const sent = this.agents.send(nodeId, { type: "TICK", now });
      if (sent && sent.before.value !== "lost" && sent.after.value === "lost") lost.push(nodeId);
    });
    this.targets.forEach((snapshot, id) => {
      const nodeId = snapshot.context.nodeId;
      if (nodeId !== undefined && !this.agentLive(nodeId)) this.targets.send(id, { type: "AGENT_LOST", at: now });
      else if (snapshot.value === "orphaned") this.targets.send(id, { type: "AGENT_BACK", at: now });
      if (snapshot.value === "draining" && now - snapshot.context.since >= this.drainDelayMs) {
        this.targets.send(id, { type: "DRAINED", at: now });
      }
    });
    return { lost, back };
  }

  /**
   * Feeds health results newer than what each target has seen, from the agent it is assigned to (results from
   * another node are stale: the target moved). A success for a target that is already healthy
   * with no failures changes nothing but the time, which is kept here rather than in the machine: otherwise every
   * reconcile would transition and persist all 10,000 targets of a cluster whose agents report every scrape.
   */
  applyHealth(results: Iterable<HealthInput>): void {
    for (const r of results) {
      const state = this.targets.get(r.targetId);
      if (!state || !isAssigned(state) || !reportedByAssignee(state.context, r.nodeId)) continue;
      const seen = this.lastHealthAt.get(r.targetId) ?? state.context.lastHealthAt;
      if (seen !== undefined && r.receivedAt <= seen) continue;
      this.lastHealthAt.set(r.targetId, r.receivedAt);
      if (r.ok && isSteadilyHealthy(state)) continue;
      const event: TargetEvent = r.ok
        ? { type: "HEALTH_OK", reporter: r.nodeId, at: r.receivedAt }
        : { type: "HEALTH_FAILED", reporter: r.nodeId, error: r.error ?? r.errorClass, at: r.receivedAt };
      this.targets.send(r.targetId, event);
    }
  }

  /**
   * Forgets agents that have been lost for longer than `olderThanMs` (a terminated node, a finished Fargate
   * task): their machines and persisted snapshots go away on the next {@link persist}. Returns their node ids.
   */
  pruneAgents(olderThanMs: number): string[] {
    const now = this.now();
    const pruned: string[] = [];
    for (const [nodeId, snapshot] of [...this.agents.entries()]) {
      if (snapshot.value === "lost" && now - snapshot.context.lastSeen > olderThanMs) {
        this.agents.delete(nodeId);
        this.forget(AGENT_FIELD + nodeId);
        pruned.push(nodeId);
      }
    }
    return pruned;
  }

  hasTarget(id: string): boolean {
    return this.targets.get(id) !== undefined;
  }

  /** Node ids whose agent is not lost (the plan's `liveAgents`). */
  liveAgents(): Set<string> {
    const live = new Set<string>();
    for (const [nodeId, snapshot] of this.agents.entries()) {
      if (isLiveAgentState(snapshot.value as AgentStateName)) live.add(nodeId);
    }
    return live;
  }

  /** Every target, including `removed` ones until the next {@link persist} forgets them. */
  targetViews(): TargetView[] {
    return [...this.targets.values()].map((state) => {
      const { id } = state.context;
      return targetView(state, this.details.get(id), this.lastHealthAt.get(id));
    });
  }

  agentViews(): AgentView[] {
    return [...this.agents.values()].map((snapshot) => agentView(snapshot));
  }

  /** How many targets and agents are in each state (no views built: the 1 s tick calls this). */
  countByState(): { targets: Record<string, number>; agents: Record<string, number> } {
    const targets: Record<string, number> = {};
    for (const { value } of this.targets.values()) {
      const name = targetStateName(value);
      targets[name] = (targets[name] ?? 0) + 1;
    }
    const agents: Record<string, number> = {};
    for (const { value } of this.agents.values()) agents[value as string] = (agents[value as string] ?? 0) + 1;
    return { targets, agents };
  }

  /**
   * Writes changed snapshots (after checking the lease) and deletes removed targets from memory and Redis.
   * Returns the number of fields written or deleted. A failed write leaves everything to the next call.
   */
  async persist(fence: FenceCheck): Promise<number> {
    for (const [id, snapshot] of [...this.targets.entries()]) {
      if (snapshot.value !== "removed") continue;
      this.targets.delete(id);
      this.lastHealthAt.delete(id);
      this.forget(TARGET_FIELD + id);
    }
    const targets = this.targets.changed();
    const agents = this.agents.changed();
    const deletes = [...this.pendingDeletes];
    if (targets.length === 0 && agents.length === 0 && deletes.length === 0) return 0;
    const writes: string[] = [];
    for (const c of targets) writes.push(TARGET_FIELD + c.key, JSON.stringify(c.persisted));
    for (const c of agents) writes.push(AGENT_FIELD + c.key, JSON.stringify(c.persisted));
    await fence.assertHeld();
    const tx = this.redis.multi();
    if (writes.length > 0) tx.hset(this.key, ...writes);
    if (deletes.length > 0) tx.hdel(this.key, ...deletes);
    await tx.exec();
    this.targets.markPersisted(targets);
    this.agents.markPersisted(agents);
    for (let i = 0; i < writes.length; i += 2) this.persistedFields.add(writes[i] as string);
    for (const field of deletes) {
      this.pendingDeletes.delete(field);
      this.persistedFields.delete(field);
    }
    return writes.length / 2 + deletes.length;
  }

  /** Makes the next {@link persist} write every snapshot (after Redis may have lost them). */
  resyncPersisted(): void {
    this.targets.markAllChanged();
    this.agents.markAllChanged();
  }

  /** Forgets every machine (the cluster moved to another replica). */
  stop(): void {
    this.targets.clear();
    this.agents.clear();
    this.persistedFields.clear();
    this.pendingDeletes.clear();
    this.lastHealthAt.clear();
    this.details.clear();
  }

  /** A machine left memory: its field goes from Redis on the next persist, if it is there. */
  private forget(field: string): void {
    if (this.persistedFields.has(field)) this.pendingDeletes.add(field);
  }

  /** Whether an agent that is not lost serves the node; a node no agent ever reported from has none. */
  private agentLive(nodeId: string): boolean {
    const agent = this.agents.get(nodeId);
    return agent !== undefined && isLiveAgentState(agent.value as AgentStateName);
  }

  /** The target's snapshot, started afresh when it is new or was removed. */
  private liveTarget(
    id: string,
    at: number,
    taskArn: string | undefined,
    containerName: string | undefined,
    serviceName: string | undefined,
  ): MachineState<typeof targetMachine> {
    const existing = this.targets.get(id);
    if (existing && existing.value !== "removed") return existing;
    return this.targets.create(id, { id, cluster: this.cluster, at, taskArn, containerName, serviceName });
  }
}

/**
 * Assigned to an agent (`active.*`): the only states that take scrape results. The machine ignores them elsewhere
 * (orphaned, assigning…); skipping them here spares a no-op transition per target and report.
 */
function isAssigned(state: MachineState<typeof targetMachine>): boolean {
  return typeof state.value === "object" && state.value !== null && "active" in state.value;
}

/** Healthy with no failure on record: a further success would only move `lastHealthAt`. */
function isSteadilyHealthy(state: MachineState<typeof targetMachine>): boolean {
  const value = state.value as { active?: unknown };
  return value.active === "healthy" && state.context.failures === 0 && state.context.lastError === undefined;
}

/**
 * Whether PLANNED would change nothing: the target is already placed on this node with this address (assigning,
 * active, or orphaned there: an orphaned target stays orphaned until its node has a live agent). Skipping it
 * keeps a steady cycle free of transitions (10,000 targets would otherwise each build a new snapshot, and be
 * persisted again).
 */
function alreadyPlanned(
  snapshot: MachineState<typeof targetMachine>,
  nodeId: string | undefined,
  address: string,
  scheme: string,
  metricsPath: string,
): boolean {
  const state = targetStateName(snapshot.value);
  if (state !== "assigning" && state !== "orphaned" && !state.startsWith("active.")) return false;
  const c = snapshot.context;
  return c.nodeId === nodeId && c.address === address && c.scheme === scheme && c.metricsPath === metricsPath;
}

/**
 * Target and agent views of a cluster from its persisted snapshots, for replicas that do not hold the cluster.
 * As fresh as the owner's last persist (once per reconcile).
 */
export async function readPersistedViews(
  redis: RedisClient,
  cluster: string,
  keyPrefix = KEY_PREFIX,
): Promise<{ targets: TargetView[]; agents: AgentView[] }> {
  const raw = await redis.hgetall(redisKeys(keyPrefix).machines(cluster));
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
