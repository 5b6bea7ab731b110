import { describe, expect, it } from "vitest";
import { toTargetGroups } from "../outputs/target-groups.js";
import {
  awsShapedPlan,
  CLUSTER_ARN,
  containerArn,
  definitionArn,
  EC2_ID,
  INSTANCE_ARN,
  RUNTIME_ID,
  SERVICE_ARN,
  TASK_IDS,
  taskArn,
} from "./aws-shaped.test-helpers.js";
import { sanitizeLabelName } from "./meta-labels.js";

/**
 * Names AND values of every discovery label, per network mode and for Fargate. The expected values are read off
 * the AWS responses in aws-shaped.test-helpers.ts and Prometheus's discovery/aws/ecs.go (v3.10): which field
 * each label takes, `network_mode` "awsvpc" for a task with an ENI and "bridge" for any other EC2 task,
 * `subnet_id` and `public_ip` from the ENI (awsvpc) or the EC2 instance, tag keys sanitized per code point.
 */

const common = {
  __meta_ecs_cluster: "prod",
  __meta_ecs_cluster_arn: CLUSTER_ARN,
  __meta_ecs_region: "us-east-1",
  __meta_ecs_launch_type: "EC2",
  __meta_ecs_desired_status: "RUNNING",
  __meta_ecs_last_status: "RUNNING",
  __meta_ecs_tag_cluster_env: "prod",
  __meta_ecs_tag_cluster_team_owner: "platform",
};

/** What an EC2 task carries of its container instance. */
const onInstance = {
  __meta_ecs_container_instance_arn: INSTANCE_ARN,
  __meta_ecs_ec2_instance_id: EC2_ID,
  __meta_ecs_ec2_instance_type: "m5.large",
  __meta_ecs_ec2_instance_private_ip: "10.0.1.25",
  __meta_ecs_ec2_instance_public_ip: "54.210.1.20",
  __meta_ecs_instance_id: EC2_ID,
  __meta_ecs_tag_ec2_Name: "ecs-prod-1",
  __meta_ecs_tag_ec2_aws_autoscaling_groupName: "prod-asg",
  instance_id: EC2_ID,
};

const expected: Record<string, { address: string; meta: Record<string, string> }> = {
  bridge: {
    address: "10.0.1.25:32768",
    meta: {
      ...common,
      ...onInstance,
      __meta_ecs_service: "web",
      __meta_ecs_service_arn: SERVICE_ARN,
      __meta_ecs_service_status: "ACTIVE",
      __meta_ecs_tag_service_app_tier: "frontend",
      __meta_ecs_task_group: "service:web",
      __meta_ecs_task_arn: taskArn(TASK_IDS.bridge),
      __meta_ecs_task_id: TASK_IDS.bridge,
      __meta_ecs_task_definition: definitionArn("web", 7),
      __meta_ecs_task_family: "web",
      __meta_ecs_task_revision: "7",
      __meta_ecs_availability_zone: "us-east-1a",
      __meta_ecs_subnet_id: "subnet-0aa11bb22cc33dd44",
      __meta_ecs_ip_address: "10.0.1.25",
      __meta_ecs_public_ip: "54.210.1.20",
      __meta_ecs_health_status: "HEALTHY",
      __meta_ecs_network_mode: "bridge",
      __meta_ecs_task_definition_network_mode: "bridge",
      __meta_ecs_tag_task_cost_center: "1234",
      __meta_ecs_tag_task__launch: "2024",
      __meta_ecs_container_name: "app",
      __meta_ecs_container_image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2",
      __meta_ecs_container_arn: containerArn(TASK_IDS.bridge, "064c4ef7-6bb2-4ec3-b619-e0d6896f52c4"),
      __meta_ecs_container_runtime_id: RUNTIME_ID,
      __meta_ecs_container_port: "8080",
      container_arn: containerArn(TASK_IDS.bridge, "064c4ef7-6bb2-4ec3-b619-e0d6896f52c4"),
      container_name: "app",
      task_name: "web",
      task_revision: "7",
      __task_group: "service:web",
      __container_image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2",
      __container_runtime_id: RUNTIME_ID,
    },
  },
  host: {
    address: "10.0.1.25:9100",
    meta: {
      ...common,
      ...onInstance,
      __meta_ecs_task_group: "family:node-exporter",
      __meta_ecs_task_arn: taskArn(TASK_IDS.host),
      __meta_ecs_task_id: TASK_IDS.host,
      __meta_ecs_task_definition: definitionArn("node-exporter", 13),
      __meta_ecs_task_family: "node-exporter",
      __meta_ecs_task_revision: "13",
      __meta_ecs_availability_zone: "us-east-1a",
      __meta_ecs_subnet_id: "subnet-0aa11bb22cc33dd44",
      __meta_ecs_ip_address: "10.0.1.25",
      __meta_ecs_public_ip: "54.210.1.20",
      __meta_ecs_health_status: "UNKNOWN",
      // ecs.go: no ENI attachment and a container instance → "bridge", host mode included (ADR 0046).
      __meta_ecs_network_mode: "bridge",
      __meta_ecs_task_definition_network_mode: "host",
      __meta_ecs_container_name: "node-exporter",
      __meta_ecs_container_image: "prom/node-exporter:v1.0.1",
      __meta_ecs_container_arn: containerArn(TASK_IDS.host, "978972c8-646d-49cc-9933-4bb3daa2eeea"),
      __meta_ecs_container_runtime_id: RUNTIME_ID,
      __meta_ecs_container_port: "9100",
      container_arn: containerArn(TASK_IDS.host, "978972c8-646d-49cc-9933-4bb3daa2eeea"),
      container_name: "node-exporter",
      task_name: "node-exporter",
      task_revision: "13",
      __task_group: "family:node-exporter",
      __container_image: "prom/node-exporter:v1.0.1",
      __container_runtime_id: RUNTIME_ID,
    },
  },
  awsvpc: {
    address: "10.0.2.40:8080",
    meta: {
      ...common,
      ...onInstance,
      __meta_ecs_task_group: "family:worker",
      __meta_ecs_task_arn: taskArn(TASK_IDS.awsvpc),
      __meta_ecs_task_id: TASK_IDS.awsvpc,
      __meta_ecs_task_definition: definitionArn("worker", 3),
      __meta_ecs_task_family: "worker",
      __meta_ecs_task_revision: "3",
      __meta_ecs_availability_zone: "us-east-1a",
      // The ENI's subnet; its public IP would need EC2 DescribeNetworkInterfaces, which ecsmon does not call.
      __meta_ecs_subnet_id: "subnet-0eni0000000000001",
      __meta_ecs_ip_address: "10.0.2.40",
      __meta_ecs_health_status: "UNHEALTHY",
      __meta_ecs_network_mode: "awsvpc",
      __meta_ecs_task_definition_network_mode: "awsvpc",
      __meta_ecs_container_name: "worker",
      __meta_ecs_container_image: "worker:3",
      __meta_ecs_container_arn: containerArn(TASK_IDS.awsvpc, "7abd91d2-091d-4f12-80a7-14c279260aac"),
      __meta_ecs_container_runtime_id: RUNTIME_ID,
      __meta_ecs_container_port: "8080",
      container_arn: containerArn(TASK_IDS.awsvpc, "7abd91d2-091d-4f12-80a7-14c279260aac"),
      container_name: "worker",
      task_name: "worker",
      task_revision: "3",
      __task_group: "family:worker",
      __container_image: "worker:3",
      __container_runtime_id: RUNTIME_ID,
    },
  },
  fargate: {
    address: "10.0.3.17:9090",
    meta: {
      ...common,
      __meta_ecs_launch_type: "FARGATE",
      __meta_ecs_task_group: "family:checkout",
      __meta_ecs_task_arn: taskArn(TASK_IDS.fargate),
      __meta_ecs_task_id: TASK_IDS.fargate,
      __meta_ecs_task_definition: definitionArn("checkout", 2),
      __meta_ecs_task_family: "checkout",
      __meta_ecs_task_revision: "2",
      __meta_ecs_availability_zone: "us-east-1b",
      __meta_ecs_subnet_id: "subnet-0far0000000000002",
      __meta_ecs_ip_address: "10.0.3.17",
      __meta_ecs_health_status: "UNKNOWN",
      __meta_ecs_platform_family: "Linux",
      __meta_ecs_platform_version: "1.4.0",
      __meta_ecs_network_mode: "awsvpc",
      __meta_ecs_task_definition_network_mode: "awsvpc",
      __meta_ecs_tag_task_team: "payments",
      __meta_ecs_container_name: "checkout",
      __meta_ecs_container_image: "checkout:2",
      __meta_ecs_container_arn: containerArn(TASK_IDS.fargate, "d89fdd2d-a5cd-4cbd-9a3e-e0a5c2d1b7f4"),
      __meta_ecs_container_runtime_id: `${TASK_IDS.fargate}-1527056392`,
      __meta_ecs_container_port: "9090",
      container_arn: containerArn(TASK_IDS.fargate, "d89fdd2d-a5cd-4cbd-9a3e-e0a5c2d1b7f4"),
      container_name: "checkout",
      task_name: "checkout",
      task_revision: "2",
      __task_group: "family:checkout",
      __container_image: "checkout:2",
      __container_runtime_id: `${TASK_IDS.fargate}-1527056392`,
    },
  },
};

/** Drops undefined members: MetaLabels keeps absent labels as undefined slots. */
const defined = (meta: Readonly<Record<string, string | undefined>>) =>
  Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined));

describe("ECS discovery labels from AWS-shaped responses", () => {
  it.each(Object.entries(TASK_IDS))("%s: every label name and value", async (mode, taskId) => {
    const { targets } = await awsShapedPlan();
    const target = targets.find((t) => t.taskArn === taskArn(taskId));
    const want = expected[mode];
    expect(target?.target.address).toBe(want?.address);
    expect(defined(target?.meta ?? {})).toEqual(want?.meta);
  });

  it("puts every discovery label into the target's http_sd/file_sd group", async () => {
    const { targets } = await awsShapedPlan();
    for (const group of toTargetGroups(targets)) {
      const mode = Object.entries(TASK_IDS).find(([, id]) => group.labels.__meta_ecs_task_id === id)?.[0] ?? "";
      expect(group.targets).toEqual([expected[mode]?.address]);
      expect(group.labels).toMatchObject(expected[mode]?.meta ?? { missing: mode });
    }
  });

  it.each([
    ["team/owner", "team_owner"],
    ["aws:autoscaling:groupName", "aws_autoscaling_groupName"],
    ["ünïcode", "_n_code"],
    ["🚀launch", "_launch"],
    ["already_fine_9", "already_fine_9"],
  ])("sanitizes tag key %j to %j, one underscore per code point as Go's regexp does", (key, want) => {
    expect(sanitizeLabelName(key)).toBe(want);
  });
});
