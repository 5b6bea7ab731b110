import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fromRoot } from "../../lib/paths.js";
import { createSimServices } from "../../sim/aws/services/all.js";
import { ClusterStore } from "../../sim/state/cluster-store.js";

/**
 * The simulator serves two users (docs/adr/0072-simulator-scope.md): ecsmon, and the people who run
 * `ecsmon local` and look at what it produced. Every operation in the simulator's dispatch tables must be one
 * that ecsmon's own source calls, or one on the short list below, each with its reason. Adding an operation
 * nobody calls fails here; so does ecsmon starting a call the simulator cannot answer.
 */

/** Served although ecsmon's source does not call them: `service:Operation` → why. Keep it short. */
const ALLOWED: Record<string, string> = {
  // A local user (and the e2e tests that act as one) reads back what the agents and the controller published.
  "monitoring:ListMetrics": "local user: which metrics arrived (`aws cloudwatch list-metrics`)",
  "monitoring:GetMetricData": "local user: a metric's values, MetricStat only, no metric math",
  "monitoring:GetMetricStatistics":
    "local user: `aws cloudwatch get-metric-statistics`; test/e2e/spec-import-local-stack",
  // Tests change the cluster the way a user of the real API would; the /_sim/ control API covers the rest.
  "ecs:RunTask": "tests start tasks with tags or custom definitions (observe-tags, capacity-agreement/-trunking)",
  "ecs:RegisterTaskDefinition": "tests register task definitions to place (capacity-agreement/-trunking)",
  "ecs:TagResource": "tests and bench/support/tag-cost.ts tag resources for ecsmon's tag_* labels",
  "ssm:DeleteParameter": "tests and local users remove the spec (spec-watcher, SSM drills, test/helpers/put-spec)",
  // The EventBridge → SQS feed ecsmon consumes: a queue to name in the spec, and events sent into it.
  "sqs:CreateQueue": "tests, bench/events.ts and local users create the events queue a spec names",
  "sqs:SendMessage": "test/integration/observe-events.test.ts sends EventBridge-shaped events",
  "sqs:SendMessageBatch": "bench/sim-aws.ts measures SQS throughput with batches",
};

/** `@aws-sdk/client-<package>` → the SigV4 signing name the simulator routes by. */
const SIGNING_NAMES: Record<string, string> = {
  ecs: "ecs",
  ec2: "ec2",
  ssm: "ssm",
  cloudwatch: "monitoring",
  servicediscovery: "servicediscovery",
  sqs: "sqs",
};

/** Every production `.ts` file under the folders ecsmon ships (tests excluded: they are not a user). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/**
 * `service:Operation` for every `XxxCommand` a file imports from an AWS SDK client, statically
 * (`import { A, B as C } from "@aws-sdk/client-x"`) or dynamically (`const { A } = await import("…")`).
 */
function commandsIn(text: string): string[] {
  const found: string[] = [];
  const forms = [
    /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*["']@aws-sdk\/client-([a-z0-9-]+)["']/g,
    /const\s*\{([^}]*)\}\s*=\s*await\s+import\(\s*["']@aws-sdk\/client-([a-z0-9-]+)["']\s*\)/g,
  ];
  for (const form of forms) {
    for (const [, names = "", pkg = ""] of text.matchAll(form)) {
      const service = SIGNING_NAMES[pkg];
      if (!service) continue;
      for (const raw of names.split(",")) {
        const name = raw
          .trim()
          .replace(/^type\s+/, "")
          .split(/\s+as\s+|\s*:\s*/)[0];
        const command = /^([A-Z][A-Za-z0-9]*)Command$/.exec(name ?? "");
        if (command) found.push(`${service}:${command[1]}`);
      }
    }
  }
  return found;
}

const ECSMON_DIRS = ["controller", "agents", "cli", "lib"];
const called = new Set(
  ECSMON_DIRS.flatMap((dir) => sourceFiles(fromRoot(dir))).flatMap((f) => commandsIn(readFileSync(f, "utf8"))),
);

const store = new ClusterStore({ transitionDelayMs: 0, addressBase: 250 });
const served = new Set(
  createSimServices(store).list.flatMap((service) =>
    Object.keys(service.operations).map((operation) => `${service.signingName}:${operation}`),
  ),
);
store.close();

describe("the simulator serves what its users call, and nothing else", () => {
  it("finds ecsmon's calls in its source (the scan itself works)", () => {
    // Known calls, one per client, so that a broken scan cannot pass vacuously.
    for (const call of [
      "ecs:DescribeTasks",
      "ec2:DescribeInstanceTypes",
      "ssm:GetParameter",
      "monitoring:PutMetricData",
      "servicediscovery:ListInstances",
      "sqs:ReceiveMessage",
    ]) {
      expect(called, call).toContain(call);
    }
    expect(
      commandsIn(
        'import {\n  ListServicesCommand as CloudMapList,\n  type X,\n} from "@aws-sdk/client-servicediscovery";',
      ),
    ).toEqual(["servicediscovery:ListServices"]);
  });

  it("serves no operation that neither ecsmon calls nor the allow-list explains", () => {
    const unused = [...served].filter((op) => !called.has(op) && !(op in ALLOWED)).sort();
    expect(unused).toEqual([]);
  });

  it("serves every operation ecsmon calls", () => {
    expect([...called].filter((op) => !served.has(op)).sort()).toEqual([]);
  });

  it("keeps the allow-list to served operations ecsmon does not already call", () => {
    for (const op of Object.keys(ALLOWED)) {
      expect(served, `${op} is allowed but not served`).toContain(op);
      expect(called, `${op} is called by ecsmon; drop it from the allow-list`).not.toContain(op);
    }
  });
});
