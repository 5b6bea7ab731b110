import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fromRoot } from "../../lib/paths.js";
import { useDemoLocalStack } from "../helpers/demo-local-stack.js";

/**
 * The issue's acceptance run: the BUILT `ecsmon doctor` against the local stack (`ecsmon local`'s processes:
 * redis-server, the simulator with the demo scenario, the applied local.yaml spec, a controller) is all green.
 * Docker is not checked: the stack's nodes are simulated, and DOCKER_HOST names no socket here.
 */

const CLI = fromRoot("dist", "cli", "ecsmon.js");
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
});
const demo = useDemoLocalStack("doctor-local", { agents: 0, poolAgent: false, prometheus: false });

describe("ecsmon doctor against the local stack", () => {
  it("reports every check ready (PutMetricData proven with --put-test-metric) and exits 0", async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [CLI, "doctor", "--put-test-metric", ...args],
          {
            env: {
              PATH: process.env.PATH ?? "",
              AWS_ACCESS_KEY_ID: "test",
              AWS_SECRET_ACCESS_KEY: "test",
              AWS_REGION: "us-east-1",
              AWS_ENDPOINT_URL: demo.stack.urls.aws,
              REDIS_URL: demo.stack.urls.redis,
              DOCKER_HOST: `unix://${join(demo.stateDir, "no-docker.sock")}`,
            },
            timeout: 60_000,
          },
          (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
        );
      });
    const json = await run(["--json"]);
    const report = JSON.parse(json.stdout) as { ready: boolean; checks: { name: string; status: string }[] };
    const notOk = report.checks.filter((c) => c.status !== "ok").map((c) => `${c.name}: ${c.status}`);
    expect(notOk).toEqual([`Docker unix://${join(demo.stateDir, "no-docker.sock")}: skip`]);
    expect(report.ready).toBe(true);
    expect(json.code).toBe(0);
    expect(report.checks.map((c) => c.name)).toContain("ECS DescribeClusters demo");

    const table = await run([]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/\nready\n$/);
    expect(table.stdout).not.toContain("FAIL");
  });
});
