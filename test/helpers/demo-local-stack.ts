import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type LocalStack, type LocalStackOptions, startLocalStack } from "../../cli/local/local-stack.js";
import { fromRoot } from "../../lib/paths.js";

type StackOverrides = Partial<Omit<LocalStackOptions, "stateDir">>;

/** A running demo stack and the cleanup of its state directory. */
export interface DemoLocalStack {
  stack: LocalStack;
  /** Logs (`logs/<process>.log`), Redis/Prometheus data and file_sd output; removed by `stop()`. */
  stateDir: string;
  stop(): Promise<void>;
}

/**
 * `ecsmon local` as the e2e tests run it: redis-server, the simulator with the demo scenario, the local spec, the
 * controller, two node agents, the pool agent and a real Prometheus (required: the tests that use this stack read
 * it), unless `overrides` say otherwise. Overrides given as a function get the fresh state directory first, so
 * they can write files there (a spec, say) before the stack starts. Needs the built CLI (`npm test` builds first).
 */
export async function startDemoLocalStack(
  name: string,
  overrides: StackOverrides | ((stateDir: string) => StackOverrides) = {},
): Promise<DemoLocalStack> {
  const stateDir = mkdtempSync(join(tmpdir(), `ecsmon-${name}-`));
  const chosen = typeof overrides === "function" ? overrides(stateDir) : overrides;
  const stack = await startLocalStack({
    stateDir,
    scenario: fromRoot("sim/scenarios/demo.yaml"),
    spec: fromRoot("crds-like-schemas/examples/local.yaml"),
    agents: 2,
    poolAgent: true,
    prometheus: true,
    redisUrl: undefined,
    region: "us-east-1",
    logLevel: "warn",
    progress: () => undefined,
    ...chosen,
  });
  return {
    stack,
    stateDir,
    stop: async () => {
      await stack.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers the suite's `beforeAll`/`afterAll` around {@link startDemoLocalStack}; the returned object's fields are
 * set once `beforeAll` has run.
 */
export function useDemoLocalStack(
  name: string,
  overrides: Parameters<typeof startDemoLocalStack>[1] = {},
  timeoutMs = 180_000,
): DemoLocalStack {
  const demo = {} as DemoLocalStack;
  beforeAll(async () => {
    Object.assign(demo, await startDemoLocalStack(name, overrides));
  }, timeoutMs);
  afterAll(async () => {
    await demo.stop?.();
  });
  return demo;
}
