import type { Command } from "commander";
import { type Config, ConfigError, loadConfig } from "../lib/config.js";
import { createLogger, type Logger } from "../lib/logger.js";

/** What every command receives: typed config (env + global flags) and a logger. */
export interface CliContext {
  config: Config;
  logger: Logger;
}

/** The global flags, already checked by their parsers in program.ts. */
export interface GlobalOptions {
  region?: string;
  endpointUrl?: string;
  logLevel?: Config["logLevel"];
  awsConnectTimeout?: number;
  awsRequestTimeout?: number;
  awsMaxAttempts?: number;
}

/** Builds the context from the environment plus the global flags, which win over the environment. */
export function createCliContext(program: Command, component: string): CliContext {
  const flags = program.opts<GlobalOptions>();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  if (flags.region) config.aws.region = flags.region;
  if (flags.endpointUrl) config.aws.endpointUrl = flags.endpointUrl;
  if (flags.logLevel) config.logLevel = flags.logLevel;
  if (flags.awsConnectTimeout !== undefined) config.aws.connectTimeoutMs = flags.awsConnectTimeout;
  if (flags.awsRequestTimeout !== undefined) config.aws.requestTimeoutMs = flags.awsRequestTimeout;
  if (flags.awsMaxAttempts !== undefined) config.aws.maxAttempts = flags.awsMaxAttempts;
  return { config, logger: createLogger({ level: config.logLevel, name: component }) };
}

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Awaits `start`; an error of class `kind` (what the user asked for cannot be done: no node identity, a bad
 * scenario, a local stack that cannot start) becomes a UsageError with the same message (exit 2).
 */
export async function withUsageErrors<T>(kind: new (...args: never[]) => Error, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof kind) throw new UsageError(error.message);
    throw error;
  }
}
