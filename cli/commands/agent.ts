import type { Command } from "commander";

/** Placeholder until issue 5 delivers `ecsmon agent`. */
export function registerAgentCommand(program: Command): void {
  program
    .command("agent")
    .description("(not yet implemented: issue 5)")
    .action(() => {
      throw new Error("`ecsmon agent` is not implemented yet (issue 5)");
    });
}
