import { describe, expect, it } from "vitest";
import type { DesiredTarget, ObservedCloudMapInstance } from "../model.js";
import { current, instance, observed, spec, task, taskDef } from "./fixtures.test-helpers.js";
import { endpointKey, mergeEndpoints } from "./merge-endpoints.js";
import { plan } from "./plan.js";

const target = (
  id: string,
  address: string,
  meta: Record<string, string>,
  extra: Partial<DesiredTarget["target"]> = {},
): DesiredTarget => ({
  target: { id, address, scheme: "http", metricsPath: "/metrics", labels: { from: id }, ...extra },
  cluster: "demo",
  nodeId: id.startsWith("cloudmap/") ? undefined : "node-1",
  meta,
});

describe("mergeEndpoints", () => {
  const ecs = target("task/a/app/8080/metrics", "10.1.0.5:8080", { __meta_ecs_task_arn: "task/a", __meta_x: "ecs" });
  const map = target("cloudmap/ns/svc/a/8080/metrics", "10.1.0.5:8080", {
    __meta_ecs_cloudmap_service: "svc",
    __meta_x: "cloudmap",
  });

  it("keys an endpoint by scheme, address and path", () => {
    expect(endpointKey(ecs.target)).toBe("http://10.1.0.5:8080/metrics");
  });

  const table: { name: string; sources: DesiredTarget[][]; want: { id: string; meta: Record<string, string> }[] }[] = [
    {
      name: "no overlap: both kept, unchanged",
      sources: [[ecs], [target("cloudmap/ns/svc/b/8080/metrics", "10.1.0.6:8080", {})]],
      want: [
        { id: ecs.target.id, meta: ecs.meta as Record<string, string> },
        { id: "cloudmap/ns/svc/b/8080/metrics", meta: {} },
      ],
    },
    {
      name: "docker labels win; Cloud Map adds only the discovery labels the winner lacks",
      sources: [[ecs], [map]],
      want: [
        {
          id: ecs.target.id,
          meta: { __meta_ecs_task_arn: "task/a", __meta_x: "ecs", __meta_ecs_cloudmap_service: "svc" },
        },
      ],
    },
    {
      name: "precedence is by source, not by list position within the call",
      sources: [[], [map]],
      want: [{ id: map.target.id, meta: map.meta as Record<string, string> }],
    },
    {
      name: "another path is another endpoint",
      sources: [[ecs], [{ ...map, target: { ...map.target, metricsPath: "/other" } }]],
      want: [
        { id: ecs.target.id, meta: ecs.meta as Record<string, string> },
        { id: map.target.id, meta: map.meta as Record<string, string> },
      ],
    },
    {
      name: "another scheme is another endpoint",
      sources: [[ecs], [{ ...map, target: { ...map.target, scheme: "https" } }]],
      want: [
        { id: ecs.target.id, meta: ecs.meta as Record<string, string> },
        { id: map.target.id, meta: map.meta as Record<string, string> },
      ],
    },
    {
      name: "within one source the lowest id wins, whatever the order",
      sources: [[target("task/b/app/8080/metrics", "10.1.0.5:8080", { __meta_y: "b" }), ecs]],
      want: [{ id: ecs.target.id, meta: { ...(ecs.meta as Record<string, string>), __meta_y: "b" } }],
    },
  ];
  it.each(table)("$name", ({ sources, want }) => {
    const merged = mergeEndpoints(...sources);
    expect(merged.map((t) => ({ id: t.target.id, meta: t.meta }))).toEqual(want);
  });

  it("never changes what reaches the series: the winner's target object, labels and node", () => {
    const [merged] = mergeEndpoints([ecs], [map]);
    expect(merged?.target).toBe(ecs.target);
    expect(merged?.nodeId).toBe("node-1");
    expect(ecs.meta).not.toHaveProperty("__meta_ecs_cloudmap_service");
    expect(mergeEndpoints([ecs])[0]).toBe(ecs);
  });
});

describe("plan: one endpoint, one target (docker labels and Cloud Map)", () => {
  const node1 = instance(1);
  const worker = taskDef("worker", "awsvpc", [
    { name: "worker", dockerLabels: { PROMETHEUS_SCRAPES: "8080/metrics", PROMETHEUS_LABELS: "queue=jobs" } },
  ]);
  const onEc2 = task("w1", worker, { on: node1, serviceName: "worker", eniPrivateIp: "10.1.0.5" });
  const fargate = task("f1", worker, { launchType: "FARGATE", serviceName: "worker", eniPrivateIp: "10.1.0.6" });
  const registration = (taskId: string, ipv4: string, metricsPath = "/metrics"): ObservedCloudMapInstance => ({
    namespace: "demo.local",
    serviceName: "worker",
    serviceId: "srv-worker",
    instanceId: taskId,
    ipv4,
    port: 8080,
    metricsPath,
    attributes: { AWS_INSTANCE_IPV4: ipv4, ECS_SERVICE_NAME: "worker" },
  });
  const run = (cloudMap: ObservedCloudMapInstance[]) =>
    plan(
      spec({ cloudMap: { namespaces: ["demo.local"] } }),
      observed({ tasks: [onEc2, fargate], defs: [worker], instances: [node1], cloudMap }),
      current(["node-1"]),
    );

  it("publishes an endpoint registered in Cloud Map once, as its docker-label target", () => {
    const result = run([registration("w1", "10.1.0.5"), registration("f1", "10.1.0.6")]);
    expect(result.targets.map((t) => [t.target.id, t.nodeId])).toEqual([
      [`${fargate.taskArn}/worker/8080/metrics`, undefined],
      [`${onEc2.taskArn}/worker/8080/metrics`, "node-1"],
    ]);
    const ec2 = result.targets[1];
    expect(ec2?.meta).toMatchObject({
      __meta_ecs_task_arn: onEc2.taskArn,
      __meta_ecs_cloudmap_namespace: "demo.local",
      __meta_ecs_cloudmap_service: "worker",
      __meta_ecs_cloudmap_instance_id: "w1",
      __meta_ecs_cloudmap_attribute_ECS_SERVICE_NAME: "worker",
    });
    expect(ec2?.target.labels).toEqual({
      queue: "jobs",
      cluster: "demo",
      task_family: "worker",
      task_revision: "1",
      task_id: "w1",
      container_name: "worker",
      service: "worker",
    });
    expect(result.nodes.get("node-1")?.targets.map((t) => t.id)).toEqual([`${onEc2.taskArn}/worker/8080/metrics`]);
    expect(result.pool.map((t) => t.target.id)).toEqual([`${fargate.taskArn}/worker/8080/metrics`]);
  });

  it("keeps a Cloud Map endpoint that docker labels do not find as its own target", () => {
    const result = run([registration("w1", "10.1.0.5", "/other")]);
    expect(result.targets.map((t) => t.target.id)).toEqual([
      `${fargate.taskArn}/worker/8080/metrics`,
      `${onEc2.taskArn}/worker/8080/metrics`,
      "cloudmap/demo.local/worker/w1/8080/other",
    ]);
    expect(result.targets[2]?.target.labels).toEqual({
      cluster: "demo",
      cloudmap_namespace: "demo.local",
      cloudmap_service: "worker",
      cloudmap_instance_id: "w1",
    });
  });
});
