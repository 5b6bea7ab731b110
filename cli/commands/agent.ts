import type { Command } from "commander";
import { boundShutdown } from "../../lib/bounded-stop.js";
import { createCliContext, UsageError, withUsageErrors } from "../context.js";
import { checkedBind, checkRedisUrl, redisUrlOption } from "./server-options.js";

interface AgentOptions {
  cluster?: string;
  nodeId?: string;
  bind?: string;
  pool?: boolean;
  redisUrl?: string;
}

/** `ecsmon agent`: the per-node agent (scrape, stats, capacity), running until SIGINT/SIGTERM. */
export function registerAgentCommand(program: Command): void {
  program
    .command("agent")
    .description(
      "Run the node agent: consume this node's desired-state queue, scrape the assigned targets and serve one merged /metrics.",
    )
    .option(
      "--cluster <name>",
      "ECS cluster name (default: $ECSMON_CLUSTER, else from ECS agent introspection or task metadata)",
    )
    .option(
      "--node-id <id>",
      "node id = container instance id, or task id for a sidecar (default: $ECSMON_NODE_ID, else discovered)",
    )
    .option(
      "--bind <host:port>",
      "where /metrics, /healthz and /readyz listen (default: $ECSMON_AGENT_BIND or 127.0.0.1:9471)",
    )
    .option(
      "--pool",
      "consume the shared pool queue for Fargate tasks without a sidecar and Cloud Map targets (needs --cluster)",
    )
    .addOption(redisUrlOption())
    .addHelpText(
      "after",
      `
Node identity, in order: --pool (node "pool-<cluster>"); --cluster with --node-id; $ECS_CONTAINER_METADATA_URI_V4
(sidecar: node = task id); ECS agent introspection at $ECS_AGENT_URI/v1/metadata (EC2 daemon: node = container
instance id). Through a Redis outage the agent keeps scraping and serving its last assignment. SIGTERM/SIGINT
stop it gracefully; past $ECSMON_SHUTDOWN_TIMEOUT (default 20s) or on a second signal it exits with code 1.

Examples:
  ecsmon agent                                   # on an ECS container instance (DAEMON service)
  ecsmon agent --cluster demo --node-id i-0abc --bind 127.0.0.1:9471 --redis-url redis://127.0.0.1:6379
  ecsmon agent --cluster demo --pool`,
    )
    .action(async (options: AgentOptions) => {
      const ctx = createCliContext(program, "agent");
      if (options.cluster) ctx.config.agent.cluster = options.cluster;
      if (options.nodeId) ctx.config.agent.nodeId = options.nodeId;
      if (options.redisUrl) ctx.config.redis.url = options.redisUrl;
      if (options.bind) ctx.config.agent.bind = checkedBind(options.bind);
      checkRedisUrl(ctx.config.redis.url, { redisSchemeOnly: false });
      if (options.pool && !ctx.config.agent.cluster) throw new UsageError("--pool needs --cluster (or ECSMON_CLUSTER)");
      // Installed before start-up: a signal while the agent is still starting (Redis unreachable) is bounded too.
      const shutdown = boundShutdown({ timeoutMs: ctx.config.shutdownTimeoutMs, logger: ctx.logger, what: "agent" });
      // Loaded on use, so that `ecsmon --help` and the other commands start without the agent's dependencies.
      const [{ startAgent }, { IdentityError }, { defaultHandlers }] = await Promise.all([
        import("../../agents/agent.js"),
        import("../../agents/identity/resolve-identity.js"),
        import("../../agents/runtime/default-handlers.js"),
      ]);
      const agent = await withUsageErrors(IdentityError, () =>
        startAgent({ config: ctx.config, logger: ctx.logger, pool: options.pool, handlers: defaultHandlers }),
      );
      await shutdown.signalled;
      await shutdown.stopAndExit(() => agent.stop());
    });
}
