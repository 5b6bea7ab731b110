import { readFileSync } from "node:fs";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
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

  it("creates an encrypted ElastiCache Redis and hands agents a rediss:// URL", () => {
    template.hasResourceProperties("AWS::ElastiCache::ReplicationGroup", {
      Engine: "redis",
      TransitEncryptionEnabled: true,
    });
    expect(JSON.stringify(template.toJSON())).toContain("rediss://");
  });
});
