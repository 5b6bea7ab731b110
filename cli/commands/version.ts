import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { fromRoot } from "../../lib/paths.js";

/** What `ecsmon version` reports. */
export interface VersionInfo {
  /** package.json's version. */
  version: string;
  /** The git commit the build came from (scripts/post-build.mjs), or "unknown" (e.g. running from sources). */
  commit: string;
  /** The running Node.js, e.g. "v24.1.0". */
  node: string;
}

/** Reads the version from package.json and the commit from dist/build-info.json, written at build time. */
export function versionInfo(): VersionInfo {
  return { version: packageVersion(), commit: buildCommit(), node: process.version };
}

/** `ecsmon 0.1.0 (commit 1a2b3c…, node v24.1.0)`: the `--version` line. */
export function formatVersion(info: VersionInfo): string {
  return `ecsmon ${info.version} (commit ${info.commit}, node ${info.node})`;
}

/** `ecsmon version [--json]`. */
export function registerVersionCommand(program: Command): void {
  program
    .command("version")
    .description("Print ecsmon's version, the git commit it was built from and the Node.js version")
    .option("--json", 'print {"version", "commit", "node"} as JSON')
    .action((options: { json?: boolean }) => {
      const info = versionInfo();
      process.stdout.write(
        options.json
          ? `${JSON.stringify(info)}\n`
          : `ecsmon ${info.version}\ncommit ${info.commit}\nnode   ${info.node}\n`,
      );
    });
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(fromRoot("package.json"), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}

function buildCommit(): string {
  try {
    const info = JSON.parse(readFileSync(fromRoot("dist", "build-info.json"), "utf8")) as { commit?: unknown };
    return typeof info.commit === "string" && info.commit !== "" ? info.commit : "unknown";
  } catch {
    return "unknown";
  }
}
