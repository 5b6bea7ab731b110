/** What the target registry takes from the agents' reports (a stored report satisfies each). */

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
  /** Node id of the agent that reported it (a stored result's `nodeId`); only the assigned agent's count. */
  nodeId?: string | undefined;
  ok: boolean;
  error?: string | undefined;
  errorClass?: string | undefined;
  receivedAt: number;
}
