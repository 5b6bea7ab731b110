import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromRoot } from "../../lib/paths.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import { expectBounded, type RedisFault, shutdownDrill, summarize } from "../helpers/shutdown-drill.js";

/**
 * Issue 17: each process exits within ECSMON_SHUTDOWN_TIMEOUT whatever its connections are doing. Real
 * `ecsmon agent` and `ecsmon controller` processes are signalled with Redis unreachable and with Redis stalled
 * (SIGSTOP), RUNS times in a row each; every one must exit within the timeout (see {@link expectBounded}), with
 * code 0 after a clean stop or code 1 and the logged hard exit.
 * test/faults/bounded-shutdown-drills.test.ts runs the same drill 20 times per case.
 */
const RUNS = 5;
const SHUTDOWN_TIMEOUT_MS = 2_000;
let sim: RunningSim;
beforeAll(async () => {
  sim = await startSim({ scenario: fromRoot("sim/scenarios/demo.yaml"), nodeSurfaces: false });
});
afterAll(async () => {
  await sim?.stop();
});

describe("bounded shutdown", () => {
  const cases: ["agent" | "controller", RedisFault][] = [
    ["agent", "unreachable"],
    ["agent", "stalled"],
    ["controller", "unreachable"],
    ["controller", "stalled"],
  ];
  it.each(cases)(
    `ecsmon %s exits within the timeout ${RUNS} times in a row with Redis %s`,
    async (command, fault) => {
      const runs = await shutdownDrill({
        command,
        fault,
        runs: RUNS,
        parallel: RUNS,
        shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
        sim,
      });
      expect(runs).toHaveLength(RUNS);
      console.log(`${command} / redis ${fault}: ${summarize(runs)}`);
      expectBounded(runs, SHUTDOWN_TIMEOUT_MS);
    },
    120_000,
  );
});
