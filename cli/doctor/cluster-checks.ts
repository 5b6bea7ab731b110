import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import {
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListContainerInstancesCommand,
  ListServicesCommand,
  ListTasksCommand,
} from "@aws-sdk/client-ecs";
import {
  ListServicesCommand as ListCloudMapServicesCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
} from "@aws-sdk/client-servicediscovery";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { ClusterSpec } from "../../crds-like-schemas/index.js";
import { type AwsCheckContext, failureFor } from "./aws-checks.js";
import { type CheckOutcome, type CheckResult, runCheck } from "./check.js";

/** A failed call inside a chain of calls, tagged so that the row names the call and the IAM action it needs. */
class StepError extends Error {
  constructor(
    readonly call: string,
    readonly action: string,
    readonly failure: unknown,
  ) {
    super(`${call} failed`);
    this.name = "StepError";
  }
}

/** Makes one call of a chain: `call` names it in the row, `action` is the IAM action a denial names. */
type Step = <T>(call: string, action: string, send: () => Promise<T>) => Promise<T>;

/**
 * One row for a chain of calls (a list, then a describe of its first item, as the observer does). The chain makes
 * its calls through `step`, and returns a summary for the ok row or an outcome of its own; ok names the calls made
 * (each once, however many pages); a failure names the call that failed, with the fix for its kind of failure.
 */
function chainCheck(
  ctx: AwsCheckContext,
  region: string,
  name: string,
  chain: (step: Step) => Promise<string | CheckOutcome>,
): Promise<CheckResult> {
  return runCheck(
    name,
    async () => {
      const calls = new Set<string>();
      const result = await chain(async (call, action, send) => {
        try {
          const output = await send();
          calls.add(call);
          return output;
        } catch (error) {
          throw new StepError(call, action, error);
        }
      });
      if (typeof result !== "string") return result;
      return { status: "ok", detail: `${[...calls].join(", ")} allowed (${result})` };
    },
    stepFailure(ctx, region),
  );
}

/** A failed chain as an outcome that names the call that failed, e.g. `DescribeTasks: AccessDeniedException: …`. */
function stepFailure(ctx: AwsCheckContext, region: string) {
  return (error: unknown): CheckOutcome => {
    if (!(error instanceof StepError)) return { status: "fail", detail: (error as Error)?.message ?? String(error) };
    const outcome = failureFor(ctx, region, error.call, error.action)(error.failure);
    return { ...outcome, detail: `${error.call}: ${outcome.detail}` };
  };
}

const firstPage = (arns: string[] | undefined, next: string | undefined, noun: string) =>
  `${arns?.length ?? 0}${next ? "+" : ""} ${noun} on the first page`;

/**
 * The read calls the controller makes for one cluster, each once: DescribeClusters; ListContainerInstances →
 * DescribeContainerInstances → EC2 DescribeInstances; ListTasks → DescribeTasks → DescribeTaskDefinition;
 * ListServices → DescribeServices (each describe on the first item listed, when there is one); Cloud Map
 * ListNamespaces → ListServices → ListInstances when namespaces are configured; SQS GetQueueAttributes when
 * events are on.
 */
export async function clusterChecks(ctx: AwsCheckContext, cluster: ClusterSpec): Promise<CheckResult[]> {
  const region = cluster.region ?? ctx.aws.region;
  const { ecs, ec2, serviceDiscovery, sqs } = ctx.clientsFor(region);
  const name = cluster.name;
  const described = await runCheck(
    `ECS DescribeClusters ${name}`,
    async () => {
      const output = await ecs.send(new DescribeClustersCommand({ clusters: [name] }));
      const found = output.clusters?.[0];
      if (!found) {
        return {
          status: "fail",
          detail: `cluster ${name} not found in ${region} (${output.failures?.[0]?.reason ?? "MISSING"})`,
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
  if (described.status === "fail") return [described];

  const rows = [
    chainCheck(ctx, region, `ECS container instances ${name}`, async (step) => {
      const listed = await step("ListContainerInstances", "ecs:ListContainerInstances", () =>
        ecs.send(new ListContainerInstancesCommand({ cluster: name, maxResults: 10 })),
      );
      const first = listed.containerInstanceArns?.[0];
      const instances = first
        ? await step("DescribeContainerInstances", "ecs:DescribeContainerInstances", () =>
            ecs.send(new DescribeContainerInstancesCommand({ cluster: name, containerInstances: [first] })),
          )
        : undefined;
      const ec2InstanceId = instances?.containerInstances?.[0]?.ec2InstanceId;
      if (ec2InstanceId) {
        await step("EC2 DescribeInstances", "ec2:DescribeInstances", () =>
          ec2.send(new DescribeInstancesCommand({ InstanceIds: [ec2InstanceId] })),
        );
      }
      return firstPage(listed.containerInstanceArns, listed.nextToken, "container instances");
    }),
    chainCheck(ctx, region, `ECS tasks ${name}`, async (step) => {
      const listed = await step("ListTasks", "ecs:ListTasks", () =>
        ecs.send(new ListTasksCommand({ cluster: name, maxResults: 10 })),
      );
      const first = listed.taskArns?.[0];
      const tasks = first
        ? await step("DescribeTasks", "ecs:DescribeTasks", () =>
            ecs.send(new DescribeTasksCommand({ cluster: name, tasks: [first] })),
          )
        : undefined;
      const taskDefinition = tasks?.tasks?.[0]?.taskDefinitionArn;
      if (taskDefinition) {
        await step("DescribeTaskDefinition", "ecs:DescribeTaskDefinition", () =>
          ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition })),
        );
      }
      return firstPage(listed.taskArns, listed.nextToken, "tasks");
    }),
    chainCheck(ctx, region, `ECS services ${name}`, async (step) => {
      const listed = await step("ListServices", "ecs:ListServices", () =>
        ecs.send(new ListServicesCommand({ cluster: name, maxResults: 10 })),
      );
      const first = listed.serviceArns?.[0];
      if (first) {
        await step("DescribeServices", "ecs:DescribeServices", () =>
          ecs.send(new DescribeServicesCommand({ cluster: name, services: [first] })),
        );
      }
      return firstPage(listed.serviceArns, listed.nextToken, "services");
    }),
  ];

  const wanted = cluster.cloudMap.namespaces;
  if (wanted.length > 0) {
    rows.push(
      chainCheck(ctx, region, `Cloud Map ${wanted.join(", ")}`, async (step) => {
        const ids = new Map<string, string>();
        let token: string | undefined;
        do {
          const page = await step("ListNamespaces", "servicediscovery:ListNamespaces", () =>
            serviceDiscovery.send(new ListNamespacesCommand({ NextToken: token })),
          );
          for (const namespace of page.Namespaces ?? []) {
            if (namespace.Name && namespace.Id) ids.set(namespace.Name, namespace.Id);
          }
          token = page.NextToken;
        } while (token);
        const missing = wanted.filter((namespace) => !ids.has(namespace));
        if (missing.length > 0) {
          return {
            status: "fail",
            detail: `namespace${missing.length === 1 ? "" : "s"} ${missing.join(", ")} not found in ${region}`,
            fix: "check spec.clusters[].cloudMap.namespaces against `aws servicediscovery list-namespaces`",
          };
        }
        const services = await step("ListServices", "servicediscovery:ListServices", () =>
          serviceDiscovery.send(
            new ListCloudMapServicesCommand({
              Filters: [{ Name: "NAMESPACE_ID", Values: [ids.get(wanted[0] as string) as string], Condition: "EQ" }],
            }),
          ),
        );
        const serviceId = services.Services?.[0]?.Id;
        if (serviceId) {
          await step("ListInstances", "servicediscovery:ListInstances", () =>
            serviceDiscovery.send(new ListInstancesCommand({ ServiceId: serviceId })),
          );
        }
        return `${wanted.length} namespace(s) found`;
      }),
    );
  }

  const queueUrl = cluster.events?.queueUrl;
  if (queueUrl) {
    rows.push(
      runCheck(
        `SQS GetQueueAttributes ${queueUrl}`,
        async () => {
          const output = await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
          );
          return { status: "ok", detail: `${output.Attributes?.ApproximateNumberOfMessages ?? "?"} messages waiting` };
        },
        failureFor(ctx, region, "SQS GetQueueAttributes", "sqs:GetQueueAttributes"),
      ),
    );
  }
  return [described, ...(await Promise.all(rows))];
}
