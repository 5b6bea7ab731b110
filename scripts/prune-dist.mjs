// After tsc: deletes compiled files in dist/ whose TypeScript source is gone or is test material (a moved or
// deleted module, a *.test.ts or *.test-helpers.ts, anything under test/). tsc never removes outputs, and dist/
// is not emptied before a build because running processes and tests may be using it; so a file moved out of
// the shipped folders (e.g. a test fixture) would otherwise stay in dist and in the package.
import { existsSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");

/** The source a compiled file came from, or undefined when it is not a tsc output (assets, build-info.json). */
function sourceOf(file) {
  const rel = relative(dist, file);
  const match = /^(.*)\.js(\.map)?$/.exec(rel);
  return match ? join(root, `${match[1]}.ts`) : undefined;
}

function isTestMaterial(rel) {
  return rel.split(sep)[0] === "test" || /\.test(-helpers)?\.js(\.map)?$/.test(rel);
}

let removed = 0;
function prune(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      prune(path);
      if (readdirSync(path).length === 0) rmdirSync(path);
      continue;
    }
    const source = sourceOf(path);
    if (source === undefined) continue;
    if (isTestMaterial(relative(dist, path)) || !existsSync(source)) {
      rmSync(path);
      removed++;
    }
  }
}

if (existsSync(dist)) prune(dist);
if (removed > 0) process.stdout.write(`prune-dist: removed ${removed} stale or test file(s) from dist/\n`);
