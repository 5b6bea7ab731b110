import { readFileSync } from "node:fs";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { type Command, Option } from "commander";
import {
  checkSsmSize,
  diffSpecs,
  formatSpecChange,
  formatSpecError,
  type ParseSpecResult,
  parseSpec,
  SSM_TIERS,
  type SsmTier,
} from "../../crds-like-schemas/index.js";
import { type CliContext, createCliContext, UsageError } from "../context.js";

const PARAMETER_HELP = "SSM parameter name (default: $ECSMON_SPEC_PARAMETER, then /ecsmon/spec)";

interface ParameterOptions {
  parameter?: string;
}

/** `ecsmon spec validate|apply|get|diff`: the MonitoringSpec and its SSM parameter. */
export function registerSpecCommand(program: Command): void {
  const spec = program
    .command("spec")
    .description("Validate a MonitoringSpec, store it in SSM Parameter Store, read it back, and compare")
    .addHelpText(
      "after",
      `
The spec is YAML or JSON (apiVersion: ecsmon.dev/v1alpha1, kind: MonitoringSpec); see docs/spec-reference.md
and \`ecsmon schema\`. Errors name the path and position, e.g.
  spec.clusters[0].stats.period: expected a duration like "1s", got "fast" (line 12, column 15)
AWS settings come from the global flags --region/--endpoint-url and the standard AWS_* variables.`,
    );

  spec
    .command("validate")
    .description("Check a spec file: schema, cross-field rules and the SSM size limits")
    .argument("<file>", 'spec file (YAML or JSON), or "-" for stdin')
    .addOption(new Option("--tier <tier>", "SSM tier whose size limit applies").choices(SSM_TIERS).default("Standard"))
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nExit codes: 0 valid, 1 invalid (or too large for any SSM tier), 2 usage error (e.g. no such file).",
    )
    .action((file: string, options: { tier: SsmTier; json?: boolean }) => {
      createCliContext(program, "cli");
      const text = readSpecFile(file);
      const result = parseSpec(text, { source: sourceName(file) });
      const size = checkSsmSize(text, options.tier);
      const storable = size.requiredTier !== undefined;
      if (options.json) {
        out(
          `${JSON.stringify(
            {
              file,
              valid: result.ok && storable,
              errors: result.ok ? [] : result.errors,
              bytes: size.bytes,
              requiredTier: size.requiredTier ?? null,
              fitsTier: size.ok,
              sizeMessage: size.message || undefined,
            },
            null,
            2,
          )}\n`,
        );
      } else if (!result.ok) {
        printErrors(result);
        err(`${file}: invalid (${plural(result.errors.length, "error")})\n`);
      } else {
        out(`${file}: valid (${plural(result.spec.spec.clusters.length, "cluster")}, ${sizeSummary(size.bytes)})\n`);
        if (!size.ok) err(`${file}: ${size.message}\n`);
      }
      process.exitCode = result.ok && storable ? 0 : 1;
    });

  spec
    .command("apply")
    .description("Validate a spec file and store it in SSM (PutParameter, Overwrite); prints the new version")
    .argument("<file>", 'spec file (YAML or JSON), or "-" for stdin')
    .option("--parameter <name>", PARAMETER_HELP)
    .addOption(
      new Option("--tier <tier>", "SSM parameter tier (default: Standard for a new parameter, else unchanged)").choices(
        SSM_TIERS,
      ),
    )
    .addOption(
      new Option(
        "--type <type>",
        "parameter type; SecureString is encrypted with KMS (default: the existing parameter's type, else String)",
      ).choices(["String", "SecureString"]),
    )
    .option("--dry-run", "validate and size-check only; do not call SSM")
    .addHelpText(
      "after",
      `
An invalid spec is refused and nothing is written. The text is stored as written (comments included), so the
SSM size limits apply to it: 4 KB in the Standard tier, 8 KB in the Advanced tier.
Exit codes: 0 stored (or valid with --dry-run), 1 invalid, too large or SSM error, 2 usage error.
Example: ecsmon --endpoint-url http://127.0.0.1:4566 spec apply crds-like-schemas/examples/full.yaml`,
    )
    .action(
      async (
        file: string,
        options: ParameterOptions & { tier?: SsmTier; type?: "String" | "SecureString"; dryRun?: boolean },
      ) => {
        const ctx = createCliContext(program, "cli");
        const parameter = parameterName(ctx, options);
        const text = readSpecFile(file);
        const result = parseSpec(text, { source: sourceName(file) });
        if (!result.ok) {
          printErrors(result);
          err(`${file}: invalid (${plural(result.errors.length, "error")}); refusing to store it in ${parameter}\n`);
          process.exitCode = 1;
          return;
        }
        const size = checkSsmSize(text, options.tier ?? "Standard");
        if (!size.ok) {
          err(`${file}: ${size.message}\n`);
          process.exitCode = 1;
          return;
        }
        if (options.dryRun) {
          out(
            `${file}: valid (${sizeSummary(size.bytes)}); dry run: would write ${parameter}${options.type ? ` as ${options.type}` : ""}\n`,
          );
          return;
        }
        const version = await withSsm(ctx, async (ssm) => {
          const { GetParameterCommand, PutParameterCommand } = await import("@aws-sdk/client-ssm");
          // Keep an existing parameter's type (a SecureString must not silently become a String).
          let type = options.type;
          if (!type) {
            try {
              const existing = await ssm.send(new GetParameterCommand({ Name: parameter }));
              type = existing.Parameter?.Type === "SecureString" ? "SecureString" : "String";
            } catch (error) {
              if ((error as Error).name !== "ParameterNotFound") throw error;
              type = "String";
            }
          }
          const output = await ssm.send(
            new PutParameterCommand({
              Name: parameter,
              Value: text,
              Type: type,
              Overwrite: true,
              ...(options.tier ? { Tier: options.tier } : {}),
              Description: "ecsmon MonitoringSpec (ecsmon spec apply)",
            }),
          );
          return output.Version;
        });
        out(
          `${parameter}: version ${version ?? "unknown"} (${plural(result.spec.spec.clusters.length, "cluster")}, ${sizeSummary(size.bytes)})\n`,
        );
      },
    );

  spec
    .command("get")
    .description("Print the spec stored in SSM (GetParameter with decryption)")
    .option("--parameter <name>", PARAMETER_HELP)
    .option("--json", "print version, validity, errors and the parsed spec with defaults applied, as JSON")
    .addHelpText(
      "after",
      "\nWithout --json the stored text is printed as is.\nExit codes: 0 found, 1 not found or SSM error, 2 usage error.",
    )
    .action(async (options: ParameterOptions & { json?: boolean }) => {
      const ctx = createCliContext(program, "cli");
      const parameter = parameterName(ctx, options);
      const stored = await readParameter(ctx, parameter);
      if (!stored) {
        err(`ecsmon: parameter ${parameter} not found\n`);
        process.exitCode = 1;
        return;
      }
      if (!options.json) {
        out(stored.text.endsWith("\n") ? stored.text : `${stored.text}\n`);
        return;
      }
      const result = parseSpec(stored.text, { source: `ssm:${parameter}` });
      out(
        `${JSON.stringify(
          {
            parameter,
            version: stored.version,
            type: stored.type,
            lastModified: stored.lastModified?.toISOString(),
            bytes: Buffer.byteLength(stored.text, "utf8"),
            valid: result.ok,
            errors: result.ok ? [] : result.errors,
            spec: result.ok ? result.spec : undefined,
          },
          null,
          2,
        )}\n`,
      );
    });

  spec
    .command("diff")
    .description("Compare a spec file with the spec stored in SSM, field by field after defaults")
    .argument("<file>", 'spec file (YAML or JSON), or "-" for stdin')
    .option("--parameter <name>", PARAMETER_HELP)
    .addHelpText(
      "after",
      `
Both specs are parsed and defaulted first, so comments, formatting, key order and fields spelled out at their
default values are not differences. Each line reads stored → file:
  ~ spec.clusters[0].scrape.interval: "15s" → "30s"
  + spec.clusters[0].region: "eu-west-1"
  - spec.clusters[1]: {...}
Exit codes (as diff(1)): 0 no differences, 1 differences (or no parameter yet), 2 trouble: usage error,
invalid spec file, invalid stored spec, SSM error.`,
    )
    .action(async (file: string, options: ParameterOptions) => {
      const ctx = createCliContext(program, "cli");
      const parameter = parameterName(ctx, options);
      const local = parseSpec(readSpecFile(file), { source: sourceName(file) });
      if (!local.ok) {
        printErrors(local);
        process.exitCode = 2;
        return;
      }
      let stored: StoredParameter | undefined;
      try {
        stored = await readParameter(ctx, parameter);
      } catch (error) {
        err(`ecsmon: ${(error as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      if (!stored) {
        out(`parameter ${parameter} not found: everything in ${file} is new\n`);
        process.exitCode = 1;
        return;
      }
      const remote = parseSpec(stored.text, { source: `ssm:${parameter}` });
      if (!remote.ok) {
        printErrors(remote);
        err(`the spec stored in ${parameter} (version ${stored.version}) is invalid; cannot compare\n`);
        process.exitCode = 2;
        return;
      }
      const changes = diffSpecs(remote.spec, local.spec);
      if (changes.length === 0) {
        out(`no differences between ${parameter} (version ${stored.version}) and ${file}\n`);
        process.exitCode = 0;
        return;
      }
      out(`--- ${parameter} (version ${stored.version})\n+++ ${file}\n`);
      for (const change of changes) out(`${formatSpecChange(change)}\n`);
      process.exitCode = 1;
    });
}

interface StoredParameter {
  text: string;
  version: number;
  type: string | undefined;
  lastModified: Date | undefined;
}

function sourceName(file: string): string {
  return file === "-" ? "<stdin>" : file;
}

function parameterName(ctx: CliContext, options: ParameterOptions): string {
  const name = options.parameter ?? ctx.config.controller.specParameter;
  if (!name) throw new UsageError("--parameter must not be empty");
  return name;
}

/** Reads `file` (or stdin for "-"); a missing or unreadable file is a usage error (exit 2). */
function readSpecFile(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (error as Error).message;
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
}

async function withSsm<T>(ctx: CliContext, fn: (ssm: SSMClient) => Promise<T>): Promise<T> {
  // Loaded on demand: `validate` and `schema` need no AWS SDK, and every CLI start pays for what it imports.
  const { createAwsClients } = await import("../../lib/aws/clients.js");
  const clients = createAwsClients({
    region: ctx.config.aws.region,
    endpointUrl: ctx.config.aws.endpointUrl,
    maxAttempts: ctx.config.aws.maxAttempts,
    credentials: ctx.config.aws.credentials,
  });
  try {
    return await fn(clients.ssm);
  } catch (error) {
    const e = error as Error;
    throw new Error(`SSM: ${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message}`);
  } finally {
    clients.destroy();
  }
}

/** The stored parameter, or `undefined` when it does not exist. Other SSM errors throw. */
async function readParameter(ctx: CliContext, parameter: string): Promise<StoredParameter | undefined> {
  return withSsm(ctx, async (ssm) => {
    const { GetParameterCommand } = await import("@aws-sdk/client-ssm");
    try {
      const output = await ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
      const p = output.Parameter;
      return { text: p?.Value ?? "", version: p?.Version ?? 0, type: p?.Type, lastModified: p?.LastModifiedDate };
    } catch (error) {
      if ((error as Error).name === "ParameterNotFound") return undefined;
      throw error;
    }
  });
}

function printErrors(result: Extract<ParseSpecResult, { ok: false }>): void {
  for (const error of result.errors) err(`${formatSpecError(error)}\n`);
}

function sizeSummary(bytes: number): string {
  const tier =
    bytes <= 4_096 ? "fits the Standard tier" : bytes <= 8_192 ? "needs the Advanced tier" : "too large for SSM";
  return `${bytes.toLocaleString("en-US")} bytes, ${tier}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function out(text: string): void {
  process.stdout.write(text);
}

function err(text: string): void {
  process.stderr.write(text);
}
