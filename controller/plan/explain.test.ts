import { describe, expect, it } from "vitest";
import { explain } from "./explain.js";
import { current, instance, observed, spec, task, taskDef } from "./fixtures.test-helpers.js";

const node1 = instance(1);
const def = taskDef("web", "host", [
  { name: "app", dockerLabels: { PROMETHEUS_SCRAPES: "8080" } },
  { name: "bad", dockerLabels: { PROMETHEUS_SCRAPES: "9106,80a" } },
  { name: "sidecar" },
]);

/** Expected [container, reason, isTarget] rows: `app` gets `reason`; `bad`'s label does not parse; `sidecar` has none. */
const labelled = (reason: string) => [
  ["app", reason, true],
  ["bad", "ParseError", true],
  ["sidecar", "NoLabel", false],
];
/** Expected rows when the whole task is passed over for `reason`: no container is a target. */
const none = (reason: string) => ["app", "bad", "sidecar"].map((name) => [name, reason, false]);

describe("explain", () => {
  it.each([
    [
      "RUNNING task on a node with a live agent",
      task("t1", def, { on: node1, serviceName: "web" }),
      spec(),
      ["node-1"],
      labelled("Target"),
    ],
    ["node without a live agent", task("t1", def, { on: node1, serviceName: "web" }), spec(), [], labelled("NoAgent")],
    [
      "task not yet RUNNING",
      task("t1", def, { on: node1, lastStatus: "PENDING" }),
      spec(),
      ["node-1"],
      none("TaskNotRunning"),
    ],
    [
      "filtered by the selector",
      task("t1", def, { on: node1, serviceName: "web" }),
      spec({ selector: { serviceNames: ["api"] } }),
      ["node-1"],
      none("FilteredBySelector"),
    ],
    [
      "Fargate without sidecar",
      task("t1", def, { launchType: "FARGATE", eniPrivateIp: "10.2.0.1" }),
      spec(),
      [],
      labelled("Pool"),
    ],
  ])("%s", (_name, t, s, live, expected) => {
    const result = explain(s, observed({ tasks: [t], defs: [def], instances: [node1] }), current(live), "t1");
    expect(result.found).toBe(true);
    expect(result.containers.map((c) => [c.containerName, c.reason, c.isTarget])).toEqual(expected);
  });

  it("names the parse error position", () => {
    const t = task("t1", def, { on: node1 });
    const result = explain(spec(), observed({ tasks: [t], defs: [def], instances: [node1] }), current(), t.taskArn);
    const bad = result.containers.find((c) => c.containerName === "bad");
    expect(bad?.message).toContain('PROMETHEUS_SCRAPES: invalid port "80a" (unexpected "a") at position 5');
    expect(bad?.invalid).toEqual([{ id: `${t.taskArn}/bad/label`, reason: expect.stringContaining("position 5") }]);
  });

  it.each([[""], ["nope"], ["arn:aws:ecs:eu-west-1:000000000000:task/demo/missing"]])("%j is not found", (query) => {
    const result = explain(
      spec(),
      observed({ tasks: [task("t1", def, { on: node1 })], defs: [def] }),
      current(),
      query,
    );
    expect(result.found).toBe(false);
    expect(result.message).toContain("not found");
  });

  it("reports an unknown task definition", () => {
    const t = task("t1", def, { on: node1 });
    const result = explain(spec(), observed({ tasks: [t], defs: [], instances: [node1] }), current(), "t1");
    expect(result.containers.map((c) => c.reason)).toEqual([
      "TaskDefinitionUnknown",
      "TaskDefinitionUnknown",
      "TaskDefinitionUnknown",
    ]);
  });
});
