import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root (the folder holding package.json), whether running from sources (vitest) or from dist/. */
export const packageRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("ecsmon: cannot locate package.json above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
})();

/** Resolves a path relative to the package root, e.g. `fromRoot("sim/scenarios/demo.yaml")`. */
export function fromRoot(...parts: string[]): string {
  return join(packageRoot, ...parts);
}
