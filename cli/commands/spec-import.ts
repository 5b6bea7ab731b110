import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type Command, Option } from "commander";
import { formatSpecError } from "../../crds-like-schemas/index.js";
import { createCliContext, UsageError } from "../context.js";
import { type ImportInput, ImportParseError, type ImportPlan } from "../spec-import/import-plan.js";
import { NAMESPACES_PARAMETER, PROMETHEUS_CONFIG_PARAMETER } from "../spec-import/prometheus-for-ecs.js";
import { findSource, IMPORT_SOURCES, type ImportSource } from "../spec-import/sources.js";
import { buildSpec } from "../spec-import/spec-builder.js";
import { readParameter } from "./spec-ssm.js";

interface ImportOptions {
  from: string;
  cluster?: string;
  output?: string;
  merge?: string;
  ssm?: boolean;
  sdUrl?: string;
  taskSize?: string;
  companions?: string;
}

/**
 * `ecsmon spec import --from <tool> [inputs…]`: one replaced tool's configuration → a MonitoringSpec with a
 * comment naming the source of each value. Exit 0 with warnings when some values cannot be carried over (each
 * listed with the reason), 1 when an input cannot be parsed (naming the line) or the result would be invalid,
 * 2 on usage errors.
 */
export function registerSpecImportCommand(spec: Command, program: Command): void {
  spec
    .command("import")
    .description("Turn a replaced tool's configuration into a MonitoringSpec (one tool per run)")
    .argument("[inputs...]", 'input files ("-" for stdin), or the tool\'s own command line after --')
    .addOption(
      new Option("--from <tool>", "the tool the inputs belong to")
        .choices(IMPORT_SOURCES.map((s) => s.name))
        .makeOptionMandatory(),
    )
    .option("--cluster <name>", 'cluster to write the values to (default: the one the input names, else "default")')
    .option("-o, --output <file>", "write the spec here instead of stdout")
    .option("--merge <file>", "add to this existing spec, keeping its comments")
    .option(
      "--companions <dir>",
      "where companion files go (Prometheus config, CloudWatch alarm); default: the -o directory, else .",
    )
    .option("--ssm", `prometheus-for-ecs: read ${PROMETHEUS_CONFIG_PARAMETER} and ${NAMESPACES_PARAMETER} from SSM`)
    .option(
      "--sd-url <url>",
      "prometheus-for-ecs: ecsmon's http_sd URL as Prometheus reaches it (default http://127.0.0.1:9470/sd/prometheus)",
    )
    .option(
      "--task-size <name=cpu/memory[/awsvpc]>",
      "eni-monitor: alarm on SchedulableTasks of this task size instead of RemainingENIs",
    )
    .addHelpText(
      "after",
      () => `\nSources:\n${IMPORT_SOURCES.map(sourceHelp).join("\n")}\n
Values that cannot be carried over are listed on stderr with the reason (exit 0). Input that cannot be parsed
exits 1 naming the file and line. See docs/migration.md for what changes in behaviour.`,
    )
    .action(async (inputs: string[], options: ImportOptions) => {
      const source = findSource(options.from) as ImportSource;
      let texts: ImportInput[];
      if (options.ssm) {
        if (source.name !== "prometheus-for-ecs")
          throw new UsageError("--ssm applies to --from prometheus-for-ecs only");
        if (inputs.length > 0) throw new UsageError("give either --ssm or input files, not both");
        texts = await readSsmInputs(program);
      } else texts = readInputs(source, inputs);
      if (texts.length === 0) throw new UsageError(`--from ${source.name} needs input: ${source.inputs}`);
      const command =
        `ecsmon spec import --from ${source.name}${options.ssm ? " --ssm" : ""} ${texts.map((t) => t.name).join(" ")}`.trim();
      try {
        const plan = source.run(texts, { cluster: options.cluster, sdUrl: options.sdUrl, taskSize: options.taskSize });
        const merge = options.merge ? { name: options.merge, text: readText(options.merge) } : undefined;
        const built = buildSpec(plan, { cluster: options.cluster, merge, command });
        if (!built.ok) {
          for (const error of built.errors) err(`${formatSpecError(error)}\n`);
          err(`ecsmon: the imported spec would be invalid (${built.errors.length} error(s)); nothing written\n`);
          process.exitCode = 1;
          return;
        }
        if (options.output) writeFileSync(options.output, built.text);
        else process.stdout.write(built.text);
        const companionDir = options.companions ?? (options.output ? dirname(options.output) : ".");
        report(plan, built.notes, built.unconverted, companionDir, options.output);
      } catch (error) {
        if (!(error instanceof ImportParseError)) throw error;
        err(`ecsmon: cannot import ${error.message}\n`);
        process.exitCode = 1;
      }
    });
}

function sourceHelp(source: ImportSource): string {
  return `  ${source.name.padEnd(25)} seed ${source.seed}: ${source.title}\n${" ".repeat(27)}input: ${source.inputs}\n${" ".repeat(27)}e.g. ${source.example}`;
}

/** Files (or stdin), or — for tools read from their command line — the words after `--` as one input. */
function readInputs(source: ImportSource, inputs: string[]): ImportInput[] {
  if (source.takesCommandLine && inputs.some((input) => input.startsWith("-") && input !== "-"))
    return [{ name: "<command line>", text: inputs.map(shellWord).join(" ") }];
  return inputs.map((file) => ({ name: file === "-" ? "<stdin>" : file, text: readText(file) }));
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/(["\\$`])/g, "\\$1")}"`;
}

function readText(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
}

async function readSsmInputs(program: Command): Promise<ImportInput[]> {
  const ctx = createCliContext(program, "cli");
  const texts: ImportInput[] = [];
  for (const name of [PROMETHEUS_CONFIG_PARAMETER, NAMESPACES_PARAMETER]) {
    const stored = await readParameter(ctx, name);
    if (!stored) throw new ImportParseError(`ssm:${name}`, 1, "parameter not found");
    texts.push({ name: `ssm:${name}`, text: stored.text });
  }
  return texts;
}

/** The summary on stderr: companion files written, notes, and each value not carried over with its reason. */
function report(
  plan: ImportPlan,
  notes: readonly string[],
  unconverted: ImportPlan["unconverted"],
  companionDir: string,
  output: string | undefined,
): void {
  if (output) err(`wrote ${output}\n`);
  for (const companion of plan.companions) {
    const path = join(companionDir, companion.fileName);
    writeFileSync(path, companion.text);
    err(`wrote ${path}: ${companion.description}\n`);
  }
  for (const note of notes) err(`note: ${note}\n`);
  for (const item of unconverted) err(`warning: not carried over: ${item.value}: ${item.reason}\n`);
}

function err(text: string): void {
  process.stderr.write(text);
}
