import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const SCRIPT = join(ROOT, "scripts/check-layers.mjs");
const roots: string[] = [];

/** A throwaway tree: `files` maps a path to its text. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "ecsmon-layers-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function run(root: string) {
  const out = spawnSync(process.execPath, [SCRIPT, "--root", root], { encoding: "utf8" });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** Modules every tree has, all pointing inward. */
const CLEAN = {
  "lib/arn.ts": 'export const arn = "";\n',
  "crds-like-schemas/contracts.ts": 'import { arn } from "../lib/arn.js";\nexport const c = arn;\n',
  "controller/observe.ts": 'import { c } from "../crds-like-schemas/contracts.js";\nexport const o = c;\n',
  "agents/agent.ts": 'import { arn } from "../lib/arn.js";\nexport const a = arn;\n',
  "cli/main.ts":
    'import { o } from "../controller/observe.js";\nimport { a } from "../agents/agent.js";\nvoid [o, a];\n',
  "bench/run.ts": 'import { o } from "../controller/observe.js";\nvoid o;\n',
  "test/helpers/until.ts": "export const until = 1;\n",
  "controller/observe.test.ts":
    'import { until } from "../test/helpers/until.js";\nimport { a } from "../agents/agent.js";\nvoid [until, a];\n',
};

describe("check-layers", () => {
  it("passes a tree whose imports point inward (tests may import anything)", () => {
    const out = run(tree(CLEAN));
    expect(out.stderr).toBe("");
    expect(out.stdout).toBe("check:layers: no cross-layer imports\n");
    expect(out.status).toBe(0);
  });

  it.each([
    [
      "agents/capacity.ts",
      'import { x } from "../controller/observe.js";\n',
      'agents/capacity.ts:1: imports "../controller/observe.js" (controller/): agents/ must not import controller/ or cli/',
    ],
    [
      "controller/dispatch.ts",
      'export { a } from "../agents/agent.js";\n',
      'controller/dispatch.ts:1: imports "../agents/agent.js" (agents/): controller/ must not import agents/, cli/ or sim/',
    ],
    [
      "controller/wiring.ts",
      'const sim = await import("../sim/index.js");\n',
      'controller/wiring.ts:1: imports "../sim/index.js" (sim/): controller/ must not import agents/, cli/ or sim/',
    ],
    [
      "lib/aws/limits.ts",
      '// a comment line\nimport {\n  o,\n} from "../../controller/observe.js";\n',
      'lib/aws/limits.ts:4: imports "../../controller/observe.js" (controller/): lib/ imports nothing from the app folders',
    ],
    [
      "crds-like-schemas/keys.ts",
      'import type { o } from "../controller/observe.js";\n',
      'crds-like-schemas/keys.ts:1: imports "../controller/observe.js" (controller/): crds-like-schemas/ imports only lib/',
    ],
    [
      "sim/state/store.ts",
      'import "../../agents/agent.js";\n',
      'sim/state/store.ts:1: imports "../../agents/agent.js" (agents/): sim/ must not import the product',
    ],
    [
      "bench/dispatch.ts",
      'import { until } from "../test/helpers/until.js";\n',
      'bench/dispatch.ts:1: imports "../test/helpers/until.js" (test/): bench/ must not import test/',
    ],
    [
      "cli/doctor.ts",
      'import { until } from "../test/helpers/until.js";\n',
      'cli/doctor.ts:1: imports "../test/helpers/until.js" (test/): production code must not import test/ or bench/',
    ],
    [
      "controller/plan/plan.ts",
      'import { f } from "./fixtures.test-helpers.js";\n',
      'controller/plan/plan.ts:1: imports "./fixtures.test-helpers.js" (controller/): only tests import *.test.ts or *.test-helpers.ts',
    ],
  ])("fails on %s with a deliberate violation, naming the file, line and rule", (path, text, message) => {
    const out = run(tree({ ...CLEAN, [path]: text }));
    expect(out.status).toBe(1);
    expect(out.stderr).toBe(`${message}\ncheck:layers: 1 cross-layer import(s)\n`);
  });

  it("passes the repository itself", () => {
    const out = run(ROOT);
    expect(out.stderr).toBe("");
    expect(out.status).toBe(0);
  });
});
