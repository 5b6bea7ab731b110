import {
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  InvalidParameterException,
  ListContainerInstancesCommand,
  ListTasksCommand,
  RunTaskCommand,
  TagResourceCommand,
} from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { useSim } from "../helpers/use-sim.js";

/**
 * The simulator's ECS tagging against the API reference (real @aws-sdk/client-ecs): DescribeClusters,
 * DescribeServices and DescribeTasks return `tags` only with `include: ["TAGS"]`; TagResource; `tags` on RunTask;
 * the reserved `aws:` prefix.
 */

const fx = useSim();
const cluster = "demo";

async function firstTaskArn(serviceName: string): Promise<string> {
  const list = await fx.aws.ecs.send(new ListTasksCommand({ cluster, serviceName }));
  const arn = list.taskArns?.[0];
  if (!arn) throw new Error(`service ${serviceName} has no task`);
  return arn;
}

describe("simulated ECS tags", () => {
  it("returns task tags only when DescribeTasks includes TAGS", async () => {
    const arn = await firstTaskArn("web");
    await fx.aws.ecs.send(
      new TagResourceCommand({
        resourceArn: arn,
        tags: [
          { key: "team", value: "web" },
          { key: "cost-center", value: "42" },
        ],
      }),
    );
    const plain = await fx.aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: [arn] }));
    expect(plain.tasks?.[0]?.tags).toBeUndefined();
    const tagged = await fx.aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: [arn], include: ["TAGS"] }));
    expect(tagged.tasks?.[0]?.tags).toEqual([
      { key: "team", value: "web" },
      { key: "cost-center", value: "42" },
    ]);
    // TagResource adds and overwrites by key.
    await fx.aws.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "team", value: "edge" }] }));
    const again = await fx.aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: [arn], include: ["TAGS"] }));
    expect(again.tasks?.[0]?.tags).toEqual([
      { key: "team", value: "edge" },
      { key: "cost-center", value: "42" },
    ]);
  });

  it("returns cluster and service tags only with include TAGS", async () => {
    const clusterArn = `arn:aws:ecs:${fx.sim.region}:000000000000:cluster/${cluster}`;
    await fx.aws.ecs.send(new TagResourceCommand({ resourceArn: clusterArn, tags: [{ key: "env", value: "demo" }] }));
    const plain = await fx.aws.ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
    expect(plain.clusters?.[0]?.tags).toBeUndefined();
    const tagged = await fx.aws.ecs.send(new DescribeClustersCommand({ clusters: [cluster], include: ["TAGS"] }));
    expect(tagged.clusters?.[0]?.tags).toEqual([{ key: "env", value: "demo" }]);

    const services = await fx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: ["api"] }));
    expect(services.services?.[0]?.tags).toBeUndefined();
    const withTags = await fx.aws.ecs.send(
      new DescribeServicesCommand({ cluster, services: ["api"], include: ["TAGS"] }),
    );
    expect(withTags.services?.[0]?.tags).toEqual([]);
  });

  it("returns container instance tags only with include TAGS", async () => {
    const arn =
      (await fx.aws.ecs.send(new ListContainerInstancesCommand({ cluster }))).containerInstanceArns?.[0] ?? "";
    await fx.aws.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "pool", value: "general" }] }));
    const plain = await fx.aws.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: [arn] }));
    expect(plain.containerInstances?.[0]?.tags).toBeUndefined();
    const tagged = await fx.aws.ecs.send(
      new DescribeContainerInstancesCommand({ cluster, containerInstances: [arn], include: ["TAGS"] }),
    );
    expect(tagged.containerInstances?.[0]?.tags).toEqual([{ key: "pool", value: "general" }]);
  });

  it("tags tasks launched with tags (RunTask)", async () => {
    const run = await fx.aws.ecs.send(
      new RunTaskCommand({ cluster, taskDefinition: "batch", tags: [{ key: "job", value: "nightly" }] }),
    );
    const arn = run.tasks?.[0]?.taskArn as string;
    const tasks = await fx.aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: [arn], include: ["TAGS"] }));
    expect(tasks.tasks?.[0]?.tags).toEqual([{ key: "job", value: "nightly" }]);
  });

  it("rejects the reserved aws: prefix, unknown include values and unknown resources", async () => {
    const arn = await firstTaskArn("web");
    await expect(
      fx.aws.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "aws:owner", value: "x" }] })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      fx.aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: [arn], include: ["NOPE" as "TAGS"] })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      fx.aws.ecs.send(
        new TagResourceCommand({
          resourceArn: `arn:aws:ecs:${fx.sim.region}:000000000000:task/${cluster}/0123456789abcdef0123456789abcdef`,
          tags: [{ key: "a", value: "b" }],
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });
});
