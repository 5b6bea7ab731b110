import {
  type aws_cloudwatch as cloudwatch,
  Duration,
  aws_ec2 as ec2,
  aws_ecs as ecs,
  aws_elasticache as elasticache,
  aws_events as events,
  Fn,
  aws_iam as iam,
  aws_logs as logs,
  RemovalPolicy,
  Stack,
  aws_sqs as sqs,
  aws_ssm as ssm,
  aws_events_targets as targets,
} from "aws-cdk-lib";
import { Construct } from "constructs";
import { type CloudWatchOptions, createCapacityAlarm, createCloudWatchDashboard } from "./capacity-alarms.js";
import {
  cloudMapReadStatement,
  discoveryReadStatement,
  eventsQueueStatement,
  putMetricDataStatement,
  specDecryptStatement,
  specReadStatement,
} from "./iam-policies.js";

/**
 * Redis for BullMQ: an existing URL (rediss:// for TLS; `cluster: true` when it is a Redis Cluster's configuration
 * endpoint), or a new ElastiCache replication group: a single node, or with `clusterMode` a Redis Cluster of
 * `shards` primaries (cluster mode enabled), each with `replicasPerShard` replicas. ecsmon's keys are hash-tagged
 * per ECS cluster, node and queue (ADR 0062), so they spread over the shards.
 */
export type RedisOption =
  | { url: string; cluster?: boolean }
  | { elastiCache: { nodeType?: string; clusterMode?: ElastiCacheClusterMode } };

export interface ElastiCacheClusterMode {
  /** Primaries (node groups); the 16,384 slots are split between them. @defaultValue 2 */
  shards?: number;
  /** Replicas of each primary, promoted automatically when it fails. @defaultValue 1 */
  replicasPerShard?: number;
}

export interface EcsMonitoringProps {
  /** The monitored cluster; agents run on its container instances as a DAEMON service, the controller as a Fargate service. */
  cluster: ecs.ICluster;
  /** The ecsmon image (its entrypoint is `ecsmon`). */
  image: ecs.ContainerImage;
  /**
   * The MonitoringSpec (YAML) that seeds the SSM parameter. The placeholder `{{eventsQueueUrl}}` is replaced with the
   * URL of the events queue this construct creates.
   */
  spec: string;
  /** @defaultValue "/ecsmon/spec" */
  specParameterName?: string;
  /**
   * The customer-managed KMS key of a SecureString spec, if any: the controller may decrypt with it through SSM
   * only. @defaultValue any key of the account and region, still only through SSM (`kms:ViaService`)
   */
  specKmsKeyArn?: string;
  redis: RedisOption;
  /** Controller replicas; they split the clusters through Redis leases. @defaultValue 2 */
  controllerReplicas?: number;
  /** CloudWatch namespaces the controller and agents may write (PutMetricData condition). @defaultValue ["ECS/ContainerStats", "ECS/Capacity"] */
  metricNamespaces?: string[];
  /** Create the EventBridge rule → SQS queue (+ DLQ) for event-driven reconciliation. @defaultValue true */
  events?: boolean;
  /** A CloudWatch dashboard and the seed-004 capacity alarm (optionally scaling an ASG out). @defaultValue neither */
  cloudWatch?: CloudWatchOptions;
}

const CONTROLLER_PORT = 9470;
const AGENT_PORT = 9471;

/**
 * ecsmon on AWS: the SSM spec parameter, the controller service (2 replicas), the agent DAEMON service with a
 * read-only Docker socket, least-privilege IAM, Redis, and the ECS events queue. `addAgentSidecar()` adds the
 * agent to a Fargate task definition.
 */
export class EcsMonitoring extends Construct {
  readonly specParameter: ssm.StringParameter;
  readonly controllerService: ecs.FargateService;
  readonly agentService: ecs.Ec2Service;
  readonly eventsQueue: sqs.Queue | undefined;
  readonly redisUrl: string;
  /** Whether {@link redisUrl} is a Redis Cluster's configuration endpoint (the containers get REDIS_CLUSTER=true). */
  readonly redisCluster: boolean;
  /** The CloudWatch dashboard, when `cloudWatch.dashboard` is set. */
  readonly dashboard: cloudwatch.Dashboard | undefined;
  /** The seed-004 alarm, when `cloudWatch.capacityAlarm` is set. */
  readonly capacityAlarm: cloudwatch.Alarm | undefined;
  private readonly props: EcsMonitoringProps;
  private readonly namespaces: string[];

  constructor(scope: Construct, id: string, props: EcsMonitoringProps) {
    super(scope, id);
    this.props = props;
    this.namespaces = props.metricNamespaces ?? ["ECS/ContainerStats", "ECS/Capacity"];
    const stack = Stack.of(this);
    const parameterName = props.specParameterName ?? "/ecsmon/spec";

    this.eventsQueue = props.events === false ? undefined : this.createEventsPipeline(props.cluster);
    const specText = this.eventsQueue
      ? // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, not JS templates.
        Fn.sub(props.spec.replaceAll("${", "${!").replaceAll("{{eventsQueueUrl}}", "${EventsQueueUrl}"), {
          EventsQueueUrl: this.eventsQueue.queueUrl,
        })
      : props.spec;
    this.specParameter = new ssm.StringParameter(this, "Spec", {
      parameterName,
      description: "ecsmon MonitoringSpec (apiVersion ecsmon.dev/v1alpha1)",
      stringValue: specText,
      tier: Buffer.byteLength(props.spec) > 4096 ? ssm.ParameterTier.ADVANCED : ssm.ParameterTier.STANDARD,
    });

    if ("url" in props.redis) {
      this.redisUrl = props.redis.url;
      this.redisCluster = props.redis.cluster ?? false;
    } else {
      const { nodeType, clusterMode } = props.redis.elastiCache;
      this.redisUrl = this.createElastiCache(props.cluster.vpc, nodeType, clusterMode);
      this.redisCluster = clusterMode !== undefined;
    }
    this.controllerService = this.createController(stack, parameterName, props.controllerReplicas ?? 2);
    this.agentService = this.createAgentDaemon();

    const cw = props.cloudWatch ?? {};
    const capacityNamespace = cw.capacityNamespace ?? "ECS/Capacity";
    const clusterName = props.cluster.clusterName;
    this.dashboard = cw.dashboard
      ? createCloudWatchDashboard(this, clusterName, capacityNamespace, cw.statsNamespace ?? "ECS/ContainerStats")
      : undefined;
    this.capacityAlarm = cw.capacityAlarm
      ? createCapacityAlarm(this, clusterName, capacityNamespace, cw.capacityAlarm).alarm
      : undefined;
  }

  /** Adds the ecsmon agent as a sidecar to a Fargate task definition (it finds its task through metadata v4). */
  addAgentSidecar(taskDefinition: ecs.FargateTaskDefinition): ecs.ContainerDefinition {
    taskDefinition.addToTaskRolePolicy(putMetricDataStatement(this.namespaces));
    return taskDefinition.addContainer("ecsmon-agent", {
      image: this.props.image,
      command: ["agent"],
      essential: false,
      cpu: 64,
      memoryReservationMiB: 64,
      environment: { ...this.redisEnvironment(), ECSMON_AGENT_BIND: `0.0.0.0:${AGENT_PORT}` },
      portMappings: [{ containerPort: AGENT_PORT }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: "ecsmon-agent", logRetention: logs.RetentionDays.ONE_WEEK }),
    });
  }

  /** REDIS_URL, and REDIS_CLUSTER=true for a Redis Cluster (lib/config.ts). */
  private redisEnvironment(): Record<string, string> {
    return { REDIS_URL: this.redisUrl, ...(this.redisCluster ? { REDIS_CLUSTER: "true" } : {}) };
  }

  private createController(stack: Stack, parameterName: string, replicas: number): ecs.FargateService {
    const taskDefinition = new ecs.FargateTaskDefinition(this, "ControllerTask", { cpu: 512, memoryLimitMiB: 1024 });
    taskDefinition.addToTaskRolePolicy(discoveryReadStatement());
    taskDefinition.addToTaskRolePolicy(cloudMapReadStatement());
    taskDefinition.addToTaskRolePolicy(specReadStatement(stack, parameterName));
    taskDefinition.addToTaskRolePolicy(specDecryptStatement(stack, this.props.specKmsKeyArn));
    taskDefinition.addToTaskRolePolicy(putMetricDataStatement(this.namespaces));
    if (this.eventsQueue) taskDefinition.addToTaskRolePolicy(eventsQueueStatement(this.eventsQueue.queueArn));
    taskDefinition.addContainer("controller", {
      image: this.props.image,
      command: ["controller"],
      environment: {
        ...this.redisEnvironment(),
        ECSMON_SPEC_PARAMETER: parameterName,
        ECSMON_API_BIND: `0.0.0.0:${CONTROLLER_PORT}`,
      },
      portMappings: [{ containerPort: CONTROLLER_PORT }],
      healthCheck: {
        command: [
          "CMD",
          "node",
          "-e",
          `fetch('http://127.0.0.1:${CONTROLLER_PORT}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
        ],
        interval: Duration.seconds(15),
      },
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: "ecsmon-controller", logRetention: logs.RetentionDays.ONE_WEEK }),
    });
    return new ecs.FargateService(this, "Controller", {
      cluster: this.props.cluster,
      taskDefinition,
      desiredCount: replicas,
      minHealthyPercent: 50,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
    });
  }

  private createAgentDaemon(): ecs.Ec2Service {
    // Host networking: the agent reaches ECS agent introspection on 127.0.0.1:51678, IMDS, and bridge host ports.
    const taskDefinition = new ecs.Ec2TaskDefinition(this, "AgentTask", { networkMode: ecs.NetworkMode.HOST });
    taskDefinition.addToTaskRolePolicy(putMetricDataStatement(this.namespaces));
    taskDefinition.addToTaskRolePolicy(
      new iam.PolicyStatement({ sid: "InstanceTypeLimits", actions: ["ec2:DescribeInstanceTypes"], resources: ["*"] }),
    );
    taskDefinition.addVolume({ name: "docker-socket", host: { sourcePath: "/var/run/docker.sock" } });
    const container = taskDefinition.addContainer("agent", {
      image: this.props.image,
      command: ["agent"],
      cpu: 128,
      memoryReservationMiB: 128,
      environment: {
        ...this.redisEnvironment(),
        ECSMON_AGENT_BIND: `0.0.0.0:${AGENT_PORT}`,
        ECS_AGENT_URI: "http://127.0.0.1:51678",
        DOCKER_HOST: "unix:///var/run/docker.sock",
      },
      portMappings: [{ containerPort: AGENT_PORT }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: "ecsmon-agent", logRetention: logs.RetentionDays.ONE_WEEK }),
    });
    container.addMountPoints({ sourceVolume: "docker-socket", containerPath: "/var/run/docker.sock", readOnly: true });
    return new ecs.Ec2Service(this, "Agent", { cluster: this.props.cluster, taskDefinition, daemon: true });
  }

  private createEventsPipeline(cluster: ecs.ICluster): sqs.Queue {
    const deadLetters = new sqs.Queue(this, "EventsDeadLetters", { retentionPeriod: Duration.days(14) });
    const queue = new sqs.Queue(this, "Events", {
      visibilityTimeout: Duration.seconds(60),
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
      enforceSSL: true,
    });
    new events.Rule(this, "EcsEvents", {
      description: "ECS task, container instance and service events for ecsmon",
      eventPattern: {
        source: ["aws.ecs"],
        detailType: ["ECS Task State Change", "ECS Container Instance State Change", "ECS Service Action"],
        detail: { clusterArn: [cluster.clusterArn] },
      },
      targets: [new targets.SqsQueue(queue)],
    });
    return queue;
  }

  /**
   * A TLS, encrypted replication group in the private subnets. Without `clusterMode`: one node, reached through its
   * primary endpoint. With it: cluster mode enabled (the `default.redis7.cluster.on` parameter group), `shards` node
   * groups with automatic failover, reached through the configuration endpoint, from which ioredis's Cluster client
   * learns every shard.
   */
  private createElastiCache(vpc: ec2.IVpc, nodeType = "cache.t4g.micro", clusterMode?: ElastiCacheClusterMode): string {
    const securityGroup = new ec2.SecurityGroup(this, "RedisSecurityGroup", { vpc, description: "ecsmon Redis" });
    securityGroup.addIngressRule(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(6379), "ecsmon controller and agents");
    const subnets = new elasticache.CfnSubnetGroup(this, "RedisSubnets", {
      description: "ecsmon Redis",
      subnetIds: vpc.privateSubnets.map((subnet) => subnet.subnetId),
    });
    const replicas = clusterMode?.replicasPerShard ?? 1;
    const topology = clusterMode
      ? {
          engineVersion: "7.1",
          cacheParameterGroupName: "default.redis7.cluster.on",
          numNodeGroups: clusterMode.shards ?? 2,
          replicasPerNodeGroup: replicas,
          automaticFailoverEnabled: replicas > 0,
          multiAzEnabled: replicas > 0,
        }
      : { numCacheClusters: 1 };
    const group = new elasticache.CfnReplicationGroup(this, "Redis", {
      replicationGroupDescription: "ecsmon BullMQ queues and leases",
      engine: "redis",
      cacheNodeType: nodeType,
      ...topology,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      cacheSubnetGroupName: subnets.ref,
      securityGroupIds: [securityGroup.securityGroupId],
    });
    group.applyRemovalPolicy(RemovalPolicy.DESTROY);
    return clusterMode
      ? `rediss://${group.attrConfigurationEndPointAddress}:${group.attrConfigurationEndPointPort}`
      : `rediss://${group.attrPrimaryEndPointAddress}:${group.attrPrimaryEndPointPort}`;
  }
}
