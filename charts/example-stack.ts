import { readFileSync } from "node:fs";
import {
  App,
  aws_autoscaling as autoscaling,
  DefaultStackSynthesizer,
  aws_ec2 as ec2,
  aws_ecs as ecs,
  Stack,
} from "aws-cdk-lib";
import { fromRoot } from "../lib/paths.js";
import { EcsMonitoring } from "./ecs-monitoring.js";

/** The reference deployment whose template is committed as charts/dist/ecsmon.template.json. */
export function buildExampleStack(): Stack {
  const app = new App({ analyticsReporting: false });
  const stack = new Stack(app, "Ecsmon", {
    synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
    description: "ecsmon: declarative ECS monitoring (controller, agents, spec parameter, Redis, events queue)",
  });
  const vpc = new ec2.Vpc(stack, "Vpc", { maxAzs: 2, natGateways: 1 });
  const cluster = new ecs.Cluster(stack, "Cluster", { vpc, clusterName: "prod" });
  // The cluster's existing Auto Scaling group (its capacity provider), scaled out by the seed-004 alarm.
  const nodes = autoscaling.AutoScalingGroup.fromAutoScalingGroupName(stack, "Nodes", "prod-nodes");
  const monitoring = new EcsMonitoring(stack, "Monitoring", {
    cluster,
    image: ecs.ContainerImage.fromRegistry("ghcr.io/ecsmon/ecsmon:0.1.0"),
    spec: readFileSync(fromRoot("charts/deploy-spec.yaml"), "utf8"),
    redis: { elastiCache: {} },
    // Seed 004: add a node when fewer than 2 more "small" tasks fit for 3 minutes.
    cloudWatch: {
      dashboard: true,
      capacityAlarm: { metric: "SchedulableTasks", taskSize: "small", threshold: 2, autoScalingGroup: nodes },
    },
  });
  const fargateApp = new ecs.FargateTaskDefinition(stack, "FargateApp", { cpu: 256, memoryLimitMiB: 512 });
  fargateApp.addContainer("app", {
    image: ecs.ContainerImage.fromRegistry("public.ecr.aws/example/app:1"),
    dockerLabels: { PROMETHEUS_SCRAPES: "8080/metrics" },
    portMappings: [{ containerPort: 8080 }],
  });
  monitoring.addAgentSidecar(fargateApp);
  return stack;
}
