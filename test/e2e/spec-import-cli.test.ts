import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { IMPORT_SOURCES } from "../../cli/spec-import/sources.js";
import { fromRoot } from "../../lib/paths.js";

/**
 * The BUILT `ecsmon spec import` as a child process: help, exit codes, files written, warnings on stderr. The
 * inputs are the seeds' documented examples (test/fixtures/seeds); each result is checked by `spec validate`.
 */

const CLI = fromRoot("dist", "cli", "ecsmon.js");
let dir: string;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  dir = mkdtempSync(join(tmpdir(), "ecsmon-import-cli-"));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function ecsmon(args: string[], stdin?: string, cwd = dir): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { cwd }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

const seedBlock = (name: string, marker: string) =>
  [...readFileSync(fromRoot(`test/fixtures/seeds/${name}.md`), "utf8").matchAll(/```[a-z]*\n([\s\S]*?)```/g)]
    .map((m) => m[1] as string)
    .find((b) => b.includes(marker)) as string;

describe("ecsmon spec import (built CLI)", () => {
  it("--help lists every source with an example", async () => {
    const help = await ecsmon(["spec", "import", "--help"]);
    expect(help.code).toBe(0);
    for (const source of IMPORT_SOURCES) {
      expect(help.stdout).toContain(`${source.name} `);
      expect(help.stdout).toContain(`e.g. ${source.example}`);
    }
    expect(IMPORT_SOURCES.map((s) => s.seed)).toEqual(["000", "001", "002", "003", "004"]);
  });

  it("seed 004's README command from a file: spec and alarm written, warnings listed, exit 0, spec validate accepts it", async () => {
    writeFileSync(join(dir, "alarm.sh"), seedBlock("004-eni-monitor", "put-metric-alarm"));
    const run = await ecsmon([
      "spec",
      "import",
      "--from",
      "eni-monitor",
      "alarm.sh",
      "--cluster",
      "prod",
      "-o",
      "eni.yaml",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("wrote ecsmon-alarm.json");
    expect(run.stderr).toContain("warning: not carried over: --unit count");
    expect(parse(readFileSync(join(dir, "eni.yaml"), "utf8")).spec.clusters[0].capacity.enabled).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, "ecsmon-alarm.json"), "utf8")).MetricName).toBe("RemainingENIs");
    const validate = await ecsmon(["spec", "validate", "eni.yaml"]);
    expect(validate.code, validate.stderr).toBe(0);
  });

  it("seed 003's flags after --, printed to stdout", async () => {
    const run = await ecsmon([
      "spec",
      "import",
      "--from",
      "prometheus-ecs-sd",
      "--",
      "-f",
      "/tmp/ecs_file_sd.yml",
      "-c",
      "prod",
      "-i",
      "60",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(parse(run.stdout).spec.outputs.fileSd.path).toBe("/tmp/ecs_file_sd.yml");
    expect(run.stderr).toContain("warning: not carried over: -i 60");
  });

  it("seed 000's README container list as printed: exit 1 naming the line of ...<snip>...; nothing written", async () => {
    const json = seedBlock("000-esp", '"name": "esp"');
    const line = json.split("\n").findIndex((l) => l.includes("...<snip>...")) + 1;
    const run = await ecsmon(["spec", "import", "--from", "esp", "-", "-o", "esp.yaml"], json);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`ecsmon: cannot import <stdin>:${line}: invalid JSON`);
    expect(existsSync(join(dir, "esp.yaml"))).toBe(false);
  });

  it("usage errors exit 2", async () => {
    expect((await ecsmon(["spec", "import", "--from", "nagios", "x"])).code).toBe(2);
    expect((await ecsmon(["spec", "import", "--from", "esp", "missing.env"])).code).toBe(2);
    expect((await ecsmon(["spec", "import", "--from", "esp"])).code).toBe(2);
  });
  it("the README's migration commands run as printed (seed 004's alarm as alarm.sh) and give a valid spec", async () => {
    const readme = readFileSync(fromRoot("README.md"), "utf8");
    const block = /\*\*Migrating\.\*\*[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] as string;
    const commands = block
      .trim()
      .split("\n")
      .map((line) => line.replace(/\s+#.*$/, "").split(/\s+/));
    expect(commands.map((c) => c.slice(0, 5).join(" "))).toEqual([
      "ecsmon spec import --from prometheus-ecs-sd",
      "ecsmon spec import --from eni-monitor",
    ]);
    const work = join(dir, "readme");
    mkdirSync(work);
    writeFileSync(join(work, "alarm.sh"), seedBlock("004-eni-monitor", "put-metric-alarm"));
    for (const command of commands) {
      const run = await ecsmon([...command.slice(1)], undefined, work);
      expect(run.code, `${command.join(" ")}: ${run.stderr}`).toBe(0);
    }
    const spec = parse(readFileSync(join(work, "spec.yaml"), "utf8"));
    expect(spec.spec.clusters.map((c: { name: string }) => c.name)).toEqual(["prod"]);
    expect(spec.spec.clusters[0].capacity.enabled).toBe(true);
    expect(spec.spec.outputs.fileSd.path).toBe("/prometheus/sd/ecs_file_sd.yml");
    expect(existsSync(join(work, "ecsmon-alarm.json"))).toBe(true);
    expect((await ecsmon(["spec", "validate", "spec.yaml"], undefined, work)).code).toBe(0);
  });
});
