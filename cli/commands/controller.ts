import type { Command } from "commander";
import { boundShutdown } from "../../lib/bounded-stop.js";
import { redactUrl } from "../../lib/logger.js";
import { createRedisConnection } from "../../lib/redis.js";
import { createCliContext } from "../context.js";
import { checkedBind, checkRedisUrl, redisUrlOption } from "./server-options.js";

interface ControllerOptions {
  bind?: string;
  parameter?: string;
  redisUrl?: string;
  fileSd?: string;
  api?: boolean;
}

/** `ecsmon controller`: one controller replica, running until SIGINT/SIGTERM. */
export function registerControllerCommand(program: Command): void {
  program
    .command("controller")
    .description(
      "Run a controller replica: watch the spec in SSM, take cluster leases, observe → plan → dispatch, serve the status API.",
    )
    .option("--bind <host:port>", "status API address (default: $ECSMON_API_BIND or 127.0.0.1:9470)")
    .option(
      "--parameter <name>",
      "SSM parameter holding the MonitoringSpec (default: $ECSMON_SPEC_PARAMETER or /ecsmon/spec)",
    )
    .addOption(redisUrlOption())
    .option("--file-sd <path>", "write Prometheus file_sd YAML here (overrides the spec's outputs.fileSd.path)")
    .option("--no-api", "do not serve the status API")
    .addHelpText(
      "after",
      `
Replicas split the spec's clusters through Redis leases (TTL $ECSMON_LEASE_TTL, default 15s); run two for
failover. $ECSMON_API_TOKEN makes the status API require "Authorization: Bearer <token>".
SIGTERM/SIGINT stop it gracefully; if that takes longer than $ECSMON_SHUTDOWN_TIMEOUT (default 20s, e.g. Redis is
unreachable) or a second signal arrives, it exits with code 1.

Examples:
  ecsmon controller
  ecsmon controller --bind 127.0.0.1:9470 --file-sd /etc/prometheus/ecs.yml --redis-url redis://127.0.0.1:6379`,
    )
    .action(async (options: ControllerOptions) => {
      const ctx = createCliContext(program, "controller");
      if (options.bind) ctx.config.controller.apiBind = checkedBind(options.bind);
      if (options.parameter) ctx.config.controller.specParameter = options.parameter;
      if (options.redisUrl) ctx.config.redis.url = options.redisUrl;
      checkRedisUrl(ctx.config.redis.url, { redisSchemeOnly: true });
      const { startControllerFromConfig } = await import("../../controller/wiring.js");
      const redis = createRedisConnection(ctx.config.redis, "worker");
      redis.on("error", (error) => ctx.logger.warn({ err: { message: error.message } }, "redis connection error"));
      ctx.logger.info(
        {
          id: ctx.config.controller.id,
          redis: redactUrl(ctx.config.redis.url),
          parameter: ctx.config.controller.specParameter,
        },
        "starting controller",
      );
      // Installed before start-up: a signal while the controller is still starting is bounded too.
      const shutdown = boundShutdown({
        timeoutMs: ctx.config.shutdownTimeoutMs,
        logger: ctx.logger,
        what: "controller",
      });
      let controller: Awaited<ReturnType<typeof startControllerFromConfig>>;
      try {
        controller = await startControllerFromConfig({
          config: ctx.config,
          logger: ctx.logger,
          redis,
          apiBind: options.api === false ? false : undefined,
          fileSdPath: options.fileSd,
        });
      } catch (error) {
        redis.disconnect();
        throw error;
      }
      if (controller.apiUrl)
        process.stderr.write(`ecsmon controller ${controller.id}: status API at ${controller.apiUrl}\n`);
      await shutdown.signalled;
      await shutdown.stopAndExit(async () => {
        await controller.stop();
        redis.disconnect();
      });
    });
}
