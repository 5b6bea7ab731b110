import type { Command } from "commander";

/** Placeholder until issue 4 delivers `ecsmon status`, `targets` and `explain`. */
export function registerStatusCommands(program: Command): void {
  program
    .command("status")
    .description("(not yet implemented: issue 4)")
    .action(() => {
      throw new Error("`ecsmon status` is not implemented yet (issue 4)");
    });
}
