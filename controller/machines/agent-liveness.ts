import type { StoredHeartbeat } from "../dispatch/report-store.js";
import { publishStateCounts } from "../outputs/publish-step.js";
import type { ClusterContext } from "../reconcile/cluster-context.js";

/** One heartbeat read and what it changed. */
export interface AgentRefresh {
  /** The cluster's latest heartbeat per node, as read. */
  heartbeats: Map<string, StoredHeartbeat>;
  /** Nodes whose agent was lost in this refresh. */
  lost: string[];
  /** Nodes whose agent came back since the last refresh. */
  back: string[];
}

/**
 * The one path by which heartbeats reach the agent machines, shared by the reconcile (once per round, before it
 * plans) and by the controller's tick between reconciles. A caller that arrives while a read is in flight shares
 * it instead of reading again.
 */
export class AgentLiveness {
  private inFlight: Promise<AgentRefresh> | undefined;

  constructor(private readonly ctx: Pick<ClusterContext, "cluster" | "reports" | "registry" | "logger" | "metrics">) {}

  /** Reads the heartbeats, feeds them to the agent machines, advances time and publishes the counts by state. */
  refresh(): Promise<AgentRefresh> {
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async read(): Promise<AgentRefresh> {
    const { cluster, registry, logger } = this.ctx;
    const heartbeats = await this.ctx.reports.heartbeats(cluster);
    registry.applyHeartbeats(heartbeats.values());
    const { lost, back } = registry.tick();
    if (lost.length > 0) logger.warn({ cluster, nodes: lost }, "agents lost");
    if (back.length > 0) logger.info({ cluster, nodes: back }, "agents back");
    publishStateCounts(this.ctx);
    return { heartbeats, lost, back };
  }
}
