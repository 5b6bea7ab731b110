import type { Command } from "commander";
import { fromRoot } from "../../lib/paths.js";
import { createCliContext, UsageError, withUsageErrors } from "../context.js";
import { watchParent } from "../local/stack-reaper.js";

interface LocalOptions {
  scenario: string;
  spec: string;
  stateDir: string;
  agents: string;
  prometheus: boolean;
  poolAgent: boolean;
}

/**
 * `ecsmon local`: the whole local topology (redis, sim, spec apply, controller, agents, Prometheus) as plain
 * processes, the same shape docker-compose.yml runs as containers. Ctrl-C stops everything.
 */
export function registerLocalCommand(program: Command): void {
  program
    .command("local")
    .description(
      "Run the whole stack locally: redis-server, the simulator (demo scenario), the controller, two agents, Prometheus",
    )
    .option("--scenario <file>", "simulator scenario", fromRoot("sim/scenarios/demo.yaml"))
    .option(
      "--spec <file>",
      "MonitoringSpec applied to the simulator's SSM",
      fromRoot("crds-like-schemas/examples/local.yaml"),
    )
    .option("--state-dir <dir>", "logs, Redis and Prometheus data, file_sd output", ".ecsmon-local")
    .option("--agents <n>", "number of node agents (one per simulated node)", "2")
    .option("--no-pool-agent", "do not run the pool agent (Fargate tasks without a sidecar, Cloud Map targets)")
    .option("--no-prometheus", "do not start Prometheus even when it is installed")
    .addHelpText(
      "after",
      "\nUses REDIS_URL when set; otherwise starts redis-server (Debian package redis-server) on a free loopback port.\n" +
        "Ports are free loopback ports: the exact `npx ecsmon status --url …` command is printed once it runs.\n" +
        "Each process logs to <state-dir>/logs/<name>.log. The stack stops on Ctrl-C, SIGTERM or SIGHUP, when the\n" +
        "parent process dies, and, through a reaper process, even when `ecsmon local` itself is killed.",
    )
    .action(async (options: LocalOptions) => {
      const agents = Number(options.agents);
      if (!Number.isInteger(agents) || agents < 0 || agents > 50)
        throw new UsageError(`--agents: expected 0-50, got ${options.agents}`);
      const { config } = createCliContext(program, "local");
      const { startLocalStack, LocalStackError } = await import("../local/local-stack.js");
      const say = (line: string) => process.stdout.write(`ecsmon local: ${line}\n`);
      // Installed before start-up so that Ctrl-C at any moment stops what has started.
      const interrupted = new AbortController();
      let parentGone = false;
      const stopRequested = new Promise<void>((resolve) => {
        const onSignal = () => {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          process.off("SIGHUP", onSignal);
          stopWatching();
          interrupted.abort();
          resolve();
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        process.on("SIGHUP", onSignal);
        // `npx` may die of a SIGTERM without passing it on: its death is a stop request too.
        const stopWatching = watchParent(() => {
          parentGone = true;
          onSignal();
        });
      });
      let stack: Awaited<ReturnType<typeof startLocalStack>>;
      try {
        stack = await withUsageErrors(LocalStackError, () =>
          startLocalStack({
            stateDir: options.stateDir,
            scenario: options.scenario,
            spec: options.spec,
            agents,
            prometheus: options.prometheus,
            poolAgent: options.poolAgent,
            redisUrl: config.redis.urlConfigured ? config.redis.url : undefined,
            region: config.aws.region,
            logLevel: config.logLevel,
            progress: say,
            signal: interrupted.signal,
          }),
        );
      } catch (error) {
        if (interrupted.signal.aborted) {
          say("interrupted during start-up; everything started was stopped");
          return;
        }
        throw error;
      }
      const { urls } = stack;
      const lines = [
        "",
        "ecsmon is running:",
        `  status page     ${urls.controller}/`,
        `  status API      ${urls.controller}/api/v1/status`,
        `  targets         ${urls.controller}/api/v1/targets`,
        `  http_sd         ${urls.controller}/sd/prometheus`,
        `  controller      ${urls.controller}/metrics`,
        ...urls.agents.map((a) => `  agent           ${a.metrics}   (node ${a.nodeId})`),
        `  Prometheus UI   ${urls.prometheus ?? "(not started)"}${urls.prometheus ? `   (alerts ${urls.prometheus}/alerts)` : ""}`,
        `  AWS simulator   ${urls.aws}   (control API ${urls.aws}/_sim/)`,
        `  file_sd         ${urls.fileSd}`,
        `  logs            ${options.stateDir}/logs/`,
        "",
        `Try: npx ecsmon status --url ${urls.controller}`,
        "Ctrl-C stops everything.",
        "",
      ];
      process.stdout.write(lines.join("\n"));
      await stopRequested;
      say(parentGone ? "the parent process is gone; stopping…" : "stopping…");
      await stack.stop();
      say("stopped");
    });
}
