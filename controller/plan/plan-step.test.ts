import { describe, expect, it } from "vitest";
import { current, instance, observed, spec, task, taskDef } from "./fixtures.test-helpers.js";
import { plan } from "./plan.js";
import { currentState, planStep } from "./plan-step.js";

const app = taskDef("app", "awsvpc", [{ name: "app", dockerLabels: { PROMETHEUS_SCRAPES: "8080" } }]);
const fargate = (id: string) => task(id, app, { launchType: "FARGATE", eniPrivateIp: `10.2.0.${id.length}` });
const view = observed({ defs: [app], tasks: [fargate("f1"), fargate("f22"), fargate("f333")] });
const arn = (id: string) => view.tasks.find((t) => t.taskId === id)?.taskArn;

describe("currentState", () => {
  it.each([
    ["no agents", [], {}, []],
    ["a live sidecar claims its own task", ["f1"], { f1: "sidecar" }, ["f1"]],
    ["a heartbeat without a live machine claims nothing", [], { f1: "sidecar" }, []],
    ["a live daemon agent is not a sidecar", ["f22"], { f22: "daemon" }, []],
    ["a live agent with no heartbeat in this read is not a sidecar", ["f333"], {}, []],
    ["several sidecars", ["f1", "f333"], { f1: "sidecar", f333: "sidecar", f22: "sidecar" }, ["f1", "f333"]],
  ])("%s", (_name, live, modes, sidecars) => {
    const heartbeats = new Map(Object.entries(modes).map(([node, mode]) => [node, { mode }]));
    const got = currentState(view, new Set(live), heartbeats);
    expect([...got.liveAgents]).toEqual(live);
    expect([...got.sidecarTasks].sort()).toEqual(sidecars.map(arn).sort());
  });
});

describe("planStep", () => {
  it("plans exactly what plan() plans for the same spec, observation and agents", () => {
    const node = instance(1);
    const exporter = taskDef("exp", "host", [{ name: "e", dockerLabels: { PROMETHEUS_SCRAPES: "9100" } }]);
    const withNode = observed({
      defs: [app, exporter],
      instances: [node],
      tasks: [...view.tasks, task("e1", exporter, { on: node })],
    });
    const heartbeats = new Map([["f1", { mode: "sidecar" }]]);
    const { planned, current: got } = planStep(spec(), withNode, new Set(["f1", "node-1"]), heartbeats);
    const want = plan(spec(), withNode, current(["f1", "node-1"], [arn("f1") as string]));
    expect(got).toEqual(current(["f1", "node-1"], [arn("f1") as string]));
    expect(planned.targets.map((t) => [t.target.id, t.nodeId])).toEqual(
      want.targets.map((t) => [t.target.id, t.nodeId]),
    );
    expect([...planned.nodes.keys()].sort()).toEqual(["f1", "node-1"]);
    expect(planned.pool.map((t) => t.target.id).sort()).toEqual(
      [`${arn("f22")}/app/8080/metrics`, `${arn("f333")}/app/8080/metrics`].sort(),
    );
  });
});
