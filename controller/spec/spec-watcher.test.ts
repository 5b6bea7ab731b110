import { DeleteParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AwsServer, startAwsServer } from "../../sim/aws/server.js";
import { createSsmService } from "../../sim/aws/services/ssm.js";
import { type AppliedSpec, SpecWatcher } from "./spec-watcher.js";

const logger = pino({ level: "silent" });
const spec = (cluster: string, extra = "") =>
  `apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters:\n    - name: ${cluster}\n${extra}`;

let server: AwsServer;
let ssm: SSMClient;
const ssmService = createSsmService();
let parameter = "";
let counter = 0;

beforeAll(async () => {
  server = await startAwsServer({ services: [ssmService] });
  ssm = new SSMClient({
    region: "us-east-1",
    endpoint: server.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  ssm.destroy();
  await server.close();
});

beforeEach(() => {
  parameter = `/ecsmon/test/spec-${++counter}`;
  server.faults.clear();
});

async function put(text: string): Promise<number> {
  const out = await ssm.send(
    new PutParameterCommand({ Name: parameter, Value: text, Type: "String", Overwrite: true }),
  );
  return out.Version ?? -1;
}

function watcher(clock = { t: 0 }) {
  return new SpecWatcher({
    ssm,
    parameterName: parameter,
    pollIntervalMs: 1_000,
    logger,
    now: () => new Date(Date.UTC(2026, 0, 1) + clock.t * 1_000),
    backoff: { initialMs: 100, maxMs: 800 },
    random: () => 1,
  });
}

const condition = (w: SpecWatcher, type: string) => w.conditions().find((c) => c.type === type);

describe("SpecWatcher against the simulator's SSM", () => {
  it("applies the first valid version and every later change, bumping the generation", async () => {
    const w = watcher();
    const heard: AppliedSpec[] = [];
    w.onChange((applied) => heard.push(applied));
    const v1 = await put(spec("a"));
    await w.pollOnce();
    expect(w.current()).toMatchObject({ version: v1, generation: 1 });
    expect(w.current()?.spec.spec.clusters[0]?.name).toBe("a");
    expect(condition(w, "SpecAvailable")).toMatchObject({ status: "True", reason: "ParameterFound" });
    expect(condition(w, "SpecValid")).toMatchObject({ status: "True", reason: "Valid", observedGeneration: 1 });

    const first = w.current();
    await w.pollOnce();
    expect(heard).toHaveLength(1);
    expect(w.current()).toBe(first);

    const v2 = await put(spec("b"));
    await w.pollOnce();
    expect(w.current()).toMatchObject({ version: v2, generation: 2 });
    expect(heard.map((a) => a.generation)).toEqual([1, 2]);
  });

  it("a new version with the same meaning updates the version but not the generation", async () => {
    const w = watcher();
    const heard: number[] = [];
    w.onChange((applied) => heard.push(applied.generation));
    await put(spec("a"));
    await w.pollOnce();
    const v2 = await put(`# reformatted\n${spec("a", "      scrape: { interval: 15s }\n")}`);
    await w.pollOnce();
    expect(w.current()).toMatchObject({ version: v2, generation: 1 });
    expect(heard).toEqual([1]);
  });

  it("an invalid version leaves the last good spec in force and sets SpecValid=False with path and line", async () => {
    const clock = { t: 0 };
    const w = watcher(clock);
    const v1 = await put(spec("good"));
    await w.pollOnce();
    const validSince = condition(w, "SpecValid")?.lastTransitionTime;

    clock.t = 10;
    const v2 = await put(spec("bad", "      stats:\n        period: fast\n"));
    await w.pollOnce();
    expect(w.current()).toMatchObject({ version: v1, generation: 1 });
    expect(w.current()?.spec.spec.clusters[0]?.name).toBe("good");
    expect(w.state()).toBe("invalid");
    const invalid = condition(w, "SpecValid");
    expect(invalid).toMatchObject({ status: "False", reason: "ValidationFailed" });
    expect(invalid?.message).toContain(`version ${v2} is invalid`);
    expect(invalid?.message).toContain(
      'spec.clusters[0].stats.period: expected a duration like "1s", got "fast" (line 7, column 17)',
    );
    expect(invalid?.message).toContain(`keeping version ${v1}`);
    expect(invalid?.lastTransitionTime).not.toBe(validSince);
    expect(condition(w, "SpecAvailable")?.status).toBe("True");

    clock.t = 20;
    await put("not: [valid");
    await w.pollOnce();
    expect(condition(w, "SpecValid")?.lastTransitionTime).toBe(invalid?.lastTransitionTime);
    expect(condition(w, "SpecValid")?.message).toContain("invalid YAML");

    clock.t = 30;
    const v4 = await put(spec("fixed"));
    await w.pollOnce();
    expect(w.current()).toMatchObject({ version: v4, generation: 2 });
    expect(condition(w, "SpecValid")).toMatchObject({
      status: "True",
      lastTransitionTime: new Date(Date.UTC(2026, 0, 1) + 30_000).toISOString(),
    });
  });

  it("waits for a missing parameter, then applies it once it appears", async () => {
    const w = watcher();
    await w.pollOnce();
    expect(w.current()).toBeUndefined();
    expect(condition(w, "SpecAvailable")).toMatchObject({ status: "False", reason: "ParameterNotFound" });
    expect(condition(w, "SpecAvailable")?.message).toContain(parameter);
    expect(condition(w, "SpecValid")?.status).toBe("Unknown");
    expect(w.state()).toBe("waiting");
    expect(w.nextPollDelayMs()).toBe(1_000);

    await put(spec("late"));
    await w.pollOnce();
    expect(w.current()?.spec.spec.clusters[0]?.name).toBe("late");
    expect(condition(w, "SpecAvailable")?.status).toBe("True");
  });

  it("keeps the last good spec when the parameter is deleted", async () => {
    const w = watcher();
    await put(spec("kept"));
    await w.pollOnce();
    await ssm.send(new DeleteParameterCommand({ Name: parameter }));
    await w.pollOnce();
    expect(w.current()?.spec.spec.clusters[0]?.name).toBe("kept");
    expect(condition(w, "SpecAvailable")).toMatchObject({ status: "False", reason: "ParameterNotFound" });
  });

  it("backs off exponentially (capped) on 5xx and throttling, keeping the spec, then recovers", async () => {
    const w = watcher();
    await put(spec("steady"));
    await w.pollOnce();

    server.faults.set({ service: "ssm", operation: "GetParameter", errorPct: 100 });
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      await w.pollOnce();
      delays.push(w.nextPollDelayMs());
    }
    expect(delays).toEqual([100, 200, 400, 800, 800]);
    expect(condition(w, "SpecAvailable")).toMatchObject({ status: "False", reason: "SsmUnreachable" });
    expect(w.current()?.spec.spec.clusters[0]?.name).toBe("steady");

    server.faults.set({ service: "ssm", operation: "GetParameter", throttlePct: 100 });
    await w.pollOnce();
    expect(condition(w, "SpecAvailable")?.message).toContain("throttled");

    server.faults.clear();
    await w.pollOnce();
    expect(w.nextPollDelayMs()).toBe(1_000);
    expect(condition(w, "SpecAvailable")).toMatchObject({ status: "True", reason: "ParameterFound" });
    expect(w.current()).toMatchObject({ generation: 1 });
  });

  it("a listener that throws does not stop the watcher", async () => {
    const w = watcher();
    const heard: number[] = [];
    w.onChange(() => {
      throw new Error("boom");
    });
    w.onChange((applied) => heard.push(applied.generation));
    await put(spec("a"));
    await expect(w.pollOnce()).resolves.toBeUndefined();
    expect(heard).toEqual([1]);
  });
});
