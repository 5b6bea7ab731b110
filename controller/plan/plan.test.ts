import { describe, expect, it } from "vitest";
import type { ObservedTask } from "../model.js";
import { current, instance, observed, spec, task, taskDef } from "./fixtures.test-helpers.js";
import { plan } from "./plan.js";

const node1 = instance(1);
const node2 = instance(2);
const scrapeLabel = (value: string, labels?: string) => ({
  PROMETHEUS_SCRAPES: value,
  ...(labels ? { PROMETHEUS_LABELS: labels } : {}),
});

function withBindings(t: ObservedTask, bindings: [number, number][]): ObservedTask {
  const [first, ...rest] = t.containers;
  return {
    ...t,
    containers: [
      { ...first!, networkBindings: bindings.map(([containerPort, hostPort]) => ({ containerPort, hostPort })) },
      ...rest,
    ],
  };
}

describe("plan: address resolution", () => {
  const bridge = taskDef("web", "bridge", [{ name: "app", dockerLabels: scrapeLabel("8080/internal/metrics,9106") }]);
  const host = taskDef("exporter", "host", [{ name: "node-exporter", dockerLabels: scrapeLabel("9100") }]);
  const awsvpc = taskDef("api", "awsvpc", [{ name: "api", dockerLabels: scrapeLabel("8080") }]);
  const none = taskDef("batch", "none", [{ name: "b", dockerLabels: scrapeLabel("8080") }]);

  it.each([
    [
      "bridge: instance IP + mapped host port, one target per scrape entry",
      bridge,
      withBindings(task("t1", bridge, { on: node1 }), [
        [8080, 32768],
        [9106, 32769],
      ]),
      [
        ["t1/app/8080/internal/metrics", "10.0.0.1:32768", "/internal/metrics"],
        ["t1/app/9106/metrics", "10.0.0.1:32769", "/metrics"],
      ],
    ],
    [
      "host: instance IP + container port",
      host,
      task("t2", host, { on: node2 }),
      [["t2/node-exporter/9100/metrics", "10.0.0.2:9100", "/metrics"]],
    ],
    [
      "awsvpc on EC2: ENI IP + container port",
      awsvpc,
      task("t3", awsvpc, { on: node1, eniPrivateIp: "10.1.0.7" }),
      [["t3/api/8080/metrics", "10.1.0.7:8080", "/metrics"]],
    ],
    [
      "Fargate: ENI IP + container port",
      awsvpc,
      task("t4", awsvpc, { launchType: "FARGATE", eniPrivateIp: "10.2.0.9" }),
      [["t4/api/8080/metrics", "10.2.0.9:8080", "/metrics"]],
    ],
    ["network mode none: no address", none, task("t5", none, { on: node1 }), []],
    ["bridge without a binding for the port: no target", bridge, task("t6", bridge, { on: node1 }), []],
  ])("%s", (_name, def, t, expected) => {
    const result = plan(spec(), observed({ tasks: [t], defs: [def], instances: [node1, node2] }), current());
    const prefix = "arn:aws:ecs:eu-west-1:000000000000:task/demo/";
    const got = result.targets.map((d) => [d.target.id.replace(prefix, ""), d.target.address, d.target.metricsPath]);
    expect(got).toEqual(expected);
    if (expected.length === 0) expect(result.invalid.length).toBeGreaterThan(0);
  });
});

describe("plan: labels", () => {
  const def = taskDef("web", "host", [
    { name: "app", dockerLabels: scrapeLabel("8080", "__scheme__=https,team=a,cluster=spoofed,task_id=x") },
  ]);

  it("injects identity labels that user labels cannot override, and honours __scheme__", () => {
    const t = task("t1", def, { on: node1, serviceName: "web-svc" });
    const [target] = plan(spec(), observed({ tasks: [t], defs: [def], instances: [node1] }), current()).targets;
    expect(target?.target.scheme).toBe("https");
    expect(target?.target.labels).toEqual({
      team: "a",
      cluster: "demo",
      service: "web-svc",
      task_family: "web",
      task_revision: "1",
      task_id: "t1",
      container_name: "app",
    });
  });

  it("sets Prometheus-compatible __meta_ecs_* labels", () => {
    const t = task("t1", def, { on: node1, serviceName: "web-svc" });
    const [target] = plan(spec(), observed({ tasks: [t], defs: [def], instances: [node1] }), current()).targets;
    expect(target?.meta).toMatchObject({
      __meta_ecs_cluster: "demo",
      __meta_ecs_cluster_arn: "arn:aws:ecs:eu-west-1:000000000000:cluster/demo",
      __meta_ecs_service: "web-svc",
      __meta_ecs_task_group: "service:web-svc",
      __meta_ecs_task_arn: t.taskArn,
      __meta_ecs_task_definition: def.taskDefinitionArn,
      __meta_ecs_region: "eu-west-1",
      __meta_ecs_launch_type: "EC2",
      // Prometheus's ecs.go says "bridge" for every EC2 task without an ENI, host mode included (ADR 0046).
      __meta_ecs_network_mode: "bridge",
      __meta_ecs_task_definition_network_mode: "host",
      __meta_ecs_ip_address: "10.0.0.1",
      __meta_ecs_ec2_instance_id: node1.ec2InstanceId,
      __meta_ecs_instance_id: node1.ec2InstanceId,
      __meta_ecs_ec2_instance_type: "m5.large",
      __meta_ecs_container_name: "app",
      __meta_ecs_task_family: "web",
      __meta_ecs_task_revision: "1",
      __meta_ecs_container_image: "web:latest",
      __meta_ecs_container_arn: t.containers[0]?.containerArn,
    });
    // Seed 003's own names sit beside the __meta_ecs_* ones (docs/labels.md).
    const seed003 = ["container_arn", "container_name", "instance_id", "task_name", "task_revision"];
    const seed003Hidden = ["__task_group", "__container_image", "__container_runtime_id"];
    for (const key of Object.keys(target?.meta ?? {})) {
      if (![...seed003, ...seed003Hidden].includes(key)) expect(key).toMatch(/^__meta_ecs_[a-z0-9_]+$/);
    }
  });

  it("uses __metrics_path__ for entries without a path, and the spec's scheme otherwise", () => {
    const d = taskDef("w", "host", [{ name: "a", dockerLabels: scrapeLabel("80,81/own", "__metrics_path__=/custom") }]);
    const result = plan(
      spec({ scrape: { scheme: "https" } }),
      observed({ tasks: [task("t", d, { on: node1 })], defs: [d], instances: [node1] }),
      current(),
    );
    expect(result.targets.map((t) => [t.target.metricsPath, t.target.scheme])).toEqual([
      ["/custom", "https"],
      ["/own", "https"],
    ]);
  });

  it("reads seed 002's port/path label when configured", () => {
    const d = taskDef("w", "host", [
      { name: "a", dockerLabels: { "container-exposes-metrics": "9100/path/to/metrics" } },
    ]);
    const s = spec({ scrape: { labels: { portPath: "container-exposes-metrics" } } });
    const result = plan(
      s,
      observed({ tasks: [task("t", d, { on: node1 })], defs: [d], instances: [node1] }),
      current(),
    );
    expect(result.targets.map((t) => t.target.address + t.target.metricsPath)).toEqual([
      "10.0.0.1:9100/path/to/metrics",
    ]);
  });
});

describe("plan: invalid targets", () => {
  it.each([
    ["9106,80a", 1, 'PROMETHEUS_SCRAPES: invalid port "80a" (unexpected "a") at position 5'],
    ["localhost:6379", 0, "PROMETHEUS_SCRAPES: invalid port"],
    ["8080/../admin", 0, 'path segment ".." is not allowed at position 5'],
  ])("%j → %i targets and a reason with the position", (value, valid, reason) => {
    const d = taskDef("w", "host", [{ name: "a", dockerLabels: scrapeLabel(value) }]);
    const t = task("t", d, { on: node1 });
    const result = plan(spec(), observed({ tasks: [t], defs: [d], instances: [node1] }), current());
    expect(result.targets).toHaveLength(valid);
    expect(result.invalid).toHaveLength(1);
    expect(result.invalid[0]?.id).toBe(`${t.taskArn}/a/label`);
    expect(result.invalid[0]?.reason).toContain(reason);
  });

  it("a bad PROMETHEUS_LABELS invalidates the container", () => {
    const d = taskDef("w", "host", [
      { name: "a", dockerLabels: scrapeLabel("8080", "__address__=169.254.169.254:80") },
    ]);
    const result = plan(
      spec(),
      observed({ tasks: [task("t", d, { on: node1 })], defs: [d], instances: [node1] }),
      current(),
    );
    expect(result.targets).toEqual([]);
    expect(result.invalid[0]?.reason).toBe('PROMETHEUS_LABELS: reserved label name "__address__" at position 0');
  });
});

describe("plan: selection", () => {
  const web = taskDef("web", "host", [{ name: "a", dockerLabels: scrapeLabel("80") }]);
  const batch = taskDef("batch", "host", [{ name: "a", dockerLabels: scrapeLabel("81") }]);
  const tasks = [
    task("w1", web, { on: node1, serviceName: "web" }),
    task("w2", web, { on: node2, serviceName: "web-api" }), // host mode: port 80 is free only on another node
    task("b1", batch, { on: node1 }),
    task("p1", web, { on: node1, serviceName: "web", lastStatus: "PENDING" }),
    task("s1", web, { on: node1, serviceName: "web", lastStatus: "STOPPED" }),
  ];
  it.each([
    [{}, ["b1", "w1", "w2"]],
    [{ serviceNames: ["web"] }, ["w1"]],
    [{ serviceNames: ["web.*"] }, ["w1", "w2"]],
    [{ taskFamilies: ["batch"] }, ["b1"]],
    [{ serviceNames: ["web.*"], taskFamilies: ["batch"] }, []],
    [{ serviceNames: ["nomatch", "web-api"] }, ["w2"]],
  ])("selector %j → %j", (selector, expected) => {
    const result = plan(
      spec({ selector }),
      observed({ tasks, defs: [web, batch], instances: [node1, node2] }),
      current(),
    );
    expect(result.targets.map((t) => t.target.labels.task_id).sort()).toEqual(expected);
  });

  it("scrape.enabled=false produces no targets", () => {
    const result = plan(
      spec({ scrape: { enabled: false } }),
      observed({ tasks, defs: [web, batch], instances: [node1] }),
      current(),
    );
    expect(result.targets).toEqual([]);
  });
});

describe("plan: nodes, pool and stats", () => {
  const def = taskDef("web", "awsvpc", [
    { name: "app", cpu: 256, memory: 512, dockerLabels: scrapeLabel("8080") },
    { name: "envoy", memoryReservation: 64 },
  ]);
  const inactive = instance(3, { status: "INACTIVE" });
  const draining = instance(4, { status: "DRAINING", trunking: true });

  it("gives every ACTIVE/DRAINING node a payload, even empty, and counts awsvpc tasks", () => {
    const tasks = [
      task("e1", def, { on: node1, eniPrivateIp: "10.1.0.1" }),
      task("e2", def, { on: node1, eniPrivateIp: "10.1.0.2", lastStatus: "PENDING" }),
      task("e3", def, { on: node1, eniPrivateIp: "10.1.0.3", lastStatus: "STOPPED" }),
    ];
    const result = plan(
      spec(),
      observed({ tasks, defs: [def], instances: [node1, node2, inactive, draining] }),
      current(),
    );
    expect([...result.nodes.keys()].sort()).toEqual(["node-1", "node-2", "node-4"]);
    expect(result.nodes.get("node-1")?.awsvpcTasks).toBe(2);
    expect(result.nodes.get("node-1")?.targets.map((t) => t.address)).toEqual(["10.1.0.1:8080"]);
    expect(result.nodes.get("node-2")).toEqual({
      nodeId: "node-2",
      targets: [],
      statsAssignments: [],
      instanceType: "m5.large",
      trunking: false,
      awsvpcTasks: 0,
    });
    expect(result.nodes.get("node-4")?.trunking).toBe(true);
    expect(result.pool).toEqual([]);
  });

  it("routes Fargate targets to the sidecar when alive, else to the pool", () => {
    const f1 = task("f1", def, { launchType: "FARGATE", eniPrivateIp: "10.2.0.1" });
    const f2 = task("f2", def, { launchType: "FARGATE", eniPrivateIp: "10.2.0.2" });
    const result = plan(
      spec({ stats: { enabled: true } }),
      observed({ tasks: [f1, f2], defs: [def], instances: [node1] }),
      current([], [f1.taskArn]),
    );
    expect(result.nodes.get("f1")?.targets.map((t) => t.address)).toEqual(["10.2.0.1:8080"]);
    expect(result.nodes.get("f1")?.statsAssignments.map((a) => a.taskId)).toEqual(["f1"]);
    expect(result.pool.map((t) => t.target.address)).toEqual(["10.2.0.2:8080"]);
    expect(result.pool[0]?.nodeId).toBeUndefined();
  });

  it("builds stats assignments for RUNNING tasks, containers filtered by the spec's regexes", () => {
    const tasks = [
      task("e1", def, { on: node1, eniPrivateIp: "10.1.0.1", serviceName: "web", cpu: 1024, memory: 2048 }),
      task("e2", def, { on: node1, eniPrivateIp: "10.1.0.2", lastStatus: "PENDING" }),
    ];
    const result = plan(
      spec({ stats: { enabled: true, containers: ["app"] } }),
      observed({ tasks, defs: [def], instances: [node1] }),
      current(),
    );
    expect(result.nodes.get("node-1")?.statsAssignments).toEqual([
      {
        taskArn: tasks[0]?.taskArn,
        taskId: "e1",
        family: "web",
        revision: 1,
        serviceName: "web",
        taskCpuUnits: 1024,
        taskMemoryMiB: 2048,
        containers: [{ name: "app", runtimeId: "e1-app-rt", cpuUnits: 256, memoryLimitMiB: 512 }],
      },
    ]);
  });

  it("has no stats assignments when stats are disabled", () => {
    const tasks = [task("e1", def, { on: node1, eniPrivateIp: "10.1.0.1" })];
    const result = plan(spec(), observed({ tasks, defs: [def], instances: [node1] }), current());
    expect(result.nodes.get("node-1")?.statsAssignments).toEqual([]);
  });
});

describe("plan: services and Cloud Map", () => {
  it("reports service figures filtered by the selector, undefined when not observed", () => {
    const services = [
      { serviceName: "web", serviceArn: "arn:s/web", desiredCount: 3, runningCount: 2, pendingCount: 1 },
      { serviceName: "other", serviceArn: "arn:s/other", desiredCount: 1, runningCount: 1, pendingCount: 0 },
    ];
    expect(plan(spec({ selector: { serviceNames: ["web"] } }), observed({ services }), current()).services).toEqual([
      { cluster: "demo", service: "web", desired: 3, running: 2, pending: 1 },
    ]);
    expect(plan(spec(), observed({}), current()).services).toBeUndefined();
  });

  it("turns Cloud Map instances of the spec's namespaces into pool targets", () => {
    const base = { serviceName: "api", serviceId: "srv-1", attributes: { "ECS_TASK.family": "x" } };
    const cloudMap = [
      { ...base, namespace: "ecs-services", instanceId: "i1", ipv4: "10.3.0.1", port: 9100, metricsPath: "/metrics" },
      { ...base, namespace: "ecs-services", instanceId: "i2", ipv4: "10.3.0.2", port: 9100, metricsPath: "/../x" },
      { ...base, namespace: "other", instanceId: "i3", ipv4: "10.3.0.3", port: 9100, metricsPath: "/metrics" },
    ];
    const result = plan(spec({ cloudMap: { namespaces: ["ecs-services"] } }), observed({ cloudMap }), current());
    expect(result.pool.map((t) => [t.target.id, t.target.address])).toEqual([
      ["cloudmap/ecs-services/api/i1/9100/metrics", "10.3.0.1:9100"],
    ]);
    expect(result.pool[0]?.meta).toMatchObject({
      __meta_ecs_cloudmap_namespace: "ecs-services",
      __meta_ecs_cloudmap_service: "api",
      __meta_ecs_cloudmap_instance_id: "i1",
      __meta_ecs_cloudmap_attribute_ECS_TASK_family: "x",
    });
    expect(result.invalid.map((i) => i.id)).toEqual(["cloudmap/ecs-services/api/i2/9100/../x"]);
    expect(result.invalid[0]?.serviceName).toBe("api");
    // `instance_id` is the EC2 instance id (seed 003); the Cloud Map instance id has a name of its own.
    expect(result.pool[0]?.target.labels).toMatchObject({ cloudmap_instance_id: "i1" });
    expect(result.pool[0]?.target.labels).not.toHaveProperty("instance_id");
  });

  it("invalid docker-label targets carry their ECS service, so service filters show them", () => {
    const d = taskDef("w", "bridge", [{ name: "a", dockerLabels: scrapeLabel("8080,x") }]);
    const t = task("t", d, { on: node1, serviceName: "web" });
    const result = plan(spec(), observed({ tasks: [t], defs: [d], instances: [node1] }), current());
    expect(result.invalid.map((i) => [i.serviceName, i.reason])).toEqual([
      ["web", "port 8080: container port 8080 has no host port binding"],
      ["web", expect.stringContaining("position 5")],
    ]);
  });
});

describe("plan: determinism", () => {
  it("is independent of input order", () => {
    const d = taskDef("w", "host", [{ name: "a", dockerLabels: scrapeLabel("80,81") }]);
    const tasks = [task("a", d, { on: node1 }), task("b", d, { on: node2 }), task("c", d, { on: node1 })];
    const one = plan(spec(), observed({ tasks, defs: [d], instances: [node1, node2] }), current());
    const two = plan(
      spec(),
      observed({ tasks: [...tasks].reverse(), defs: [d], instances: [node2, node1] }),
      current(),
    );
    expect(two.targets).toEqual(one.targets);
    expect(two.nodes.get("node-1")).toEqual(one.nodes.get("node-1"));
  });
});
