#!/usr/bin/env node
// `npm run check:layers [-- --root DIR]`: fails (exit 1) when a module imports across a layer boundary, listing
// every offending import as `file:line: imports "specifier" (folder/): rule`. The layers point inward:
//
//   lib/                  shared facts and helpers; imports no app folder
//   crds-like-schemas/    cross-process contracts; imports only lib/
//   sim/                  the AWS simulator; never the product (controller/, agents/, cli/)
//   controller/, agents/  the two processes; neither imports the other, nor cli/ (controller/ not sim/ either)
//   cli/, charts/, bench/ the outer ring
//   test/                 test material; nothing shipped (nor bench/) imports it
//
// Test material (`*.test.ts`, `*.test-helpers.ts`, anything under test/) may import any layer; outside it, no
// file imports a `*.test.ts` or `*.test-helpers.ts`. Only relative specifiers are checked (packages are not
// layers). The check reads import/export-from/dynamic import() specifiers as text: it runs in well under a second,
// with no build and no dependency. test/static/check-layers.test.ts runs it on a tree with deliberate violations.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The folders checked, and for each the top-level folders its (non-test) modules must not import. */
const APP_FOLDERS = ["cli", "controller", "agents", "sim", "bench", "charts", "crds-like-schemas", "test"];
export const FORBIDDEN = {
  lib: { folders: APP_FOLDERS, rule: "lib/ imports nothing from the app folders" },
  "crds-like-schemas": {
    folders: APP_FOLDERS.filter((f) => f !== "crds-like-schemas"),
    rule: "crds-like-schemas/ imports only lib/",
  },
  sim: {
    folders: ["controller", "agents", "cli", "bench", "charts", "test"],
    rule: "sim/ must not import the product",
  },
  controller: {
    folders: ["agents", "cli", "sim", "bench", "charts", "test"],
    rule: "controller/ must not import agents/, cli/ or sim/",
  },
  agents: {
    folders: ["controller", "cli", "sim", "bench", "charts", "test"],
    rule: "agents/ must not import controller/ or cli/",
  },
  cli: { folders: ["bench", "charts", "test"], rule: "production code must not import test/ or bench/" },
  charts: { folders: ["cli", "bench", "test"], rule: "charts/ must not import cli/, bench/ or test/" },
  bench: { folders: ["test"], rule: "bench/ must not import test/" },
};

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

export function isTestMaterial(path) {
  return path.split(sep)[0] === "test" || /\.test(-helpers)?\.[cm]?[jt]s$/.test(path);
}

function sourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts|mjs|js)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Every layer violation under `root`, as `{ file, line, specifier, target, rule }` (paths relative to root). */
export function findViolations(root) {
  const violations = [];
  for (const folder of Object.keys(FORBIDDEN)) {
    const dir = join(root, folder);
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
    for (const path of sourceFiles(dir)) {
      const file = relative(root, path);
      if (isTestMaterial(file)) continue;
      const text = readFileSync(path, "utf8");
      for (const match of text.matchAll(SPECIFIER)) {
        const specifier = match[1];
        if (!specifier.startsWith(".")) continue;
        const target = relative(root, resolve(dirname(path), specifier));
        const top = target.split(sep)[0];
        const line = text.slice(0, match.index).split("\n").length;
        let rule;
        if (FORBIDDEN[folder].folders.includes(top)) rule = FORBIDDEN[folder].rule;
        else if (isTestMaterial(target.replace(/\.js$/, ".ts")))
          rule = "only tests import *.test.ts or *.test-helpers.ts";
        if (rule) violations.push({ file, line, specifier, target: `${top}/`, rule });
      }
    }
  }
  return violations;
}

function main() {
  const rootFlag = process.argv.indexOf("--root");
  const root = resolve(
    rootFlag >= 0 ? process.argv[rootFlag + 1] : join(dirname(fileURLToPath(import.meta.url)), ".."),
  );
  const violations = findViolations(root);
  for (const v of violations) {
    process.stderr.write(`${v.file}:${v.line}: imports "${v.specifier}" (${v.target}): ${v.rule}\n`);
  }
  if (violations.length > 0) {
    process.stderr.write(`check:layers: ${violations.length} cross-layer import(s)\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write("check:layers: no cross-layer imports\n");
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
