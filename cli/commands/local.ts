import type { Command } from "commander";

/** Placeholder until issue 8 delivers `ecsmon local`. */
export function registerLocalCommand(program: Command): void {
  program
    .command("local")
    .description("(not yet implemented: issue 8)")
    .action(() => {
      throw new Error("`ecsmon local` is not implemented yet (issue 8)");
    });
}
