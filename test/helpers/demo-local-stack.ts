import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalStack, startLocalStack } from "../../cli/local/local-stack.js";
import { fromRoot } from "../../lib/paths.js";

/** A running demo stack and the cleanup of its state directory. */
export interface DemoLocalStack {
  stack: LocalStack;
  stop(): Promise<void>;
}

/**
 * `ecsmon local` as the e2e tests run it: redis-server, the simulator with the demo scenario, the local spec, the
 * controller, two node agents, the pool agent and a real Prometheus (required: the tests that use this stack read
 * it). Needs the built CLI (`npm test` builds first).
 */
export async function startDemoLocalStack(name: string): Promise<DemoLocalStack> {
  const stateDir = mkdtempSync(join(tmpdir(), `ecsmon-${name}-`));
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
  });
  return {
    stack,
    stop: async () => {
      await stack.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
