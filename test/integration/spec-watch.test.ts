import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { type AppliedSpec, SpecWatcher } from "../../controller/spec/spec-watcher.js";
import { startAwsServer } from "../../sim/aws/server.js";
import { createSsmService, SsmParameterStore } from "../../sim/aws/services/ssm.js";
import { clusterSpec } from "../helpers/put-spec.js";
import { type Probe, until as pollUntil } from "../helpers/until.js";

/**
 * The watcher's own loop (start/stop, timers, backoff) against the simulator's SSM over HTTP, including SSM
 * disappearing entirely (server closed: connection refused) and coming back on the same port.
 */

const logger = pino({ level: "silent" });
const PARAMETER = "/ecsmon/spec";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const until = <T>(what: string, probe: Probe<T>, timeoutMs = 10_000) => pollUntil(what, probe, timeoutMs);

async function setup(host = "127.0.0.1", store = new SsmParameterStore()) {
  const server = await startAwsServer({ services: [createSsmService(store)], host });
  const ssm = new SSMClient({
    region: "us-east-1",
    endpoint: server.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  cleanups.push(() => ssm.destroy());
  return { server, ssm, store };
}

function startWatcher(ssm: SSMClient) {
  const watcher = new SpecWatcher({
    ssm,
    parameterName: PARAMETER,
    pollIntervalMs: 50,
    logger,
    backoff: { initialMs: 40, maxMs: 200 },
    requestTimeoutMs: 2_000,
  });
  const applied: AppliedSpec[] = [];
  watcher.onChange((a) => applied.push(a));
  watcher.start();
  cleanups.push(() => watcher.stop());
  return { watcher, applied };
}

const available = (w: SpecWatcher) => w.conditions().find((c) => c.type === "SpecAvailable");
const valid = (w: SpecWatcher) => w.conditions().find((c) => c.type === "SpecValid");

describe("spec watch against the simulator", () => {
  it("waits for the parameter, applies updates, and rejects an invalid one while keeping the last good spec", async () => {
    const { server, ssm } = await setup();
    cleanups.push(() => server.close());
    const { watcher, applied } = startWatcher(ssm);

    await until("ParameterNotFound", () => available(watcher)?.reason === "ParameterNotFound");
    expect(watcher.current()).toBeUndefined();

    await ssm.send(new PutParameterCommand({ Name: PARAMETER, Value: clusterSpec("one"), Type: "SecureString" }));
    await until("generation 1", () => watcher.current()?.generation === 1);
    expect(watcher.current()?.spec.spec.clusters[0]?.name).toBe("one");

    await ssm.send(
      new PutParameterCommand({
        Name: PARAMETER,
        Value: clusterSpec("two", "      scrape: {intervl: 5s}\n"),
        Overwrite: true,
      }),
    );
    await until("SpecValid=False", () => valid(watcher)?.status === "False");
    expect(valid(watcher)?.reason).toBe("ValidationFailed");
    expect(valid(watcher)?.message).toContain(
      'spec.clusters[0].scrape.intervl: unknown field "intervl"; did you mean "interval"? (line 6, column 16)',
    );
    expect(watcher.current()?.spec.spec.clusters[0]?.name).toBe("one");

    await ssm.send(new PutParameterCommand({ Name: PARAMETER, Value: clusterSpec("three"), Overwrite: true }));
    await until("generation 2", () => watcher.current()?.generation === 2);
    expect(applied.map((a) => [a.generation, a.version])).toEqual([
      [1, 1],
      [2, 3],
    ]);
    expect(valid(watcher)?.status).toBe("True");
  });

  it("survives SSM going away entirely and picks up changes made while it was gone", async () => {
    // A loopback address of its own, so that no other test process can take the port while SSM is "away".
    const host = `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    const store = new SsmParameterStore();
    const first = await setup(host, store);
    const { watcher } = startWatcher(first.ssm);
    await first.ssm.send(new PutParameterCommand({ Name: PARAMETER, Value: clusterSpec("before"), Type: "String" }));
    await until("generation 1", () => watcher.current()?.generation === 1);

    await first.server.close();
    await until("SsmUnreachable", () => available(watcher)?.reason === "SsmUnreachable");
    expect(available(watcher)?.status).toBe("False");
    expect(watcher.current()?.spec.spec.clusters[0]?.name).toBe("before");
    await until("backoff at its cap", () => watcher.nextPollDelayMs() >= 100);
    expect(watcher.nextPollDelayMs()).toBeLessThanOrEqual(200);

    // The same store behind a new server on the same port: SSM "comes back" with a newer version.
    const port = Number(new URL(first.server.url).port);
    const second = await startAwsServer({ services: [createSsmService(store)], host, port });
    cleanups.push(() => second.close());
    await first.ssm.send(new PutParameterCommand({ Name: PARAMETER, Value: clusterSpec("after"), Overwrite: true }));
    await until("generation 2", () => watcher.current()?.generation === 2);
    expect(watcher.current()?.spec.spec.clusters[0]?.name).toBe("after");
    expect(available(watcher)).toMatchObject({ status: "True", reason: "ParameterFound" });
  });
});
