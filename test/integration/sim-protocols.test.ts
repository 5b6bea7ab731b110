import { DescribeInstancesCommand, EC2ServiceException } from "@aws-sdk/client-ec2";
import {
  ClusterNotFoundException,
  type ECSServiceException,
  ListClustersCommand,
  ListTasksCommand,
} from "@aws-sdk/client-ecs";
import { GetParameterCommand, ThrottlingException } from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import { createAwsClients } from "../../lib/aws/clients.js";
import { AwsError, type SimService } from "../../sim/aws/service.js";
import { createSsmService } from "../../sim/aws/services/ssm.js";
import { postToFront, rejectionOf, useAwsFront } from "../helpers/use-sim.js";

/** Minimal test doubles for the ECS/EC2 wire shapes: the real services belong to sim/aws/services/ecs*, ec2*. */
const fakeEcs: SimService = {
  signingName: "ecs",
  targetPrefix: "AmazonEC2ContainerServiceV20141113",
  operations: {
    ListClusters: () => ({ clusterArns: ["arn:aws:ecs:us-east-1:000000000000:cluster/a"] }),
    ListTasks: (input) => {
      if (input.cluster !== "a") throw new AwsError("ClusterNotFoundException", "Cluster not found.");
      return { taskArns: [] };
    },
    Crash: () => {
      throw new Error("boom");
    },
  },
};

const fakeEc2: SimService = {
  signingName: "ec2",
  queryVersion: "2016-11-15",
  xmlNamespace: "http://ec2.amazonaws.com/doc/2016-11-15/",
  operations: {
    DescribeInstances: (input) => {
      const ids = (input.InstanceId as string[] | undefined) ?? [];
      if (ids.includes("i-missing")) {
        throw new AwsError("InvalidInstanceID.NotFound", "The instance ID 'i-missing' does not exist");
      }
      const filters = (input.Filter as { Name: string; Value: string[] }[] | undefined) ?? [];
      return {
        reservationSet: ids.map((id) => ({
          reservationId: `r-${id}`,
          ownerId: "000000000000",
          instancesSet: [
            {
              instanceId: id,
              instanceType: "m5.large",
              privateIpAddress: "127.0.1.1",
              launchTime: new Date(Date.UTC(2026, 0, 1)),
              instanceState: { code: 16, name: "running" },
              tagSet: filters.map((f) => ({ key: f.Name, value: f.Value.join(",") })),
            },
          ],
        })),
        nextToken: ids.length > 1 ? "more" : undefined,
      };
    },
  },
};

const fx = useAwsFront([fakeEcs, fakeEc2, createSsmService()], { region: "eu-west-1" });

describe("AWS front: JSON 1.1", () => {
  it("routes by SigV4 scope + X-Amz-Target and maps errors to typed exceptions", async () => {
    expect((await fx.aws.ecs.send(new ListClustersCommand({}))).clusterArns).toHaveLength(1);
    expect(await rejectionOf(fx.aws.ecs.send(new ListTasksCommand({ cluster: "zzz" })))).toBeInstanceOf(
      ClusterNotFoundException,
    );
  });

  it("answers unknown operations with UnknownOperationException and handler crashes with 500", async () => {
    const res = await postToFront(fx.server.url, {
      contentType: "application/x-amz-json-1.1",
      target: "AmazonEC2ContainerServiceV20141113.Nope",
      signedFor: "ecs",
      body: "{}",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: "UnknownOperationException" });
    const crash = await postToFront(fx.server.url, {
      contentType: "application/x-amz-json-1.1",
      target: "AmazonEC2ContainerServiceV20141113.Crash",
      body: "{}",
    });
    expect(crash.status).toBe(500);
    const bad = await postToFront(fx.server.url, {
      contentType: "application/x-amz-json-1.1",
      target: "AmazonEC2ContainerServiceV20141113.ListClusters",
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ __type: "SerializationException" });
  });

  it("injects throttling that the SDK sees as ThrottlingException after its retries", async () => {
    const retrying = createAwsClients({ region: "eu-west-1", endpointUrl: fx.server.url, maxAttempts: 2 });
    fx.server.faults.set({ service: "ecs", operation: "ListClusters", throttlePct: 100 });
    try {
      const before = fx.server.counters.total({ service: "ecs", operation: "ListClusters", outcome: "throttled" });
      const err = (await rejectionOf(retrying.ecs.send(new ListClustersCommand({})))) as ECSServiceException;
      // ECS has no modelled throttling shape: the SDK raises ECSServiceException named ThrottlingException.
      expect(err.name).toBe("ThrottlingException");
      expect(err.$metadata.attempts).toBe(2);
      expect(
        fx.server.counters.total({ service: "ecs", operation: "ListClusters", outcome: "throttled" }) - before,
      ).toBe(2);
      fx.server.faults.set({ service: "ssm", operation: "GetParameter", throttlePct: 100 });
      expect(await rejectionOf(retrying.ssm.send(new GetParameterCommand({ Name: "/x" })))).toBeInstanceOf(
        ThrottlingException,
      );
    } finally {
      fx.server.faults.clear();
      retrying.destroy();
    }
  });

  it("injects 5xx and latency", async () => {
    fx.server.faults.set({ service: "ecs", operation: "*", errorPct: 100 });
    const err = (await rejectionOf(fx.aws.ecs.send(new ListClustersCommand({})))) as ECSServiceException;
    expect(err.$metadata.httpStatusCode).toBe(500);
    fx.server.faults.set({ service: "ecs", operation: "*", latencyMs: 150 });
    const t0 = performance.now();
    await fx.aws.ecs.send(new ListClustersCommand({}));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    fx.server.faults.clear();
  });
});

describe("AWS front: EC2 query", () => {
  it("decodes flattened lists/filters and encodes <item> lists the SDK parses", async () => {
    const out = await fx.aws.ec2.send(
      new DescribeInstancesCommand({
        InstanceIds: ["i-1", "i-2"],
        Filters: [{ Name: "instance-state-name", Values: ["running", "pending"] }],
      }),
    );
    expect(out.Reservations?.map((r) => r.Instances?.[0]?.InstanceId)).toEqual(["i-1", "i-2"]);
    const inst = out.Reservations?.[0]?.Instances?.[0];
    expect(inst?.LaunchTime).toEqual(new Date(Date.UTC(2026, 0, 1)));
    expect(inst?.State).toEqual({ Code: 16, Name: "running" });
    expect(inst?.Tags).toEqual([{ Key: "instance-state-name", Value: "running,pending" }]);
    expect(out.NextToken).toBe("more");
  });

  it("encodes EC2 errors so the SDK reads the code", async () => {
    const err = (await rejectionOf(
      fx.aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-missing"] })),
    )) as EC2ServiceException;
    expect(err).toBeInstanceOf(EC2ServiceException);
    expect(err.name).toBe("InvalidInstanceID.NotFound");
    expect(err.message).toMatch(/i-missing/);
  });

  it("throttles EC2 with RequestLimitExceeded (503)", async () => {
    fx.server.faults.set({ service: "ec2", operation: "DescribeInstances", throttlePct: 100 });
    const err = (await rejectionOf(
      fx.aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-1"] })),
    )) as EC2ServiceException;
    fx.server.faults.clear();
    expect(err.name).toBe("RequestLimitExceeded");
    expect(err.$metadata.httpStatusCode).toBe(503);
  });

  it("answers an unknown action with InvalidAction", async () => {
    const res = await postToFront(fx.server.url, {
      contentType: "application/x-www-form-urlencoded",
      signedFor: "ec2",
      body: "Action=Nope&Version=2016-11-15",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>InvalidAction</Code>");
  });
});
