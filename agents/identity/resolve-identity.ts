import { arnId, clusterNameOf } from "../../lib/arn.js";
import { Backoff } from "../../lib/backoff.js";
import type { Config } from "../../lib/config.js";
import type { Logger } from "../../lib/logger.js";

/** Who this agent is: the node whose queue it consumes. */
export interface NodeIdentity {
  cluster: string;
  nodeId: string;
  mode: "daemon" | "sidecar" | "pool";
  /** Where the identity came from. */
  source: "flags" | "ecs-agent" | "task-metadata";
}

export class IdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IdentityError";
  }
}

export interface IdentityOptions {
  agent: Pick<Config["agent"], "cluster" | "nodeId" | "metadataUriV4" | "ecsAgentUri">;
  /** Pool mode: consume the shared pool queue as node `pool-<cluster>`. */
  pool?: boolean;
  logger: Logger;
  /** Keep retrying the ECS agent / metadata endpoint this long (they may start after us). @defaultValue 60_000 */
  retryForMs?: number;
  /** Per-request timeout. @defaultValue 2_000 */
  requestTimeoutMs?: number;
}

/** Same rule as the controller's pool node id (ADR 0008). */
export function poolNodeIdFor(cluster: string): string {
  return `pool-${cluster.replace(/[^A-Za-z0-9_.-]/g, "_")}`;
}

/**
 * Resolves the node identity, in this order:
 * 1. pool mode: `pool-<cluster>` (needs a cluster);
 * 2. explicit cluster and node id (flags / ECSMON_CLUSTER, ECSMON_NODE_ID), mode daemon;
 * 3. sidecar: `${ECS_CONTAINER_METADATA_URI_V4}/task` → Cluster and TaskARN, node id = task id;
 * 4. EC2 daemon: ECS agent introspection `${ECS_AGENT_URI}/v1/metadata` → Cluster and ContainerInstanceArn,
 *    node id = the container instance id.
 * Endpoints are retried until `retryForMs` elapses (the ECS agent may not be up yet), then IdentityError.
 */
export async function resolveIdentity(options: IdentityOptions): Promise<NodeIdentity> {
  const { agent } = options;
  if (options.pool) {
    if (!agent.cluster) throw new IdentityError("pool mode needs --cluster (or ECSMON_CLUSTER)");
    const cluster = clusterNameOf(agent.cluster);
    return { cluster, nodeId: poolNodeIdFor(cluster), mode: "pool", source: "flags" };
  }
  if (agent.cluster && agent.nodeId) {
    return { cluster: clusterNameOf(agent.cluster), nodeId: agent.nodeId, mode: "daemon", source: "flags" };
  }
  const deadline = Date.now() + (options.retryForMs ?? 60_000);
  const timeout = options.requestTimeoutMs ?? 2_000;
  const endpoint = identityEndpoint(agent);
  let lastError = "";
  const backoff = new Backoff({ initialMs: 500, maxMs: 5_000 });
  for (let attempt = 0; ; attempt++) {
    try {
      const body = (await getJson(endpoint.url, timeout)) as Record<string, unknown>;
      const cluster = stringField(body, "Cluster");
      const arn = stringField(body, endpoint.arnField);
      return {
        cluster: clusterNameOf(agent.cluster ?? cluster),
        nodeId: agent.nodeId ?? arnId(arn),
        mode: endpoint.mode,
        source: endpoint.source,
      };
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new IdentityError(
        `cannot determine the node identity from ${endpoint.where}: ${lastError}; pass --cluster and --node-id`,
      );
    }
    options.logger.info({ attempt, error: lastError }, "node identity not available yet; retrying");
    await new Promise((r) => setTimeout(r, backoff.next()));
  }
}

/**
 * Where the identity is read: the task metadata (sidecar; the node is the task) when the container has one, else
 * the ECS agent's introspection (daemon; the node is the container instance). Both answer with `Cluster` and the
 * node's ARN in `arnField`.
 */
function identityEndpoint(agent: IdentityOptions["agent"]) {
  if (agent.metadataUriV4) {
    return {
      url: `${agent.metadataUriV4.replace(/\/$/, "")}/task`,
      arnField: "TaskARN",
      mode: "sidecar",
      source: "task-metadata",
      where: "task metadata v4",
    } as const;
  }
  return {
    url: `${agent.ecsAgentUri.replace(/\/$/, "")}/v1/metadata`,
    arnField: "ContainerInstanceArn",
    mode: "daemon",
    source: "ecs-agent",
    where: `ECS agent introspection at ${agent.ecsAgentUri}`,
  } as const;
}

async function getJson(url: string, timeoutMs: number): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "error" });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.json();
}

function stringField(body: Record<string, unknown>, name: string): string {
  const value = body?.[name];
  if (typeof value !== "string" || value === "") throw new Error(`response has no ${name}`);
  return value;
}
