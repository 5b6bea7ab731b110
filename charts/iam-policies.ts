import { aws_iam as iam, type Stack } from "aws-cdk-lib";

/**
 * Least-privilege statements for ecsmon. The controller needs seed 003's ECS/EC2 read set, Cloud Map reads,
 * `ssm:GetParameter` on the spec parameter only, `kms:Decrypt` only through SSM (a SecureString spec), and
 * `cloudwatch:PutMetricData` restricted by namespace.
 * The agent needs only PutMetricData (stats namespace) and DescribeInstanceTypes (ENI limits).
 */

/** ECS and EC2 reads used by the controller's observers (no writes). */
export function discoveryReadStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: "EcsEc2DiscoveryRead",
    actions: [
      "ecs:ListClusters",
      "ecs:DescribeClusters",
      "ecs:ListTasks",
      "ecs:DescribeTasks",
      "ecs:DescribeTaskDefinition",
      "ecs:ListContainerInstances",
      "ecs:DescribeContainerInstances",
      "ecs:ListServices",
      "ecs:DescribeServices",
      "ec2:DescribeInstances",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeNetworkInterfaces",
    ],
    // These ECS/EC2 read actions do not support resource-level restrictions.
    resources: ["*"],
  });
}

export function cloudMapReadStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: "CloudMapRead",
    actions: [
      "servicediscovery:ListNamespaces",
      "servicediscovery:ListServices",
      "servicediscovery:ListInstances",
      "servicediscovery:ListTagsForResource",
      "servicediscovery:DiscoverInstances",
    ],
    resources: ["*"],
  });
}

/** Read the spec parameter, and nothing else in SSM. */
export function specReadStatement(stack: Stack, parameterName: string): iam.PolicyStatement {
  const name = parameterName.startsWith("/") ? parameterName.slice(1) : parameterName;
  return new iam.PolicyStatement({
    sid: "SpecParameterRead",
    actions: ["ssm:GetParameter"],
    resources: [stack.formatArn({ service: "ssm", resource: "parameter", resourceName: name })],
  });
}

/**
 * Decrypt a SecureString spec encrypted with a customer-managed KMS key (the AWS-managed `aws/ssm` key needs no
 * policy). The `kms:ViaService` condition limits it to decryption requested by SSM in this stack's region, so
 * the role cannot use the key directly. Without a key ARN, any key in the account and region qualifies.
 */
export function specDecryptStatement(stack: Stack, keyArn?: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: "SpecParameterDecrypt",
    actions: ["kms:Decrypt"],
    resources: [keyArn ?? stack.formatArn({ service: "kms", resource: "key", resourceName: "*" })],
    conditions: { StringEquals: { "kms:ViaService": `ssm.${stack.region}.amazonaws.com` } },
  });
}

/** PutMetricData only into the given namespaces (PutMetricData has no resource ARN; the condition key scopes it). */
export function putMetricDataStatement(namespaces: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: "PutMetricDataScoped",
    actions: ["cloudwatch:PutMetricData"],
    resources: ["*"],
    conditions: { StringEquals: { "cloudwatch:namespace": namespaces } },
  });
}

/** Consume the ECS events queue (issue 10): receive and delete on that queue only. */
export function eventsQueueStatement(queueArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: "EventsQueueConsume",
    actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
    resources: [queueArn],
  });
}
