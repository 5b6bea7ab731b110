import { describe, expect, it } from "vitest";
import { ClusterSpec } from "../../crds-like-schemas/index.js";
import { createLazyAwsClients } from "../../lib/aws/lazy-clients.js";
import { ClusterObserver } from "./cluster-observer.js";
import { createClusterObserver, createObserver } from "./create-observer.js";

/** No call is made here: the endpoint is never contacted, only which clients the factory builds is checked. */
const options = { region: "eu-west-1", endpointUrl: "http://127.0.0.1:9", maxAttempts: 1 };

describe("createObserver", () => {
  it("builds the ECS and EC2 clients it reads every cycle, and Cloud Map and SQS only when first used", () => {
    const clients = createLazyAwsClients(options);
    const spec = ClusterSpec.parse({ name: "c", events: { queueUrl: "http://127.0.0.1:9/000000000000/q" } });
    const observer = createObserver(spec, { region: "eu-west-1", clients });
    expect(observer.lastGood()).toBeUndefined();
    expect(clients.built().sort()).toEqual(["ec2", "ecs"]);
    clients.destroy();
  });

  it("gives tests and benches the ClusterObserver itself, without Cloud Map unless given the client", () => {
    const clients = createLazyAwsClients(options);
    const observer = createClusterObserver(ClusterSpec.parse({ name: "c" }), {
      region: "eu-west-1",
      clients: { ecs: clients.ecs, ec2: clients.ec2 },
    });
    expect(observer).toBeInstanceOf(ClusterObserver);
    expect(observer.cluster).toBe("c");
    expect(clients.built().sort()).toEqual(["ec2", "ecs"]);
    clients.destroy();
  });
});
