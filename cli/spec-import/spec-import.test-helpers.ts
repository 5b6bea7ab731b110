import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { isNode, parseDocument } from "yaml";
import { type MonitoringSpec, parseSpec } from "../../crds-like-schemas/index.js";
import { fromRoot } from "../../lib/paths.js";
import type { ImportPlan } from "./import-plan.js";
import { type BuildOptions, buildSpec } from "./spec-builder.js";

/** The seeds are the reference inputs: their READMEs, copied verbatim to test/fixtures/seeds. */
export function seedText(prefix: string): string {
  return readFileSync(fromRoot(`test/fixtures/seeds/${prefix}.md`), "utf8");
}

/** The first fenced code block of the seed that contains `marker`, as the README shows it. */
export function seedBlock(prefix: string, marker: string): string {
  const blocks = [...seedText(prefix).matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  const block = blocks.find((b) => b.includes(marker));
  if (!block) throw new Error(`seed ${prefix} has no code block containing ${JSON.stringify(marker)}`);
  return block;
}

/**
 * Builds the spec, checks it with parseSpec AND with the built CLI's `ecsmon spec validate` when dist/ exists
 * (`npm test` builds first), and checks that every imported value has a comment naming its source right above
 * its key.
 */
export function buildValid(
  plan: ImportPlan,
  options: Partial<BuildOptions> = {},
): { text: string; spec: MonitoringSpec; result: Extract<ReturnType<typeof buildSpec>, { ok: true }> } {
  const result = buildSpec(plan, { command: `ecsmon spec import --from ${plan.tool}`, ...options });
  if (!result.ok) throw new Error(`invalid spec: ${JSON.stringify(result.errors)}`);
  const parsed = parseSpec(result.text);
  expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
  validateWithCli(result.text);
  const doc = parseDocument(result.text);
  const clusters = doc.getIn(["spec", "clusters"], true) as { items: { get(key: string): unknown }[] };
  const index = clusters.items.findIndex(
    (c) => c.get("name") === (parsed as { spec: MonitoringSpec }).spec.spec.clusters.at(-1)?.name,
  );
  const kept = (list: ImportPlan["clusterValues"]) =>
    list.filter((v) => !result.unconverted.some((u) => u.value.startsWith(v.from)));
  for (const [prefix, list] of [
    [["spec", "clusters", index], kept(plan.clusterValues)],
    [["spec", "outputs"], kept(plan.outputValues)],
  ] as const) {
    for (const value of list) {
      const path = [...prefix, ...value.path];
      const got = doc.getIn(path);
      expect(isNode(got) ? got.toJSON() : got, path.join(".")).toEqual(value.value);
      const parent = doc.getIn(path.slice(0, -1), true) as { items: { key: { value: unknown; range: number[] } }[] };
      const key = parent.items.find((p) => p.key.value === path.at(-1))?.key;
      expect(commentsAbove(result.text, key?.range[0] ?? 0), `comment above ${path.join(".")}`).toContain(
        `# ${value.from}`,
      );
    }
  }
  return { text: result.text, spec: (parsed as { spec: MonitoringSpec }).spec, result };
}

/** The comment lines directly above the line holding `offset`. */
function commentsAbove(text: string, offset: number): string {
  const lines = text.slice(0, offset).split("\n");
  lines.pop();
  const comments: string[] = [];
  while (lines.length > 0 && /^\s*#/.test(lines.at(-1) as string)) comments.unshift((lines.pop() as string).trim());
  return comments.join("\n");
}

function validateWithCli(text: string): void {
  const bin = fromRoot("dist/cli/ecsmon.js");
  try {
    readFileSync(bin);
  } catch {
    return; // unit runs without a build; `npm test` builds and runs this check
  }
  const dir = mkdtempSync(join(tmpdir(), "ecsmon-import-"));
  try {
    writeFileSync(join(dir, "spec.yaml"), text);
    const run = spawnSync(process.execPath, [bin, "spec", "validate", join(dir, "spec.yaml")], { encoding: "utf8" });
    expect(run.status, `ecsmon spec validate: ${run.stdout}${run.stderr}`).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
