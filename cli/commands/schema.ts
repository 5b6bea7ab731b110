import { type Command, Option } from "commander";
import {
  renderJsonSchema,
  SCHEMA_CONTRACT_NAMES,
  SCHEMA_CONTRACTS,
  type SchemaContractName,
} from "../../crds-like-schemas/index.js";

/**
 * `ecsmon schema`: prints the JSON Schema (draft 2020-12) of the MonitoringSpec, of a Redis contract or of a
 * status API answer.
 */
export function registerSchemaCommand(program: Command): void {
  program
    .command("schema")
    .description("Print the JSON Schema of the MonitoringSpec, of a job/report contract or of a status API answer")
    .addOption(
      new Option("--contract <name>", "which schema to print")
        .choices(SCHEMA_CONTRACT_NAMES)
        .default("monitoring-spec"),
    )
    .option("--list", "list the contract names instead")
    .addHelpText(
      "after",
      `
The schemas are generated from the zod schemas in crds-like-schemas/ (the same files are committed under
crds-like-schemas/generated/). The MonitoringSpec schema describes what you write (fields with defaults are
optional); the contracts describe what crosses Redis, and the api-* ones what the status API answers. Use it for
editor completion, e.g. in VS Code YAML:
  # yaml-language-server: $schema=./monitoring-spec.schema.json`,
    )
    .action((options: { contract: SchemaContractName; list?: boolean }) => {
      if (options.list) {
        for (const name of SCHEMA_CONTRACT_NAMES) process.stdout.write(`${name}\t${SCHEMA_CONTRACTS[name].title}\n`);
        return;
      }
      process.stdout.write(renderJsonSchema(options.contract));
    });
}
