import type { Command } from "commander";

/** Placeholder until issue 3 delivers `ecsmon sim`. */
export function registerSimCommand(program: Command): void {
  program
    .command("sim")
    .description("(not yet implemented: issue 3)")
    .action(() => {
      throw new Error("`ecsmon sim` is not implemented yet (issue 3)");
    });
}
