import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import {
  checkSsmSize,
  diffSpecs,
  formatSpecChange,
  formatSpecError,
  type ParseSpecResult,
  parseSpec,
  type SpecFormat,
  SSM_TIERS,
  type SsmTier,
} from "../../crds-like-schemas/index.js";
import { type CliContext, createCliContext, UsageError } from "../context.js";
import { registerSpecImportCommand } from "./spec-import.js";
import { readParameter, type StoredParameter, writeParameter } from "./spec-ssm.js";

const PARAMETER_HELP = "SSM parameter name (default: $ECSMON_SPEC_PARAMETER, then /ecsmon/spec)";

interface ParameterOptions {
  parameter?: string;
}

/** `ecsmon spec validate|apply|get|diff|import`: the MonitoringSpec and its SSM parameter. */
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
    .description("Check a spec file: schema, cross-field rules and the SSM size limit of a tier")
    .argument("<file>", 'spec file (YAML, or JSON when it ends in .json), or "-" for stdin')
    .addOption(new Option("--tier <tier>", "SSM tier whose size limit applies").choices(SSM_TIERS).default("Standard"))
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
Exit codes: 0 valid and within the tier's size limit (what \`spec apply --tier <tier>\` accepts),
1 invalid, or valid but too large for the tier, 2 usage error (e.g. no such file).`,
    )
    .action((file: string, options: { tier: SsmTier; json?: boolean }) => {
      createCliContext(program, "cli");
      const name = sourceName(file);
      const text = readSpecFile(file);
      const result = parseSpec(text, { source: name, format: formatOf(file) });
      const size = checkSsmSize(text, options.tier);
      if (options.json) {
        out(
          `${JSON.stringify(
            {
              file: name,
              valid: result.ok,
              errors: result.ok ? [] : result.errors,
              bytes: size.bytes,
              tier: options.tier,
              fitsTier: size.ok,
              requiredTier: size.requiredTier ?? null,
              sizeMessage: size.message || undefined,
            },
            null,
            2,
          )}\n`,
        );
      } else if (!result.ok) {
        printErrors(result);
        err(`${name}: invalid (${plural(result.errors.length, "error")})\n`);
      } else if (!size.ok) {
        err(`${name}: the spec is valid, but too large for the SSM ${options.tier} tier: ${size.message}\n`);
      } else {
        out(`${name}: valid (${plural(result.spec.spec.clusters.length, "cluster")}, ${sizeSummary(size.bytes)})\n`);
      }
      process.exitCode = result.ok && size.ok ? 0 : 1;
    });

  spec
    .command("apply")
    .description("Validate a spec file and store it in SSM (PutParameter, Overwrite); prints the new version")
    .argument("<file>", 'spec file (YAML, or JSON when it ends in .json), or "-" for stdin')
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
    .option("--json", "print the outcome as JSON: parameter, stored, version, type, bytes, errors")
    .addHelpText(
      "after",
      `
An invalid spec is refused and nothing is written. The text is stored as written (comments included), so the
SSM size limits apply to it: 4 KB in the Standard tier, 8 KB in the Advanced tier.
Exit codes: 0 stored (or valid with --dry-run), 1 invalid, too large or SSM error, 2 usage error.
Example (the simulator takes any static keys):
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\
    ecsmon --endpoint-url http://127.0.0.1:4566 spec apply crds-like-schemas/examples/full.yaml`,
    )
    .action(
      async (
        file: string,
        options: ParameterOptions & {
          tier?: SsmTier;
          type?: "String" | "SecureString";
          dryRun?: boolean;
          json?: boolean;
        },
      ) => {
        const ctx = createCliContext(program, "cli");
        const parameter = parameterName(ctx, options);
        const name = sourceName(file);
        const text = readSpecFile(file);
        const result = parseSpec(text, { source: name, format: formatOf(file) });
        const size = checkSsmSize(text, options.tier ?? "Standard");
        const report = (fields: Record<string, unknown>) =>
          out(`${JSON.stringify({ file: name, parameter, bytes: size.bytes, ...fields }, null, 2)}\n`);
        if (!result.ok) {
          if (options.json) report({ stored: false, valid: false, errors: result.errors });
          else {
            printErrors(result);
            err(`${name}: invalid (${plural(result.errors.length, "error")}); refusing to store it in ${parameter}\n`);
          }
          process.exitCode = 1;
          return;
        }
        if (!size.ok) {
          if (options.json) report({ stored: false, valid: true, errors: [], sizeMessage: size.message });
          else err(`${name}: the spec is valid, but ${size.message}\n`);
          process.exitCode = 1;
          return;
        }
        const clusters = result.spec.spec.clusters.length;
        if (options.dryRun) {
          if (options.json) report({ stored: false, dryRun: true, valid: true, errors: [], clusters });
          else
            out(
              `${name}: valid (${sizeSummary(size.bytes)}); dry run: would write ${parameter}${options.type ? ` as ${options.type}` : ""}\n`,
            );
          return;
        }
        let written: Awaited<ReturnType<typeof writeParameter>>;
        try {
          written = await writeParameter(ctx, parameter, text, { type: options.type, tier: options.tier });
        } catch (error) {
          if (!options.json) throw error;
          report({ stored: false, valid: true, errors: [], error: (error as Error).message });
          process.exitCode = 1;
          return;
        }
        if (options.json) {
          report({
            stored: true,
            valid: true,
            errors: [],
            version: written.version ?? null,
            type: written.type,
            clusters,
          });
          return;
        }
        out(
          `${parameter}: version ${written.version ?? "unknown"} (${plural(clusters, "cluster")}, ${sizeSummary(size.bytes)})\n`,
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
    .argument("<file>", 'spec file (YAML, or JSON when it ends in .json), or "-" for stdin')
    .option("--parameter <name>", PARAMETER_HELP)
    .option("--json", "print {parameter, version, found, identical, changes: [{op, path, before, after}]} as JSON")
    .addHelpText(
      "after",
      `
Both specs are parsed and defaulted first, so comments, formatting, key order and fields spelled out at their
default values are not differences. Each line reads stored → file:
  ~ spec.clusters[0].scrape.interval: "15s" → "30s"
  + spec.clusters[0].region: "eu-west-1"
  - spec.clusters[1]: {...}
Exit codes (as diff(1)): 0 no differences, 1 differences (or no parameter yet), 2 trouble: usage error,
invalid spec file, invalid stored spec, SSM error. With --json the same codes apply; errors go to stderr.`,
    )
    .action(async (file: string, options: ParameterOptions & { json?: boolean }) => {
      const ctx = createCliContext(program, "cli");
      const parameter = parameterName(ctx, options);
      const name = sourceName(file);
      const local = parseSpec(readSpecFile(file), { source: name, format: formatOf(file) });
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
      const report = (fields: Record<string, unknown>) =>
        out(`${JSON.stringify({ file: name, parameter, ...fields }, null, 2)}\n`);
      if (!stored) {
        if (options.json) report({ found: false, version: null, identical: false, changes: [] });
        else out(`parameter ${parameter} not found: everything in ${name} is new\n`);
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
      process.exitCode = changes.length === 0 ? 0 : 1;
      if (options.json) {
        report({ found: true, version: stored.version, identical: changes.length === 0, changes });
        return;
      }
      if (changes.length === 0) {
        out(`no differences between ${parameter} (version ${stored.version}) and ${name}\n`);
        return;
      }
      out(`--- ${parameter} (version ${stored.version})\n+++ ${name}\n`);
      for (const change of changes) out(`${formatSpecChange(change)}\n`);
    });

  registerSpecImportCommand(spec, program);
}

/** How a spec is named in messages: the file name, or `<stdin>` for "-". */
function sourceName(file: string): string {
  return file === "-" ? "<stdin>" : file;
}

/** A `.json` file is parsed strictly as JSON (a trailing comma is an error); anything else as YAML. */
function formatOf(file: string): SpecFormat {
  return file.toLowerCase().endsWith(".json") ? "json" : "yaml";
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
