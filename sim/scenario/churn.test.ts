import { describe, expect, it } from "vitest";
import { ClusterStore } from "../state/cluster-store.js";
import { CHURN_STARTED_BY, startChurn } from "./churn.js";
import { loadScenario } from "./load.js";
import { scenarioFromObject } from "./parse.js";

describe("startChurn", () => {
  it("starts and stops standalone tasks at the configured rates, leaving service tasks alone", async () => {
    const scenario = scenarioFromObject({
      instances: [{ type: "m5.2xlarge", count: 2 }],
      taskDefinitions: [{ family: "batch", containers: [{ name: "b", memory: 16 }] }],
      services: [{ name: "svc", taskDefinition: "batch", desiredCount: 2 }],
      tasks: [{ taskDefinition: "batch", count: 5 }],
      churn: { startsPerMinute: 60_000, stopsPerMinute: 30_000, taskDefinitions: ["batch"] },
    });
    const store = new ClusterStore({ addressBase: 9, transitionDelayMs: 0 });
    loadScenario(store, scenario);
    store.setTransitionDelay(0);
    const churn = startChurn(store, scenario.churn!, scenario, 10);
    await new Promise((r) => setTimeout(r, 120));
    churn.stop();
    const { started, stopped } = churn.counts();
    expect(started).toBeGreaterThanOrEqual(5);
    expect(stopped).toBeGreaterThanOrEqual(2);
    expect(stopped).toBeLessThan(started + 5);
    const churned = store.tasks().filter((t) => t.startedBy === CHURN_STARTED_BY);
    expect(churned.length).toBe(started);
    const service = store.service(store.cluster("default")!.clusterArn, "svc")!;
    expect(store.liveServiceTasks(service.serviceArn)).toHaveLength(2);
    expect(store.tasks().filter((t) => t.serviceName && t.desiredStatus === "STOPPED")).toHaveLength(0);
  });
});
