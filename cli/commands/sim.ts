import type { Command } from "commander";
import { fromRoot } from "../../lib/paths.js";
import { createCliContext, UsageError } from "../context.js";

interface SimOptions {
  scenario: string;
  port: string;
  host: string;
  nodeSurfaces: boolean;
  churn?: boolean;
  addressBase?: string;
}

/**
 * `ecsmon sim`: runs the simulator in the foreground, prints the endpoint, the environment to export and
 * each node's surface URLs, and stops cleanly on SIGINT/SIGTERM.
 */
export function registerSimCommand(program: Command): void {
  program
    .command("sim")
    .description("Run the local ECS simulator (AWS endpoint, node surfaces, /_sim control API)")
    .option("--scenario <file>", "scenario YAML", fromRoot("sim/scenarios/demo.yaml"))
    .option("--port <port>", "AWS endpoint port (0 = any free port)", "4566")
    .option("--host <host>", "loopback address to bind (127.0.0.0/8)", "127.0.0.1")
    .option("--no-node-surfaces", "do not start per-node Docker/introspection/metadata/IMDS servers")
    .option("--churn", "start and stop tasks at the scenario's churn rates")
    .option("--address-base <n>", "second octet of the 127.x.0.0/16 block for node and task addresses")
    .action(async (options: SimOptions) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new UsageError(`--port: expected 0-65535, got ${options.port}`);
      if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(options.host)) {
        throw new UsageError(`--host: the simulator binds only to 127.0.0.0/8, got ${options.host}`);
      }
      const addressBase = options.addressBase === undefined ? undefined : Number(options.addressBase);
      if (addressBase !== undefined && (!Number.isInteger(addressBase) || addressBase < 1 || addressBase > 254)) {
        throw new UsageError(`--address-base: expected 1-254, got ${options.addressBase}`);
      }
      const { logger } = createCliContext(program, "sim");
      const { startSim } = await import("../../sim/index.js");
      const { ScenarioError } = await import("../../sim/scenario/parse.js");
      let sim: Awaited<ReturnType<typeof startSim>>;
      try {
        sim = await startSim({
          scenario: options.scenario,
          host: options.host,
          port,
          nodeSurfaces: options.nodeSurfaces,
          churn: options.churn ?? false,
          addressBase,
          logger,
        });
      } catch (error) {
        if (error instanceof ScenarioError) throw new UsageError(error.message);
        throw error;
      }
      const out = process.stdout;
      out.write(
        `ecsmon sim: scenario ${sim.scenario.name} (${sim.loadReport.instances} instances, ${sim.store.tasks().length} tasks)\n`,
      );
      out.write(`AWS endpoint:  ${sim.endpoint}\n`);
      out.write(
        `Control API:   ${sim.endpoint}/_sim/ (healthz, requests, faults, tasks, services, nodes, cloudwatch/datums, scenario, reset)\n\n`,
      );
      out.write(`export AWS_ENDPOINT_URL=${sim.endpoint}\n`);
      out.write(`export AWS_REGION=${sim.region}\n`);
      out.write("export AWS_ACCESS_KEY_ID=test\nexport AWS_SECRET_ACCESS_KEY=test\n");
      out.write(`export ECSMON_CLUSTER=${sim.scenario.cluster}\n\n`);
      for (const node of await sim.nodes()) {
        out.write(`node ${node.id} ${node.instanceType} ${node.privateIp}\n`);
        if (node.surfaces) {
          out.write(`  DOCKER_HOST=${node.surfaces.dockerUrl}\n`);
          out.write(`  ECS_AGENT_URI=${node.surfaces.introspectionUrl}\n`);
          out.write(`  ECSMON_IMDS_ENDPOINT=${node.surfaces.imdsUrl}\n`);
          out.write(`  ECSMON_NODE_ID=${node.id}\n`);
        }
      }
      for (const warning of sim.loadReport.warnings) logger.warn({ warning }, "scenario placement");
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          logger.info({ signal }, "stopping simulator");
          process.off("SIGINT", onInt);
          process.off("SIGTERM", onTerm);
          resolve();
        };
        const onInt = () => shutdown("SIGINT");
        const onTerm = () => shutdown("SIGTERM");
        process.on("SIGINT", onInt);
        process.on("SIGTERM", onTerm);
      });
      await sim.stop();
      logger.info("simulator stopped");
    });
}
