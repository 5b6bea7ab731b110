import type { Command } from "commander";

/** Placeholder until issue 4 delivers `ecsmon controller`. */
export function registerControllerCommand(program: Command): void {
  program
    .command("controller")
    .description("(not yet implemented: issue 4)")
    .action(() => {
      throw new Error("`ecsmon controller` is not implemented yet (issue 4)");
    });
}
