import type { Command } from "commander";
import type { Logger } from "../../lib/logger.js";
import { fromRoot } from "../../lib/paths.js";
import { createCliContext, UsageError, withUsageErrors } from "../context.js";

/** Flags of `ecsmon sim` as commander parses them. */
export interface SimCommandOptions {
  scenario: string;
  port: string;
  host: string;
  /** undefined when neither --node-surfaces nor --no-node-surfaces is given. */
  nodeSurfaces?: boolean;
  churn?: boolean;
  addressBase?: string;
  nodeSurfacePorts?: string;
}

const SURFACES = ["docker", "introspection", "metadata", "imds"] as const;
type SurfaceName = (typeof SURFACES)[number];

/** Parses `docker=2375,introspection=51678,metadata=51679,imds=1338`. */
export function parseSurfacePorts(text: string): Partial<Record<SurfaceName, number>> {
  const ports: Partial<Record<SurfaceName, number>> = {};
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, value] = part.split("=");
    if (!(SURFACES as readonly string[]).includes(name ?? "")) {
      throw new UsageError(`--node-surface-ports: unknown surface "${name}" (expected ${SURFACES.join(", ")})`);
    }
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new UsageError(`--node-surface-ports: ${name} needs a port 1-65535, got ${JSON.stringify(value ?? "")}`);
    }
    ports[name as SurfaceName] = port;
  }
  return ports;
}

/** Validated settings of one `ecsmon sim` run. */
export interface SimRunSettings {
  scenario: string;
  host: string;
  port: number;
  /** undefined: as the scenario says (default on). */
  nodeSurfaces: boolean | undefined;
  churn: boolean;
  addressBase: number | undefined;
  nodeSurfacePorts: Partial<Record<SurfaceName, number>> | undefined;
}

/** Checks the flags; throws UsageError (exit 2) naming the bad one. */
export function parseSimOptions(options: SimCommandOptions): SimRunSettings {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port: expected 0-65535, got ${options.port}`);
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(options.host)) {
    throw new UsageError(`--host: the simulator binds only to 127.0.0.0/8, got ${options.host}`);
  }
  const addressBase = options.addressBase === undefined ? undefined : Number(options.addressBase);
  if (addressBase !== undefined && (!Number.isInteger(addressBase) || addressBase < 2 || addressBase > 253)) {
    throw new UsageError(`--address-base: expected 2-253, got ${options.addressBase}`);
  }
  return {
    scenario: options.scenario,
    host: options.host,
    port,
    nodeSurfaces: options.nodeSurfaces,
    churn: options.churn ?? false,
    addressBase,
    nodeSurfacePorts: options.nodeSurfacePorts === undefined ? undefined : parseSurfacePorts(options.nodeSurfacePorts),
  };
}

/**
 * Runs the simulator until `stop` resolves: prints the endpoint, the environment to export and each node's
 * surface URLs to `out`, then stops cleanly. A bad scenario is a UsageError naming the file, field and line.
 */
export async function runSim(
  settings: SimRunSettings,
  deps: { logger: Logger; out: (text: string) => void; stop: Promise<unknown> },
): Promise<void> {
  const { startSim } = await import("../../sim/index.js");
  const { ScenarioError } = await import("../../sim/scenario/parse.js");
  const sim = await withUsageErrors(ScenarioError, () => startSim({ ...settings, logger: deps.logger }));
  const { out } = deps;
  out(
    `ecsmon sim: scenario ${sim.scenario.name} (${sim.loadReport.instances} instances, ${sim.store.tasks().length} tasks)\n`,
  );
  out(`AWS endpoint:  ${sim.endpoint}\n`);
  out(
    `Control API:   ${sim.endpoint}/_sim/ (healthz, requests, faults, tasks, services, nodes, cloudwatch/datums, scenario, reset)\n\n`,
  );
  out(`export AWS_ENDPOINT_URL=${sim.endpoint}\n`);
  out(`export AWS_REGION=${sim.region}\n`);
  out("export AWS_ACCESS_KEY_ID=test\nexport AWS_SECRET_ACCESS_KEY=test\n");
  out(`export ECSMON_CLUSTER=${sim.scenario.cluster}\n\n`);
  for (const node of await sim.nodes()) {
    out(`node ${node.id} ${node.instanceType} ${node.privateIp}\n`);
    if (node.surfaces) {
      out(`  DOCKER_HOST=${node.surfaces.dockerUrl}\n`);
      out(`  ECS_AGENT_URI=${node.surfaces.introspectionUrl}\n`);
      out(`  ECSMON_IMDS_ENDPOINT=${node.surfaces.imdsUrl}\n`);
      out(`  ECSMON_NODE_ID=${node.id}\n`);
    }
  }
  for (const warning of sim.loadReport.warnings) deps.logger.warn({ warning }, "scenario placement");
  try {
    await deps.stop;
  } finally {
    await sim.stop();
    deps.logger.info("simulator stopped");
  }
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(logger: Logger): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      logger.info({ signal }, "stopping simulator");
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
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
    .option(
      "--node-surfaces",
      "start per-node Docker/introspection/metadata/IMDS servers and workloads (default unless the scenario says nodeSurfaces: false)",
    )
    .option("--no-node-surfaces", "do not start per-node servers and workloads")
    .option("--churn", "start and stop tasks at the scenario's churn rates")
    .option("--address-base <n>", "second octet of the 127.x.0.0/16 block for node and task addresses")
    .option(
      "--node-surface-ports <list>",
      "fixed ports of every node's surfaces, e.g. docker=2375,introspection=51678,metadata=51679,imds=1338",
    )
    .action(async (options: SimCommandOptions) => {
      const settings = parseSimOptions(options);
      const { logger } = createCliContext(program, "sim");
      await runSim(settings, { logger, out: (text) => process.stdout.write(text), stop: untilSignal(logger) });
    });
}
