import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromRoot } from "../../lib/paths.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { expectBounded, type RedisFault, shutdownDrill, summarize } from "../helpers/shutdown-drill.js";

/**
 * Issue 17, in full: `ecsmon agent` and `ecsmon controller` each signalled 20 times in a row with Redis
 * unreachable and 20 times with Redis stalled (SIGSTOP); every run must exit within ECSMON_SHUTDOWN_TIMEOUT
 * (plus scheduling slack). `npm test` runs 5 per case (test/integration/bounded-shutdown.test.ts).
 */
const RUNS = 20;
const PARALLEL = 5;
const SHUTDOWN_TIMEOUT_MS = 2_000;

let sim: RunningSim;
beforeAll(async () => {
  sim = await startSim({ scenario: fromRoot("sim/scenarios/demo.yaml"), nodeSurfaces: false });
});
afterAll(async () => {
  await sim?.stop();
});

describe("bounded shutdown drills", () => {
  const cases: ["agent" | "controller", RedisFault][] = [
    ["agent", "unreachable"],
    ["agent", "stalled"],
    ["controller", "unreachable"],
    ["controller", "stalled"],
  ];
  it.each(cases)(`ecsmon %s exits within the timeout ${RUNS} times in a row with Redis %s`, async (command, fault) => {
    const runs = await shutdownDrill({
      command,
      fault,
      runs: RUNS,
      parallel: PARALLEL,
      shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
      sim,
    });
    expect(runs).toHaveLength(RUNS);
    console.log(`${command} / redis ${fault}: ${summarize(runs)}`);
    expectBounded(runs, SHUTDOWN_TIMEOUT_MS);
  });
});
