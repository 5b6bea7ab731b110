import type { Command } from "commander";

/** Placeholder until issue 2 delivers `ecsmon spec`. */
export function registerSpecCommand(program: Command): void {
  program
    .command("spec")
    .description("(not yet implemented: issue 2)")
    .action(() => {
      throw new Error("`ecsmon spec` is not implemented yet (issue 2)");
    });
}
