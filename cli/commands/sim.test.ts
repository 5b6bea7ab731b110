import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { fromRoot } from "../../lib/paths.js";
import { UsageError } from "../context.js";
import { parseSimOptions, runSim } from "./sim.js";

const base = { scenario: fromRoot("sim/scenarios/demo.yaml"), port: "0", host: "127.0.0.1", nodeSurfaces: false };

describe("ecsmon sim", () => {
  it.each([
    [{ port: "70000" }, /--port/],
    [{ port: "x" }, /--port/],
    [{ host: "0.0.0.0" }, /127\.0\.0\.0\/8/],
    [{ addressBase: "300" }, /--address-base/],
    [{ nodeSurfacePorts: "dockr=1" }, /unknown surface "dockr"/],
    [{ nodeSurfacePorts: "docker=99999" }, /docker needs a port/],
  ])("rejects %j", (override, message) => {
    expect(() => parseSimOptions({ ...base, ...override })).toThrow(UsageError);
    expect(() => parseSimOptions({ ...base, ...override })).toThrow(message);
  });

  it("parses fixed node-surface ports", () => {
    expect(parseSimOptions({ ...base, nodeSurfacePorts: "docker=2375, imds=1338" }).nodeSurfacePorts).toEqual({
      docker: 2375,
      imds: 1338,
    });
  });

  it("prints the endpoint and the environment, serves until stopped", async () => {
    let output = "";
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const running = runSim(parseSimOptions(base), {
      logger: pino({ level: "silent" }),
      out: (text) => {
        output += text;
      },
      stop: stopped,
    });
    const deadline = Date.now() + 20_000;
    while (!output.includes("ECSMON_CLUSTER") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const endpoint = /export AWS_ENDPOINT_URL=(\S+)/.exec(output)?.[1];
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(output).toContain("export AWS_REGION=us-east-1");
    expect(output).toContain("export ECSMON_CLUSTER=demo");
    expect(output.match(/^node [0-9a-f]{32} /gm)).toHaveLength(3);
    const health = await fetch(`${endpoint}/_sim/healthz`);
    expect(health.status).toBe(200);
    stop();
    await running;
    await expect(fetch(`${endpoint}/_sim/healthz`)).rejects.toThrow();
  });

  it("turns an invalid scenario into a usage error naming the line", async () => {
    const run = runSim(parseSimOptions({ ...base, scenario: fromRoot("package.json") }), {
      logger: pino({ level: "silent" }),
      out: () => undefined,
      stop: Promise.resolve(),
    });
    await expect(run).rejects.toBeInstanceOf(UsageError);
  });
});
