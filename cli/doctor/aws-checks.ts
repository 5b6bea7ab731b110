import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  DescribeClustersCommand,
  ListClustersCommand,
  ListContainerInstancesCommand,
  ListServicesCommand,
  ListTasksCommand,
} from "@aws-sdk/client-ecs";
import { ListNamespacesCommand } from "@aws-sdk/client-servicediscovery";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import type { ClusterSpec } from "../../crds-like-schemas/index.js";
import type { AwsClients } from "../../lib/aws/clients.js";
import type { Config } from "../../lib/config.js";
import { awsFailure } from "./aws-errors.js";
import { type CheckOutcome, type CheckResult, runCheck } from "./check.js";

/** What the AWS checks need: the AWS settings and a client set per region. */
export interface AwsCheckContext {
  aws: Config["aws"];
  clientsFor(region: string): AwsClients;
}

/** The metric the opt-in PutMetricData check publishes: one datum of 1 (Count) per namespace. */
export const DOCTOR_METRIC_NAME = "EcsmonDoctorCheck";

function failureFor(ctx: AwsCheckContext, region: string, call: string, action: string) {
  return (error: unknown): CheckOutcome =>
    awsFailure(error, {
      call,
      action,
      region,
      endpointUrl: ctx.aws.endpointUrl,
      connectTimeoutMs: ctx.aws.connectTimeoutMs,
      requestTimeoutMs: ctx.aws.requestTimeoutMs,
    });
}

/** `AKIA…MPLE`: enough to tell identities apart without printing the key. */
function maskKeyId(keyId: string): string {
  return keyId.length <= 8 ? `${keyId.slice(0, 2)}…` : `${keyId.slice(0, 4)}…${keyId.slice(-4)}`;
}

/**
 * Credentials and region: resolves the default provider chain, then proves the credentials with the cheapest
 * signed call the controller is allowed anyway (ECS ListClusters, one result). STS is not used: ecsmon's role
 * needs no STS permission and the SDK client is not a dependency.
 */
export function credentialsCheck(ctx: AwsCheckContext): Promise<CheckResult> {
  const region = ctx.aws.region;
  return runCheck(
    "credentials and region",
    async () => {
      const ecs = ctx.clientsFor(region).ecs;
      const identity = await ecs.config.credentials();
      const listed = await ecs.send(new ListClustersCommand({ maxResults: 1 }));
      const some = (listed.clusterArns?.length ?? 0) > 0 ? "clusters visible" : "no clusters visible";
      return {
        status: "ok",
        detail: `key ${maskKeyId(identity.accessKeyId)}${identity.sessionToken ? " (temporary)" : ""} accepted in ${region} (ECS ListClusters: ${some})${ctx.aws.endpointUrl ? ` via ${ctx.aws.endpointUrl}` : ""}`,
      };
    },
    failureFor(ctx, region, "ECS ListClusters", "ecs:ListClusters"),
  );
}

/** The stored spec: GetParameter with decryption (which also needs kms:Decrypt for a customer-managed key). */
export async function specParameterCheck(
  ctx: AwsCheckContext,
  parameter: string,
  options: { specFileGiven: boolean },
): Promise<{ result: CheckResult; text: string | undefined }> {
  const region = ctx.aws.region;
  let text: string | undefined;
  const result = await runCheck(
    `SSM GetParameter ${parameter}`,
    async () => {
      try {
        const output = await ctx
          .clientsFor(region)
          .ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
        text = output.Parameter?.Value ?? "";
        const bytes = Buffer.byteLength(text, "utf8").toLocaleString("en-US");
        return {
          status: "ok",
          detail: `version ${output.Parameter?.Version ?? "?"}, ${output.Parameter?.Type ?? "String"}, ${bytes} bytes`,
        };
      } catch (error) {
        if ((error as Error).name !== "ParameterNotFound") throw error;
        return {
          status: options.specFileGiven ? "warn" : "fail",
          detail: `parameter ${parameter} not found in ${region}`,
          fix: `store the spec with \`ecsmon spec apply <file> --parameter ${parameter}\`, or check the region (--region, AWS_REGION) and ECSMON_SPEC_PARAMETER`,
        };
      }
    },
    (error) => {
      const outcome = failureFor(ctx, region, "SSM GetParameter", "ssm:GetParameter")(error);
      if ((error as Error)?.name?.startsWith("KMS") || /kms/i.test((error as Error)?.message ?? "")) {
        outcome.fix = `allow kms:Decrypt on the parameter's key, with the condition kms:ViaService = ssm.${region}.amazonaws.com`;
      }
      return outcome;
    },
  );
  return { result, text };
}

/**
 * The read calls the controller makes for one cluster, each once: DescribeClusters, ListContainerInstances,
 * ListTasks, ListServices; Cloud Map ListNamespaces when namespaces are configured; SQS GetQueueAttributes when
 * events are on.
 */
export async function clusterChecks(ctx: AwsCheckContext, cluster: ClusterSpec): Promise<CheckResult[]> {
  const region = cluster.region ?? ctx.aws.region;
  const { ecs, serviceDiscovery, sqs } = ctx.clientsFor(region);
  const name = cluster.name;
  const results: CheckResult[] = [];
  const describe = await runCheck(
    `ECS DescribeClusters ${name}`,
    async () => {
      const output = await ecs.send(new DescribeClustersCommand({ clusters: [name] }));
      const found = output.clusters?.[0];
      if (!found) {
        const reason = output.failures?.[0]?.reason ?? "MISSING";
        return {
          status: "fail",
          detail: `cluster ${name} not found in ${region} (${reason})`,
          fix: `check the cluster name in the spec and the region (${cluster.region ? "the cluster's region field" : "--region or AWS_REGION"})`,
        };
      }
      if (found.status !== "ACTIVE") {
        return { status: "fail", detail: `cluster ${name} is ${found.status}`, fix: "monitor an ACTIVE cluster" };
      }
      return {
        status: "ok",
        detail: `ACTIVE in ${region}: ${found.registeredContainerInstancesCount ?? 0} container instances, ${found.runningTasksCount ?? 0} running tasks, ${found.activeServicesCount ?? 0} services`,
      };
    },
    failureFor(ctx, region, "ECS DescribeClusters", "ecs:DescribeClusters"),
  );
  results.push(describe);
  if (describe.status === "fail") return results;

  const listing = (call: string, action: string, send: () => Promise<{ count: number; more: boolean }>, noun: string) =>
    runCheck(
      `ECS ${call} ${name}`,
      async () => {
        const { count, more } = await send();
        return { status: "ok", detail: `allowed (${count}${more ? "+" : ""} ${noun} on the first page)` };
      },
      failureFor(ctx, region, `ECS ${call}`, action),
    );
  results.push(
    ...(await Promise.all([
      listing(
        "ListContainerInstances",
        "ecs:ListContainerInstances",
        async () =>
          page(
            await ecs.send(new ListContainerInstancesCommand({ cluster: name, maxResults: 10 })),
            "containerInstanceArns",
          ),
        "container instances",
      ),
      listing(
        "ListTasks",
        "ecs:ListTasks",
        async () => page(await ecs.send(new ListTasksCommand({ cluster: name, maxResults: 10 })), "taskArns"),
        "tasks",
      ),
      listing(
        "ListServices",
        "ecs:ListServices",
        async () => page(await ecs.send(new ListServicesCommand({ cluster: name, maxResults: 10 })), "serviceArns"),
        "services",
      ),
    ])),
  );

  if (cluster.cloudMap.namespaces.length > 0) {
    results.push(
      await runCheck(
        `Cloud Map ListNamespaces ${cluster.cloudMap.namespaces.join(",")}`,
        async () => {
          const names = new Set<string>();
          let token: string | undefined;
          do {
            const output = await serviceDiscovery.send(new ListNamespacesCommand({ NextToken: token }));
            for (const namespace of output.Namespaces ?? []) if (namespace.Name) names.add(namespace.Name);
            token = output.NextToken;
          } while (token);
          const missing = cluster.cloudMap.namespaces.filter((namespace) => !names.has(namespace));
          if (missing.length > 0) {
            return {
              status: "fail",
              detail: `namespace${missing.length === 1 ? "" : "s"} ${missing.join(", ")} not found in ${region}`,
              fix: "check spec.clusters[].cloudMap.namespaces against `aws servicediscovery list-namespaces`",
            };
          }
          return { status: "ok", detail: `${cluster.cloudMap.namespaces.length} namespace(s) found` };
        },
        failureFor(ctx, region, "Cloud Map ListNamespaces", "servicediscovery:ListNamespaces"),
      ),
    );
  }

  const queueUrl = cluster.events?.queueUrl;
  if (queueUrl) {
    results.push(
      await runCheck(
        `SQS GetQueueAttributes ${queueUrl}`,
        async () => {
          const output = await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
          );
          return {
            status: "ok",
            detail: `${output.Attributes?.ApproximateNumberOfMessages ?? "?"} messages waiting`,
          };
        },
        failureFor(ctx, region, "SQS GetQueueAttributes", "sqs:GetQueueAttributes"),
      ),
    );
  }
  return results;
}

function page<K extends string>(output: Partial<Record<K, string[]>> & { nextToken?: string | undefined }, key: K) {
  return { count: output[key]?.length ?? 0, more: Boolean(output.nextToken) };
}

/**
 * PutMetricData into each namespace the spec publishes to. CloudWatch has no dry run, so without `put` the check
 * is skipped with a note; with it, one datum `EcsmonDoctorCheck = 1` (Count) is published per namespace, which
 * proves the cloudwatch:namespace-scoped permission end to end (and creates that one custom metric).
 */
export async function putMetricChecks(
  ctx: AwsCheckContext,
  targets: { region: string; namespace: string }[],
  put: boolean,
): Promise<CheckResult[]> {
  return Promise.all(
    targets.map(({ region, namespace }) => {
      const name = `CloudWatch PutMetricData ${namespace}${region === ctx.aws.region ? "" : ` (${region})`}`;
      if (!put) {
        return Promise.resolve<CheckResult>({
          name,
          status: "skip",
          detail: "CloudWatch has no dry run; pass --put-test-metric to publish one EcsmonDoctorCheck datum",
          durationMs: 0,
        });
      }
      return runCheck(
        name,
        async () => {
          await ctx.clientsFor(region).cloudwatch.send(
            new PutMetricDataCommand({
              Namespace: namespace,
              MetricData: [{ MetricName: DOCTOR_METRIC_NAME, Value: 1, Unit: "Count", Timestamp: new Date() }],
            }),
          );
          return { status: "ok", detail: `published ${DOCTOR_METRIC_NAME}=1` };
        },
        failureFor(
          ctx,
          region,
          "CloudWatch PutMetricData",
          `cloudwatch:PutMetricData (condition cloudwatch:namespace = ${namespace})`,
        ),
      );
    }),
  );
}
