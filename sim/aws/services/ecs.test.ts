import { describe, expect, it } from "vitest";
import { ClusterStore } from "../../state/cluster-store.js";
import { AwsError, type SimRequestContext } from "../service.js";
import { createEcsService } from "./ecs.js";

const ctx: SimRequestContext = { region: "us-east-1", accountId: "000000000000", protocol: "json1.1" };

function service() {
  const store = new ClusterStore({ addressBase: 9, transitionDelayMs: 0 });
  store.createCluster("default");
  store.registerContainerInstance({ instanceType: "m5.large" });
  return createEcsService(store).operations;
}

async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(AwsError);
    return `${(error as AwsError).code}: ${(error as AwsError).message}`;
  }
  return "no error";
}

describe("ECS handlers reject bad input with ECS's error codes", () => {
  const ops = service();
  it.each([
    [
      "RegisterTaskDefinition",
      { family: "x", containerDefinitions: [null] },
      /^InvalidParameterException: containerDefinitions\[0\]/,
    ],
    [
      "RegisterTaskDefinition",
      { family: "x", containerDefinitions: [{ name: "a", image: "b", memory: 1, portMappings: [7] }] },
      /^InvalidParameterException/,
    ],
    [
      "RegisterTaskDefinition",
      { family: "bad family", containerDefinitions: [{ name: "a", image: "b", memory: 1 }] },
      /^ClientException: Family/,
    ],
    [
      "RegisterTaskDefinition",
      { family: "x", cpu: "lots", containerDefinitions: [{ name: "a", image: "b", memory: 1 }] },
      /^ClientException: Invalid 'cpu'/,
    ],
    ["RegisterTaskDefinition", { family: "x" }, /^InvalidParameterException: .*containerDefinitions/],
    ["ListTasks", { cluster: "nope" }, /^ClusterNotFoundException: Cluster not found\.$/],
    ["ListTasks", { maxResults: 0 }, /^InvalidParameterException/],
    ["ListTasks", { nextToken: "forged" }, /^InvalidParameterException: Invalid nextToken/],
    ["ListTasks", { desiredStatus: "DONE" }, /^InvalidParameterException/],
    ["DescribeTasks", { tasks: [] }, /^InvalidParameterException: Tasks cannot be empty\./],
    ["DescribeTasks", { tasks: "abc" }, /^InvalidParameterException/],
    ["RunTask", { taskDefinition: "nope" }, /^InvalidParameterException: TaskDefinition not found/],
    ["RunTask", { taskDefinition: "nope", count: 11 }, /^InvalidParameterException: count/],
    ["DescribeServices", { services: [] }, /^InvalidParameterException/],
    ["DescribeTaskDefinition", { taskDefinition: "nope" }, /^ClientException: Unable to describe task definition\.$/],
  ])("%s %j", async (op, input, expected) => {
    const handler = ops[op]!;
    expect(await codeOf(() => handler(input as Record<string, unknown>, ctx))).toMatch(expected);
  });
});
