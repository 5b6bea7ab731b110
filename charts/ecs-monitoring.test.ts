import { readFileSync } from "node:fs";
import { App, aws_ec2 as ec2, aws_ecs as ecs, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { EcsMonitoring, type EcsMonitoringProps } from "./ecs-monitoring.js";
import { buildExampleStack } from "./example-stack.js";
import { renderTemplate, TEMPLATE_PATH } from "./synth.js";

let template: Template;
beforeAll(() => {
  template = Template.fromStack(buildExampleStack());
}, 120_000);

/** Every statement of every IAM policy in the template. */
function policyStatements(): Record<string, unknown>[] {
  return Object.values(template.findResources("AWS::IAM::Policy")).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties.PolicyDocument
        .Statement,
  );
}

describe("EcsMonitoring construct", () => {
  it("matches the committed template (run `npm run charts:synth` after changing charts/)", () => {
    expect(renderTemplate()).toBe(readFileSync(TEMPLATE_PATH, "utf8"));
  });

  it("runs the controller as a service with 2 replicas", () => {
    template.hasResourceProperties("AWS::ECS::Service", { DesiredCount: 2, LaunchType: "FARGATE" });
    template.hasResourceProperties("AWS::ECS::TaskDefinition", {
      ContainerDefinitions: Match.arrayWith([Match.objectLike({ Name: "controller", Command: ["controller"] })]),
    });
  });

  it("runs the agent as a DAEMON with the Docker socket mounted read-only", () => {
    template.hasResourceProperties("AWS::ECS::Service", { SchedulingStrategy: "DAEMON" });
    template.hasResourceProperties("AWS::ECS::TaskDefinition", {
      NetworkMode: "host",
      Volumes: [{ Name: "docker-socket", Host: { SourcePath: "/var/run/docker.sock" } }],
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          Name: "agent",
          MountPoints: [{ SourceVolume: "docker-socket", ContainerPath: "/var/run/docker.sock", ReadOnly: true }],
        }),
      ]),
    });
  });

  it("adds the agent as a sidecar to a Fargate task definition", () => {
    template.hasResourceProperties("AWS::ECS::TaskDefinition", {
      RequiresCompatibilities: ["FARGATE"],
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({ Name: "ecsmon-agent", Command: ["agent"], Essential: false }),
      ]),
    });
  });

  it("seeds the SSM parameter with the spec and grants GetParameter on it only", () => {
    template.hasResourceProperties("AWS::SSM::Parameter", { Name: "/ecsmon/spec", Type: "String" });
    const statements = policyStatements();
    const ssmStatements = statements.filter((s) => JSON.stringify(s.Action).includes("ssm:"));
    expect(ssmStatements).toHaveLength(1);
    expect(ssmStatements[0]?.Action).toBe("ssm:GetParameter");
    expect(JSON.stringify(ssmStatements[0]?.Resource)).toContain(":parameter/ecsmon/spec");
  });

  it("lets the controller decrypt a SecureString spec with kms:Decrypt only through SSM in its region", () => {
    const statements = policyStatements();
    const kms = statements.filter((s) => JSON.stringify(s.Action).includes("kms:"));
    expect(kms).toHaveLength(1);
    expect(kms[0]?.Action).toBe("kms:Decrypt");
    // IAM: kms:ViaService = ssm.<region>.amazonaws.com limits the key to requests SSM makes on the caller's behalf.
    expect(kms[0]?.Condition).toEqual({
      StringEquals: { "kms:ViaService": { "Fn::Join": ["", ["ssm.", { Ref: "AWS::Region" }, ".amazonaws.com"]] } },
    });
    expect(JSON.stringify(kms[0]?.Resource)).toContain(":key/*");
  });

  it("scopes PutMetricData with a cloudwatch:namespace condition everywhere", () => {
    const statements = policyStatements();
    const puts = statements.filter((s) => JSON.stringify(s.Action).includes("cloudwatch:PutMetricData"));
    expect(puts.length).toBeGreaterThanOrEqual(3);
    for (const statement of puts) {
      expect(statement.Condition).toEqual({
        StringEquals: { "cloudwatch:namespace": ["ECS/ContainerStats", "ECS/Capacity"] },
      });
    }
    const writes = statements.filter((s) =>
      /ecs:(Run|Start|Stop|Update|Create|Delete)|ec2:(Run|Terminate|Create)/.test(JSON.stringify(s.Action)),
    );
    expect(writes).toEqual([]);
  });

  it("routes aws.ecs events to an SQS queue with a DLQ and lets the controller consume only that queue", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: Match.objectLike({
        source: ["aws.ecs"],
        "detail-type": ["ECS Task State Change", "ECS Container Instance State Change", "ECS Service Action"],
      }),
    });
    template.hasResourceProperties("AWS::SQS::Queue", { RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }) });
    template.resourceCountIs("AWS::SQS::QueuePolicy", 1);
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            Resource: { "Fn::GetAtt": [Match.stringLikeRegexp("MonitoringEvents"), "Arn"] },
          }),
        ]),
      },
    });
  });

  it("creates the seed-004 alarm on SchedulableTasks, scaling the ASG out by one step", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "ECS/Capacity",
      MetricName: "SchedulableTasks",
      Dimensions: Match.arrayWith([
        { Name: "ClusterName", Value: Match.anyValue() },
        { Name: "TaskSize", Value: "small" },
      ]),
      Statistic: "Minimum",
      Period: 60,
      Threshold: 2,
      ComparisonOperator: "LessThanThreshold",
      EvaluationPeriods: 3,
      TreatMissingData: "breaching",
      AlarmActions: [{ Ref: Match.stringLikeRegexp("CapacityScaleOut") }],
    });
    template.hasResourceProperties("AWS::AutoScaling::ScalingPolicy", {
      PolicyType: "StepScaling",
      AdjustmentType: "ChangeInCapacity",
      AutoScalingGroupName: "prod-nodes",
      StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: 1 }],
      EstimatedInstanceWarmup: 300,
    });
  });

  it("creates a CloudWatch dashboard of the capacity and stats metrics", () => {
    const dashboards = Object.values(template.findResources("AWS::CloudWatch::Dashboard"));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]);
    for (const metric of ["SchedulableTasks", "RemainingENIs", "RemainingCPU", "RemainingMemory", "CPUUtilization"]) {
      expect(body).toContain(metric);
    }
    expect(body).toContain("ECS/ContainerStats");
  });

  it("creates neither the dashboard nor the alarm unless asked, and alarms on RemainingENIs without a policy", () => {
    const build = (cloudWatch: EcsMonitoringProps["cloudWatch"]) => {
      const stack = new Stack(new App({ analyticsReporting: false }), "Bare");
      const cluster = new ecs.Cluster(stack, "Cluster", {
        vpc: new ec2.Vpc(stack, "Vpc", { maxAzs: 1, natGateways: 0 }),
      });
      new EcsMonitoring(stack, "Monitoring", {
        cluster,
        image: ecs.ContainerImage.fromRegistry("ghcr.io/ecsmon/ecsmon:0.1.0"),
        spec: "apiVersion: ecsmon.dev/v1alpha1\n",
        redis: { url: "redis://redis:6379" },
        events: false,
        cloudWatch,
      });
      return Template.fromStack(stack);
    };
    const bare = build(undefined);
    bare.resourceCountIs("AWS::CloudWatch::Dashboard", 0);
    bare.resourceCountIs("AWS::CloudWatch::Alarm", 0);
    const enis = build({ capacityAlarm: { metric: "RemainingENIs", threshold: 3 } });
    enis.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "RemainingENIs",
      Dimensions: [{ Name: "ClusterName", Value: Match.anyValue() }],
      Threshold: 3,
      AlarmActions: Match.absent(),
    });
    enis.resourceCountIs("AWS::AutoScaling::ScalingPolicy", 0);
    enis.resourceCountIs("AWS::CloudWatch::Dashboard", 0);
  });

  it("creates an encrypted ElastiCache Redis and hands agents a rediss:// URL", () => {
    template.hasResourceProperties("AWS::ElastiCache::ReplicationGroup", {
      Engine: "redis",
      TransitEncryptionEnabled: true,
    });
    expect(JSON.stringify(template.toJSON())).toContain("rediss://");
    template.hasResourceProperties("AWS::ElastiCache::ReplicationGroup", {
      NumCacheClusters: 1,
      NumNodeGroups: Match.absent(),
    });
    expect(JSON.stringify(template.toJSON())).not.toContain("REDIS_CLUSTER");
  });

  it("offers ElastiCache with cluster mode enabled and tells every container it is a Redis Cluster", () => {
    const stack = new Stack(new App({ analyticsReporting: false }), "Sharded");
    const cluster = new ecs.Cluster(stack, "Cluster", {
      vpc: new ec2.Vpc(stack, "Vpc", { maxAzs: 2, natGateways: 0 }),
    });
    const monitoring = new EcsMonitoring(stack, "Monitoring", {
      cluster,
      image: ecs.ContainerImage.fromRegistry("ghcr.io/ecsmon/ecsmon:0.1.0"),
      spec: "apiVersion: ecsmon.dev/v1alpha1\n",
      redis: { elastiCache: { clusterMode: { shards: 3, replicasPerShard: 1 } } },
      events: false,
    });
    const sidecarTask = new ecs.FargateTaskDefinition(stack, "AppTask");
    monitoring.addAgentSidecar(sidecarTask);
    const sharded = Template.fromStack(stack);
    sharded.hasResourceProperties("AWS::ElastiCache::ReplicationGroup", {
      Engine: "redis",
      CacheParameterGroupName: "default.redis7.cluster.on",
      NumNodeGroups: 3,
      ReplicasPerNodeGroup: 1,
      AutomaticFailoverEnabled: true,
      TransitEncryptionEnabled: true,
      NumCacheClusters: Match.absent(),
    });
    // Controller, agent daemon and Fargate sidecar: the configuration endpoint, and REDIS_CLUSTER=true.
    const definitions = Object.values(sharded.findResources("AWS::ECS::TaskDefinition")).flatMap(
      (t) =>
        (t as { Properties: { ContainerDefinitions: { Name: string; Environment: unknown }[] } }).Properties
          .ContainerDefinitions,
    );
    const ecsmon = definitions.filter((d) => ["controller", "agent", "ecsmon-agent"].includes(d.Name));
    expect(ecsmon.map((d) => d.Name).sort()).toEqual(["agent", "controller", "ecsmon-agent"]);
    for (const d of ecsmon) {
      const env = JSON.stringify(d.Environment);
      expect(env, d.Name).toContain('{"Name":"REDIS_CLUSTER","Value":"true"}');
      expect(env, d.Name).toContain("ConfigurationEndPoint.Address");
      expect(env, d.Name).toContain("rediss://");
    }
  });
});
