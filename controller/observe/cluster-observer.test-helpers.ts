import { expect } from "vitest";
import { ClusterSpec } from "../../crds-like-schemas/index.js";
import type { CloudMapApi, Ec2Api, EcsApi } from "./aws-apis.js";
import { ClusterObserver } from "./cluster-observer.js";

/**
 * A small in-memory ECS/EC2/Cloud Map behind the narrow interfaces (unit test fake; the integration tests use the
 * simulator over HTTP). It paginates like the real APIs and can fail chosen operations.
 */
export const ARN = "arn:aws:ecs:eu-west-1:000000000000";
export const CLUSTER_ARN = `${ARN}:cluster/demo`;

interface FakeTask {
  taskArn: string;
  taskDefinitionArn: string;
  lastStatus: string;
  desiredStatus: string;
  version: number;
  containerInstanceArn?: string;
  group?: string;
  containers: { name: string; networkBindings: { containerPort: number; hostPort: number }[] }[];
}

export class FakeAws {
  tasks = new Map<string, FakeTask>();
  instances = [1, 2, 3].map((n) => ({
    containerInstanceArn: `${ARN}:container-instance/demo/node-${n}`,
    ec2InstanceId: `i-${n}`,
    status: "ACTIVE",
    agentConnected: true,
    registeredResources: [{ name: "CPU", integerValue: 2048 }],
    remainingResources: [{ name: "CPU", integerValue: 1024 }],
    attributes: n === 3 ? [{ name: "ecs.awsvpc-trunk-id", value: "eni-1" }] : [],
  }));
  calls: Record<string, number> = {};
  failing = new Set<string>();
  pageSize = 100;
  /** The observers' clock (ms); tests move it forward by hand. */
  clock = Date.parse("2026-01-01T00:00:00Z");

  /** An observer of this fake's cluster "demo" in eu-west-1, on `clock`. */
  observer(s = spec()): ClusterObserver {
    return new ClusterObserver({
      spec: s,
      region: "eu-west-1",
      ecs: this.ecs,
      ec2: this.ec2,
      cloudMap: this.cloudMap,
      now: () => this.clock,
    });
  }

  private count(op: string): void {
    this.calls[op] = (this.calls[op] ?? 0) + 1;
    if (this.failing.has(op)) {
      throw Object.assign(new Error("Rate exceeded"), {
        name: "ThrottlingException",
        $metadata: { httpStatusCode: 400 },
      });
    }
  }

  private page<T>(items: T[], token: string | undefined, size = this.pageSize): { items: T[]; next?: string } {
    const start = token ? Number(token) : 0;
    const next = start + size < items.length ? String(start + size) : undefined;
    return { items: items.slice(start, start + size), ...(next ? { next } : {}) };
  }

  addTask(id: string, status = "RUNNING", node = 1): FakeTask {
    const task: FakeTask = {
      taskArn: `${ARN}:task/demo/${id}`,
      taskDefinitionArn: `${ARN}:task-definition/web:${(Number(id.replace(/\D/g, "")) % 3) + 1}`,
      lastStatus: status,
      desiredStatus: "RUNNING",
      version: 1,
      containerInstanceArn: `${ARN}:container-instance/demo/node-${node}`,
      group: "service:web",
      containers: [{ name: "app", networkBindings: [{ containerPort: 8080, hostPort: 32000 + this.tasks.size }] }],
    };
    this.tasks.set(task.taskArn, task);
    return task;
  }

  ecs: EcsApi = {
    describeClusters: async () => {
      this.count("DescribeClusters");
      return { clusters: [{ clusterArn: CLUSTER_ARN, clusterName: "demo", status: "ACTIVE" }] };
    },
    listTasks: async (input) => {
      this.count("ListTasks");
      const arns = [...this.tasks.values()].filter((t) => t.desiredStatus === "RUNNING").map((t) => t.taskArn);
      const { items, next } = this.page(arns, input.nextToken);
      return { taskArns: items, nextToken: next };
    },
    describeTasks: async (input) => {
      this.count("DescribeTasks");
      expect(input.tasks?.length).toBeLessThanOrEqual(100);
      return { tasks: (input.tasks ?? []).map((arn) => this.tasks.get(arn)).filter((t) => t !== undefined) as never };
    },
    describeTaskDefinition: async (input) => {
      this.count("DescribeTaskDefinition");
      const arn = input.taskDefinition ?? "";
      return {
        taskDefinition: {
          taskDefinitionArn: arn,
          family: "web",
          revision: Number(arn.split(":").pop()),
          networkMode: "bridge",
          containerDefinitions: [{ name: "app", dockerLabels: { PROMETHEUS_SCRAPES: "8080" } }],
        },
      };
    },
    listContainerInstances: async (input) => {
      this.count("ListContainerInstances");
      const { items, next } = this.page(
        this.instances.map((i) => i.containerInstanceArn),
        input.nextToken,
        2,
      );
      return { containerInstanceArns: items, nextToken: next };
    },
    describeContainerInstances: async (input) => {
      this.count("DescribeContainerInstances");
      return {
        containerInstances: this.instances.filter((i) => input.containerInstances?.includes(i.containerInstanceArn)),
      };
    },
    listServices: async () => {
      this.count("ListServices");
      return { serviceArns: [`${ARN}:service/demo/web`] };
    },
    describeServices: async () => {
      this.count("DescribeServices");
      return {
        services: [
          {
            serviceName: "web",
            serviceArn: `${ARN}:service/demo/web`,
            desiredCount: 3,
            runningCount: 2,
            pendingCount: 1,
          },
        ],
      };
    },
  };

  ec2: Ec2Api = {
    describeInstances: async (input) => {
      this.count("DescribeInstances");
      return {
        Reservations: [
          {
            Instances: (input.InstanceIds ?? []).map((id) => ({
              InstanceId: id,
              PrivateIpAddress: `10.0.0.${id.slice(2)}`,
              InstanceType: "m5.large",
              Placement: { AvailabilityZone: "eu-west-1a" },
            })),
          },
        ],
      };
    },
    describeInstanceTypes: async (input) => {
      this.count("DescribeInstanceTypes");
      return {
        InstanceTypes: (input.InstanceTypes ?? []).map((t) => ({
          InstanceType: t,
          NetworkInfo: { MaximumNetworkInterfaces: 3 },
          VCpuInfo: { DefaultVCpus: 2 },
          MemoryInfo: { SizeInMiB: 8192 },
        })),
      };
    },
  };

  cloudMap: CloudMapApi = {
    listNamespaces: async (input) => {
      this.count("ListNamespaces");
      const all = [
        { Id: "ns-1", Name: "ecs-services" },
        { Id: "ns-2", Name: "other" },
      ];
      const { items, next } = this.page(all, input.NextToken, 1);
      return { Namespaces: items, NextToken: next };
    },
    listServices: async (input) => {
      this.count("CloudMapListServices");
      expect(input.Filters?.[0]).toEqual({ Name: "NAMESPACE_ID", Values: ["ns-1"], Condition: "EQ" });
      return { Services: [{ Id: "srv-1", Name: "api", Arn: "arn:aws:servicediscovery:eu-west-1:0:service/srv-1" }] };
    },
    listTagsForResource: async () => {
      this.count("ListTagsForResource");
      return { Tags: [{ Key: "METRICS_PATH", Value: "/tagged" }] };
    },
    listInstances: async (input) => {
      this.count("ListInstances");
      const all = [1, 2, 3].map((n) => ({
        Id: `inst-${n}`,
        Attributes: {
          AWS_INSTANCE_IPV4: `10.9.0.${n}`,
          METRICS_PORT: "9100",
          ...(n === 2 ? { METRICS_PATH: "/own" } : {}),
        },
      }));
      const { items, next } = this.page(all, input.NextToken, 2);
      return { Instances: items, NextToken: next };
    },
  };
}

export function spec(overrides: Record<string, unknown> = {}): ClusterSpec {
  return ClusterSpec.parse({ name: "demo", ...overrides });
}
