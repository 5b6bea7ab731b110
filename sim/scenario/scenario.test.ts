// biome-ignore-all lint/suspicious/noTemplateCurlyInString: scenario templates spell `${i}` literally
import { describe, expect, it } from "vitest";
import { fromRoot } from "../../lib/paths.js";
import { ClusterStore } from "../state/cluster-store.js";
import { expandRepeats, substitute } from "./expand.js";
import { loadScenario } from "./load.js";
import { parseScenario, readScenario, ScenarioError } from "./parse.js";

describe("substitute", () => {
  it.each([
    ["svc-${i}", 7, "svc-7"],
    ["td-${i % 3}", 7, "td-1"],
    ["g-${i / 5}", 12, "g-2"],
    ["n-${i + 1}", 0, "n-1"],
    ["x-${ i * 2 }", 4, "x-8"],
    ["plain", 3, "plain"],
  ])("%s with i=%d → %s", (text, i, expected) => {
    expect(substitute(text, i)).toBe(expected);
  });

  it("expands repeat items deeply", () => {
    const out = expandRepeats([{ name: "a-${i}", labels: { k: "v${i}" }, repeat: 2 }, { name: "b" }]);
    expect(out).toEqual([{ name: "a-0", labels: { k: "v0" } }, { name: "a-1", labels: { k: "v1" } }, { name: "b" }]);
  });
});

describe("parseScenario", () => {
  it("names the field and line of a validation error", () => {
    const text = "name: x\ninstances:\n  - type: m5.large\n    count: -1\n";
    expect(() => parseScenario(text, "bad.yaml")).toThrow(ScenarioError);
    expect(() => parseScenario(text, "bad.yaml")).toThrow(/bad\.yaml:4: instances\.0\.count/);
  });

  it("reports YAML syntax errors with a position", () => {
    expect(() => parseScenario("a: [1, 2\n", "s.yaml")).toThrow(/s\.yaml:\d+:\d+: invalid YAML/);
  });

  it("rejects unknown fields", () => {
    expect(() => parseScenario("instancez: []\n")).toThrow(/instancez|Unrecognized/);
  });

  it("reads the demo scenario", () => {
    const demo = readScenario(fromRoot("sim/scenarios/demo.yaml"));
    expect(demo.instances.map((i) => i.type)).toEqual(["m5.large", "c5.xlarge", "t3.medium"]);
  });
});

describe("loadScenario", () => {
  it("loads the demo deterministically: every network mode, ~20 tasks, Cloud Map registrations", () => {
    const load = () => {
      const store = new ClusterStore({ seed: 42, addressBase: 9, transitionDelayMs: 0 });
      const report = loadScenario(store, readScenario(fromRoot("sim/scenarios/demo.yaml")));
      return { store, report };
    };
    const { store, report } = load();
    expect(report.warnings).toEqual([]);
    const running = store.tasks().filter((t) => t.lastStatus === "RUNNING");
    expect(running.length).toBeGreaterThanOrEqual(18);
    expect(running.length).toBeLessThanOrEqual(22);
    const modes = new Set(
      running.map((t) => `${t.launchType}/${store.taskDefinition(t.taskDefinitionArn)?.networkMode}`),
    );
    expect([...modes].sort()).toEqual(["EC2/awsvpc", "EC2/bridge", "EC2/host", "FARGATE/awsvpc"]);
    expect(report.cloudMapRegistrations.length).toBe(4);
    expect(running.some((t) => t.containers.some((c) => c.failure === "http500"))).toBe(true);
    expect(
      load()
        .store.tasks()
        .map((t) => t.taskArn),
    ).toEqual(store.tasks().map((t) => t.taskArn));
  });

  it("names dangling references", () => {
    const scenario = parseScenario("services:\n  - name: web\n    taskDefinition: nope\n");
    expect(() => loadScenario(new ClusterStore({ addressBase: 9 }), scenario)).toThrow(
      /services\[0\] \(web\): task definition "nope"/,
    );
  });

  it("reports what did not fit as warnings", () => {
    const scenario = parseScenario(
      [
        "instances: [{ type: t3.micro }]",
        "taskDefinitions:",
        "  - family: big",
        "    containers: [{ name: a, memory: 600 }]",
        "tasks: [{ taskDefinition: big, count: 3 }]",
      ].join("\n"),
    );
    const report = loadScenario(new ClusterStore({ addressBase: 9 }), scenario);
    expect(report.tasks).toBe(1);
    expect(report.warnings).toEqual(["tasks[0] (big): placed 1 of 3"]);
  });
});
