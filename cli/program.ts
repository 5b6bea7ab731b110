import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { endpointUrlProblem, LOG_LEVELS } from "../lib/config.js";
import { tryParseDuration } from "../lib/duration.js";
import { registerAgentCommand } from "./commands/agent.js";
import { registerControllerCommand } from "./commands/controller.js";
import { registerDoctorCommand } from "./commands/doctor.js";
import { registerLocalCommand } from "./commands/local.js";
import { registerSchemaCommand } from "./commands/schema.js";
import { registerSimCommand } from "./commands/sim.js";
import { registerSpecCommand } from "./commands/spec.js";
import { registerStatusCommands } from "./commands/status.js";
import { formatVersion, registerVersionCommand, versionInfo } from "./commands/version.js";
import { UsageError } from "./context.js";

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

const positiveDuration = (value: string) => {
  const ms = tryParseDuration(value);
  return ms !== undefined && ms > 0 ? ms : undefined;
};

/** Builds the `ecsmon` program. Exported so that tests can inspect commands and flags without spawning. */
export function buildProgram(): Command {
  const program = new Command("ecsmon")
    .description("Declarative monitoring for AWS ECS: spec in SSM, a reconciling controller, per-node agents.")
    .version(formatVersion(versionInfo()), "-V, --version", "print the version, the git commit and the Node.js version")
    .option(
      "--region <region>",
      "AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION, then us-east-1)",
      check((value) => (REGION.test(value) ? value : undefined), "expected an AWS region such as eu-west-1"),
    )
    .option(
      "--endpoint-url <url>",
      "AWS endpoint for every service, e.g. the simulator (default: $AWS_ENDPOINT_URL)",
      (value: string) => {
        const problem = endpointUrlProblem(value);
        if (problem) throw new InvalidArgumentError(problem);
        return value;
      },
    )
    .addOption(new Option("--log-level <level>", "log level (default: $LOG_LEVEL, then info)").choices(LOG_LEVELS))
    .option(
      "--aws-connect-timeout <duration>",
      "time allowed to open a connection to AWS (default: $ECSMON_AWS_CONNECT_TIMEOUT, then 5s)",
      check(positiveDuration, 'expected a duration such as "5s"'),
    )
    .option(
      "--aws-request-timeout <duration>",
      "time allowed for one AWS request attempt to get a response (default: $ECSMON_AWS_REQUEST_TIMEOUT, then 15s)",
      check(positiveDuration, 'expected a duration such as "15s"'),
    )
    .option(
      "--aws-max-attempts <n>",
      "attempts per AWS call, including the first (default: $AWS_MAX_ATTEMPTS, then 3)",
      check((value) => (/^[1-9]\d*$/.test(value) ? Number(value) : undefined), "expected a whole number, at least 1"),
    )
    .addHelpText(
      "after",
      `
AWS credentials come from the SDK's default provider chain, with or without --endpoint-url: AWS_ACCESS_KEY_ID
and AWS_SECRET_ACCESS_KEY, AWS_PROFILE with ~/.aws/credentials and ~/.aws/config, SSO, web identity, ECS
container credentials, then the instance metadata service. The simulator and LocalStack accept any static keys.
A call that gets no response is abandoned after the request timeout and retried, up to the attempts allowed
(retry mode: $AWS_RETRY_MODE, adaptive by default); the worst case is attempts × timeout plus backoff.
Exit codes: 0 success, 1 failure, 2 usage error.`,
    )
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();
  registerSpecCommand(program);
  registerSchemaCommand(program);
  registerDoctorCommand(program);
  registerControllerCommand(program);
  registerAgentCommand(program);
  registerStatusCommands(program);
  registerSimCommand(program);
  registerLocalCommand(program);
  registerVersionCommand(program);
  return program;
}

/** An option parser that maps the text to a value, or fails with `message` naming what it got. */
function check<T>(parse: (value: string) => T | undefined, message: string): (value: string) => T {
  return (value) => {
    const parsed = parse(value);
    if (parsed === undefined) throw new InvalidArgumentError(`${message}, got ${JSON.stringify(value)}.`);
    return parsed;
  };
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
