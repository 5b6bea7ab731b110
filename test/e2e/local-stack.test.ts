import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ECSClient, ListContainerInstancesCommand } from "@aws-sdk/client-ecs";
import {
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand,
  ServiceDiscoveryClient,
} from "@aws-sdk/client-servicediscovery";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { TargetView } from "../../controller/machines/views.js";
import { fromRoot } from "../../lib/paths.js";
import { useDemoLocalStack } from "../helpers/demo-local-stack.js";
import { duplicateSeries } from "../helpers/exposition-check.js";
import { until } from "../helpers/until.js";

/**
 * The scrape path end to end, as `ecsmon local` runs it: redis-server, the simulator (demo scenario), the spec
 * applied to its SSM, the controller, two node agents, the pool agent, and a real Prometheus 2.x from Debian that
 * discovers targets through the controller's http_sd and file_sd. Needs the built CLI (`npm test` builds first).
 */

interface PromTarget {
  scrapePool: string;
  scrapeUrl: string;
  health: "up" | "down" | "unknown";
  lastError: string;
  labels: Record<string, string>;
}

const demo = useDemoLocalStack("local-e2e");

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok)
    throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function promTargets(pool: string): Promise<PromTarget[]> {
  const body = await json<{ data: { activeTargets: PromTarget[] } }>(
    `${demo.stack.urls.prometheus}/api/v1/targets?state=active`,
  );
  return body.data.activeTargets.filter((t) => t.scrapePool === pool);
}

async function sdAddresses(): Promise<Set<string>> {
  const groups = await json<{ targets: string[] }[]>(`${demo.stack.urls.controller}/sd/prometheus`);
  return new Set(groups.flatMap((g) => g.targets));
}

describe("local stack with a real Prometheus", () => {
  it("Prometheus scrapes every healthy demo target through http_sd, then file_sd, with up == 1", async () => {
    expect(demo.stack.urls.prometheus, "the prometheus binary (Debian package prometheus) is required").toBeDefined();
    const expected = await until(
      "targets in http_sd",
      async () => {
        const addresses = await sdAddresses();
        return addresses.size > 0 ? addresses : undefined;
      },
      60_000,
    );
    // The demo scenario deliberately includes workloads with a failure mode: their containers must be down, all
    // others up. Read the failing container names from the scenario file itself.
    const scenario = parse(readFileSync(fromRoot("sim/scenarios/demo.yaml"), "utf8")) as {
      taskDefinitions: { containers: { name: string; failure?: string }[] }[];
    };
    const failing = new Set(
      scenario.taskDefinitions.flatMap((td) =>
        td.containers.filter((c) => c.failure && c.failure !== "none").map((c) => c.name),
      ),
    );
    for (const pool of ["ecsmon-http-sd", "ecsmon-file-sd"]) {
      const targets = await until(
        `${pool} targets scraped`,
        async () => {
          const active = await promTargets(pool);
          const addresses = new Set(active.map((t) => new URL(t.scrapeUrl).host));
          const complete = [...expected].every((a) => addresses.has(a)) && active.every((t) => t.health !== "unknown");
          return complete ? active : undefined;
        },
        90_000,
        500,
      );
      expect(targets.length).toBeGreaterThanOrEqual(expected.size);
      for (const target of targets) {
        const shouldFail = failing.has(target.labels.container_name ?? "");
        expect(
          target.health,
          `${pool} ${target.scrapeUrl} (${target.labels.container_name}): ${target.lastError}`,
        ).toBe(shouldFail ? "down" : "up");
        expect(target.labels.cluster).toBe("demo");
      }
    }
  });

  it("keeps the two SD jobs' series apart: no duplicate-sample warnings in Prometheus's log", async () => {
    // The first test saw both jobs scrape every target; two more 5 s scrape cycles give any collision its chance.
    await new Promise((r) => setTimeout(r, 11_000));
    const log = readFileSync(join(demo.stateDir, "logs", "prometheus.log"), "utf8");
    expect(log).toContain("Server is ready to receive web requests");
    const collisions = log.split("\n").filter((l) => /different value but same timestamp|duplicate sample/i.test(l));
    expect(collisions, collisions.slice(0, 5).join("\n")).toEqual([]);
    // node-exporter sets job="node" itself: one series per SD source, told apart by ecsmon_sd. (The agents' merged
    // /metrics, scraped with honor_labels, carries the same job label on its own `up` series, without ecsmon_sd.)
    const query = encodeURIComponent('up{job="node",ecsmon_sd!=""}');
    const body = await json<{ data: { result: { metric: Record<string, string> }[] } }>(
      `${demo.stack.urls.prometheus}/api/v1/query?query=${query}`,
    );
    const sources = body.data.result.map((r) => r.metric.ecsmon_sd).sort();
    expect(new Set(sources)).toEqual(new Set(["file_sd", "http_sd"]));
    expect(sources.filter((s) => s === "file_sd")).toHaveLength(sources.filter((s) => s === "http_sd").length);
  });

  it("a task started in the simulator shows up in Prometheus, and disappears when stopped", async () => {
    const before = await sdAddresses();
    const started = await json<{ tasks: { taskArn: string; id?: string }[]; failures: unknown[] }>(
      `${demo.stack.urls.aws}/_sim/tasks`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ taskDefinition: "web", count: 1 }),
      },
    );
    expect(started.failures).toEqual([]);
    const task = started.tasks[0]!;
    const taskId = task.taskArn.split("/").pop()!;
    const added = await until(
      "the new task's target in Prometheus",
      async () => {
        const addresses = await sdAddresses();
        const fresh = [...addresses].filter((a) => !before.has(a));
        if (fresh.length === 0) return undefined;
        const targets = await promTargets("ecsmon-http-sd");
        return targets.some((t) => fresh.includes(new URL(t.scrapeUrl).host)) ? fresh : undefined;
      },
      90_000,
      500,
    );
    await json(`${demo.stack.urls.aws}/_sim/tasks/${taskId}`, { method: "DELETE" });
    await until(
      "the stopped task's target to leave Prometheus",
      async () => {
        const targets = await promTargets("ecsmon-http-sd");
        return targets.some((t) => added.includes(new URL(t.scrapeUrl).host)) ? undefined : true;
      },
      90_000,
      500,
    );
  });

  /** Waits until the simulator's CloudWatch holds datums in `namespace`, and returns them. */
  const datumsOf = (namespace: string) =>
    until(
      `${namespace} datums`,
      async () => {
        const body = await json<{ datums: { metricName?: string; MetricName?: string }[] }>(
          `${demo.stack.urls.aws}/_sim/cloudwatch/datums?namespace=${encodeURIComponent(namespace)}`,
        );
        return body.datums.length > 0 ? body.datums : undefined;
      },
      90_000,
      500,
    );

  it("stats datums and capacity metrics reach the simulator's CloudWatch", async () => {
    const stats = await datumsOf("ECS/ContainerStats");
    const statNames = new Set(stats.map((d) => d.metricName ?? d.MetricName));
    expect(statNames).toContain("CPUUtilization");
    expect(statNames).toContain("MemoryUtilization");
    const capacity = await datumsOf("ECS/Capacity");
    const capacityNames = new Set(capacity.map((d) => d.metricName ?? d.MetricName));
    for (const name of ["RemainingENIs", "RemainingCPU", "RemainingMemory", "SchedulableTasks"])
      expect(capacityNames).toContain(name);
  });
  it("http_sd lists each endpoint once; targets on the node without an agent are not healthy, and a condition says why", async () => {
    const client = {
      region: "us-east-1",
      endpoint: demo.stack.urls.aws,
      credentials: { accessKeyId: "t", secretAccessKey: "t" },
    };
    // The reference for the overlap is Cloud Map itself, read through the AWS API: every endpoint registered in
    // demo.local (ECS service discovery registrations of the demo's awsvpc and Fargate services).
    const discovery = new ServiceDiscoveryClient(client);
    const registered: string[] = [];
    const namespaces = await discovery.send(new ListNamespacesCommand({}));
    const namespace = namespaces.Namespaces?.find((n) => n.Name === "demo.local");
    const services = await discovery.send(
      new ListServicesCommand({ Filters: [{ Name: "NAMESPACE_ID", Values: [namespace?.Id ?? ""], Condition: "EQ" }] }),
    );
    for (const service of services.Services ?? []) {
      const listed = await discovery.send(new ListInstancesCommand({ ServiceId: service.Id }));
      for (const { Attributes: a = {} } of listed.Instances ?? []) {
        registered.push(
          `http://${a.AWS_INSTANCE_IPV4}:${a.METRICS_PORT ?? a.AWS_INSTANCE_PORT}${a.METRICS_PATH ?? "/metrics"}`,
        );
      }
    }
    discovery.destroy();
    expect(registered.length, "demo.yaml registers its worker and checkout tasks in Cloud Map").toBeGreaterThan(0);

    type Group = { targets: string[]; labels: Record<string, string> };
    const key = (g: Group) => `${g.labels.__scheme__}://${g.targets[0]}${g.labels.__metrics_path__}`;
    const groups = await until(
      "every Cloud Map registration in http_sd, merged with its docker-label target",
      async () => {
        const got = await json<Group[]>(`${demo.stack.urls.controller}/sd/prometheus`);
        const merged = registered.every((r) =>
          got.some((g) => key(g) === r && g.labels.__meta_ecs_cloudmap_service && g.labels.__meta_ecs_task_arn),
        );
        return merged ? got : undefined;
      },
      60_000,
    );
    const keys = groups.map(key);
    expect(
      keys.filter((k, i) => keys.indexOf(k) !== i),
      "endpoints listed more than once",
    ).toEqual([]);
    for (const r of registered) expect(keys.filter((k) => k === r)).toHaveLength(1);

    // The node without an agent: the cluster's container instances (ECS API) minus the nodes agents run for.
    const ecs = new ECSClient(client);
    const instances = await ecs.send(new ListContainerInstancesCommand({ cluster: "demo" }));
    ecs.destroy();
    const withAgent = new Set(demo.stack.urls.agents.map((a) => a.nodeId));
    const bare = (instances.containerInstanceArns ?? []).map((arn) => arn.split("/").pop() as string);
    const withoutAgent = bare.filter((nodeId) => !withAgent.has(nodeId));
    expect(withoutAgent.length, "the demo runs fewer agents than instances").toBeGreaterThan(0);

    // Wait until agents have reported scrapes (some target healthy), so the bare node's targets had every chance.
    const targets = await until(
      "agents' targets healthy and the bare node's targets listed",
      async () => {
        const { targets: all } = await json<{ targets: TargetView[] }>(
          `${demo.stack.urls.controller}/api/v1/targets?cluster=demo`,
        );
        const healthy = all.some((t) => t.state === "active.healthy" && withAgent.has(t.nodeId ?? ""));
        const orphans = all.filter((t) => withoutAgent.includes(t.nodeId ?? ""));
        return healthy && orphans.length > 0 ? orphans : undefined;
      },
      90_000,
      500,
    );
    for (const t of targets) {
      expect(t.state, t.id).toBe("orphaned");
      expect(t.reason).toBe(`node ${t.nodeId} has no live agent`);
      expect(t.lastHealthAt).toBeUndefined();
    }
    const status = await json<{
      clusters: { cluster: string; conditions: { type: string; status: string; reason: string; message: string }[] }[];
    }>(`${demo.stack.urls.controller}/api/v1/status`);
    const condition = status.clusters
      .find((c) => c.cluster === "demo")
      ?.conditions.find((c) => c.type === "NodesWithoutAgent");
    expect(condition).toMatchObject({ status: "True", reason: "NoLiveAgent" });
    for (const nodeId of withoutAgent) expect(condition?.message).toContain(nodeId);
    const metrics = await (await fetch(`${demo.stack.urls.controller}/metrics`)).text();
    expect(metrics).toContain(`ecsmon_nodes_without_agent{cluster="demo"} ${withoutAgent.length}`);
  });

  it("each agent's merged /metrics holds every series once and passes promtool check metrics", async () => {
    const webEndpoints = (texts: string[]) => {
      const byTask = new Map<string, Set<string>>();
      for (const line of texts.join("\n").split("\n")) {
        if (!line.startsWith("up{") || !line.includes('task_family="web"')) continue;
        const task = /task_id="([^"]+)"/.exec(line)?.[1] ?? "";
        byTask.set(task, (byTask.get(task) ?? new Set()).add(/metrics_endpoint="([^"]+)"/.exec(line)?.[1] ?? ""));
      }
      return byTask;
    };
    // demo.yaml's web container is the README's PROMETHEUS_SCRAPES="8080/internal/metrics,9106": wait until both
    // endpoints of one web task have been scraped (first scrapes are spread over the interval).
    const texts = await until(
      "both endpoints of a web task in an agent's /metrics",
      async () => {
        const bodies = await Promise.all(demo.stack.urls.agents.map(async (a) => (await fetch(a.metrics)).text()));
        const both = [...webEndpoints(bodies).values()].some(
          (e) => e.has("8080/internal/metrics") && e.has("9106/metrics"),
        );
        return both ? bodies : undefined;
      },
      90_000,
      500,
    );
    demo.stack.urls.agents.forEach((agent, i) => {
      const text = texts[i]!;
      // An independent reader (not the agent's parser): name + sorted non-empty labels, each at most once.
      expect(duplicateSeries(text), `${agent.nodeId}: duplicate series`).toEqual([]);
      const result = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
      expect(result.error, "promtool (Debian package prometheus) is required").toBeUndefined();
      expect(`${result.stdout}${result.stderr}`, `${agent.nodeId}: promtool output`).toBe("");
      expect(result.status, agent.nodeId).toBe(0);
    });
  });
});
