import type { Command } from "commander";

/** Placeholder until issue 2 delivers `ecsmon schema`. */
export function registerSchemaCommand(program: Command): void {
  program
    .command("schema")
    .description("(not yet implemented: issue 2)")
    .action(() => {
      throw new Error("`ecsmon schema` is not implemented yet (issue 2)");
    });
}
