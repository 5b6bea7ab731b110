import { Command, CommanderError } from "commander";
import { registerAgentCommand } from "./commands/agent.js";
import { registerControllerCommand } from "./commands/controller.js";
import { registerLocalCommand } from "./commands/local.js";
import { registerSchemaCommand } from "./commands/schema.js";
import { registerSimCommand } from "./commands/sim.js";
import { registerSpecCommand } from "./commands/spec.js";
import { registerStatusCommands } from "./commands/status.js";
import { UsageError } from "./context.js";

/** Builds the `ecsmon` program. Exported so that tests can inspect commands and flags without spawning. */
export function buildProgram(): Command {
  const program = new Command("ecsmon")
    .description("Declarative monitoring for AWS ECS: spec in SSM, a reconciling controller, per-node agents.")
    .version("0.1.0")
    .option("--region <region>", "AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION, then us-east-1)")
    .option("--endpoint-url <url>", "AWS endpoint for every service, e.g. the simulator (default: $AWS_ENDPOINT_URL)")
    .option("--log-level <level>", "trace|debug|info|warn|error|silent (default: $LOG_LEVEL or info)")
    .showHelpAfterError()
    .exitOverride();
  registerSpecCommand(program);
  registerSchemaCommand(program);
  registerControllerCommand(program);
  registerAgentCommand(program);
  registerStatusCommands(program);
  registerSimCommand(program);
  registerLocalCommand(program);
  return program;
}

/** Exit codes: 0 success, 1 failure (e.g. invalid spec), 2 usage error. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.code === "commander.help"
      )
        return 0;
      return 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`ecsmon: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`ecsmon: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}
