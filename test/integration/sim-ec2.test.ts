import { DescribeInstancesCommand, DescribeInstanceTypesCommand } from "@aws-sdk/client-ec2";
import { DescribeContainerInstancesCommand, ListContainerInstancesCommand } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { rejectionOf, useSim } from "../helpers/use-sim.js";

const fx = useSim({
  nodeSurfaces: false,
  scenario: {
    name: "ec2",
    cluster: "ec2",
    instances: [
      { type: "m5.large", count: 4 },
      { type: "c5.xlarge", count: 3 },
      { type: "c6g.large", count: 1 },
    ],
    taskDefinitions: [
      { family: "vpc", networkMode: "awsvpc", containers: [{ name: "a", memory: 32, portMappings: [8080] }] },
      {
        family: "fg",
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
        cpu: 256,
        memory: 512,
        containers: [{ name: "a" }],
      },
    ],
    tasks: [
      { taskDefinition: "vpc", count: 3 },
      { taskDefinition: "fg", count: 2 },
    ],
  },
});

const errorOf = rejectionOf<{ name: string; message: string }>;

describe("simulated EC2 through @aws-sdk/client-ec2", () => {
  it("describes instances matching the container instances, with private IPs and primary ENIs", async () => {
    const res = await fx.aws.ec2.send(new DescribeInstancesCommand({}));
    const instances = (res.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    expect(instances).toHaveLength(8);
    const cis = await fx.aws.ecs.send(new ListContainerInstancesCommand({ cluster: "ec2" }));
    const described = await fx.aws.ecs.send(
      new DescribeContainerInstancesCommand({ cluster: "ec2", containerInstances: cis.containerInstanceArns }),
    );
    const ids = new Set(described.containerInstances?.map((c) => c.ec2InstanceId));
    for (const i of instances) {
      expect(ids.has(i.InstanceId)).toBe(true);
      expect(i.State?.Name).toBe("running");
      expect(i.PrivateIpAddress).toMatch(/^127\.\d+\.\d+\.\d+$/);
      expect(i.NetworkInterfaces?.[0]?.PrivateIpAddress).toBe(i.PrivateIpAddress);
      expect(i.NetworkInterfaces?.[0]?.MacAddress).toMatch(/^0a(:[0-9a-f]{2}){5}$/);
      expect(i.LaunchTime).toBeInstanceOf(Date);
    }
    expect(new Set(instances.map((i) => i.PrivateIpAddress)).size).toBe(8);
  });

  it("selects instances by the instance-id filter (ecsmon's fallback) and refuses other filters", async () => {
    const all = (await fx.aws.ec2.send(new DescribeInstancesCommand({}))).Reservations!.flatMap((r) => r.Instances!);
    const wanted = [all[2]!.InstanceId!, all[5]!.InstanceId!, "i-0123456789abcdef0"];
    const byFilter = await fx.aws.ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: wanted }] }),
    );
    expect(
      (byFilter.Reservations ?? [])
        .flatMap((r) => r.Instances ?? [])
        .map((i) => i.InstanceId)
        .sort(),
    ).toEqual([all[2]!.InstanceId, all[5]!.InstanceId].sort());
    const err = await errorOf(
      fx.aws.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "instance-type", Values: ["m5.large"] }] })),
    );
    expect(err.name).toBe("InvalidParameterValue");
  });

  it("maps unknown and malformed instance ids to their EC2 error codes", async () => {
    const notFound = await errorOf(
      fx.aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-0123456789abcdef0"] })),
    );
    expect(notFound.name).toBe("InvalidInstanceID.NotFound");
    expect(notFound.message).toContain("i-0123456789abcdef0");
    const malformed = await errorOf(fx.aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: ["bogus"] })));
    expect(malformed.name).toBe("InvalidInstanceID.Malformed");
  });

  it("describes instance types with real network, vCPU and memory figures", async () => {
    const res = await fx.aws.ec2.send(
      new DescribeInstanceTypesCommand({ InstanceTypes: ["m5.large", "c5.xlarge", "t3.micro", "c6g.xlarge"] }),
    );
    const byName = Object.fromEntries((res.InstanceTypes ?? []).map((t) => [t.InstanceType, t]));
    expect(byName["m5.large"]).toMatchObject({
      VCpuInfo: { DefaultVCpus: 2 },
      MemoryInfo: { SizeInMiB: 8192 },
      NetworkInfo: { MaximumNetworkInterfaces: 3, Ipv4AddressesPerInterface: 10 },
    });
    expect(byName["c5.xlarge"]?.NetworkInfo).toMatchObject({
      MaximumNetworkInterfaces: 4,
      Ipv4AddressesPerInterface: 15,
    });
    expect(byName["t3.micro"]).toMatchObject({
      MemoryInfo: { SizeInMiB: 1024 },
      NetworkInfo: { MaximumNetworkInterfaces: 2 },
    });
    expect(byName["c6g.xlarge"]?.ProcessorInfo?.SupportedArchitectures).toEqual(["arm64"]);
    const all = await fx.aws.ec2.send(new DescribeInstanceTypesCommand({}));
    expect((all.InstanceTypes ?? []).length).toBeGreaterThanOrEqual(20);
    const err = await errorOf(
      fx.aws.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ["x9.huge" as never] })),
    );
    expect(err.name).toBe("InvalidInstanceType");
  });
});
