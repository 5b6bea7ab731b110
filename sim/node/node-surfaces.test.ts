import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClusterStore } from "../../test/helpers/fake-cluster-store.js";
import type { SimContainerInstance, SimTask } from "../state/model.js";
import { type NodeSurfaces, startNodeSurfaces } from "./node-surfaces.js";
import { createStatsGenerator, type StatsGenerator } from "./stats-generator.js";
import { startTaskMetadataEndpoint } from "./task-metadata-server.js";

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies under test are read loosely.
type Json = any;

// Instances 127.0.211.1 (odd: cgroup v1) and 127.0.212.1 (even: cgroup v2); ENIs in 127.1.211.0/24.
const store = new FakeClusterStore("surfaces");
let a: SimContainerInstance;
let b: SimContainerInstance;
let surfacesA: NodeSurfaces;
let surfacesB: NodeSurfaces;
let dockerA: Docker;
let dockerB: Docker;
let stats: StatsGenerator;
let bridge: SimTask;
let awsvpc: SimTask;
let host: SimTask;
let stopped: SimTask;
let onB: SimTask;

function dockerFor(s: NodeSurfaces): Docker {
  const url = new URL(s.dockerHttpUrl);
  return new Docker({ host: url.hostname, port: Number(url.port), protocol: "http" });
}

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body };
}

beforeAll(async () => {
  a = store.addInstance(211);
  b = store.addInstance(212, { instanceType: "t3.medium" });
  const web = store.addTaskDefinition("web", "bridge", [
    {
      name: "app",
      memory: 512,
      cpu: 256,
      portMappings: [{ containerPort: 8080, hostPort: 0, protocol: "tcp" }],
      dockerLabels: { PROMETHEUS_SCRAPES: "8080/internal/metrics", team: "a" },
      environment: [{ name: "MODE", value: "prod" }],
    },
    { name: "sidecar", memory: 64, dockerLabels: { team: "b" } },
  ]);
  const api = store.addTaskDefinition(
    "api",
    "awsvpc",
    [
      {
        name: "api",
        portMappings: [{ containerPort: 9100, protocol: "tcp" }],
        dockerLabels: { PROMETHEUS_SCRAPES: "9100" },
      },
    ],
    { cpu: 512, memory: 1024 },
  );
  const node = store.addTaskDefinition("node-exporter", "host", [
    { name: "exporter", portMappings: [{ containerPort: 9101, protocol: "tcp" }] },
  ]);
  bridge = store.addTask(web, { instance: a, hostPorts: { 8080: 32_801 } });
  awsvpc = store.addTask(api, { instance: a, eniIp: "127.1.211.5" });
  host = store.addTask(node, { instance: a });
  stopped = store.addTask(web, { instance: a, hostPorts: { 8080: 32_802 } });
  store.setTaskStatus(stopped.taskArn, "STOPPED");
  onB = store.addTask(web, { instance: b, hostPorts: { 8080: 32_803 } });
  surfacesA = await startNodeSurfaces(store, a, { statsStreamIntervalMs: 100 });
  surfacesB = await startNodeSurfaces(store, b);
  dockerA = dockerFor(surfacesA);
  dockerB = dockerFor(surfacesB);
  stats = createStatsGenerator(store);
});

afterAll(async () => {
  stats?.close();
  await surfacesA?.close();
  await surfacesB?.close();
});

describe("node surfaces: addresses", () => {
  it("binds every surface to the instance's private IP on distinct ephemeral ports", () => {
    const urls = [surfacesA.dockerHttpUrl, surfacesA.introspectionUrl, surfacesA.imdsUrl, surfacesA.metadataBaseUrl];
    for (const url of urls) expect(new URL(url).hostname).toBe("127.0.211.1");
    expect(new Set(urls.map((u) => new URL(u).port)).size).toBe(4);
    expect(surfacesA.dockerUrl).toBe(surfacesA.dockerHttpUrl.replace("http://", "tcp://"));
  });
});

describe("Docker Engine API through dockerode", () => {
  it("answers ping and version", async () => {
    expect(String(await dockerA.ping())).toBe("OK");
    const version = await dockerA.version();
    expect(version.ApiVersion).toMatch(/^1\.\d+$/);
    expect(version.Os).toBe("linux");
  });

  it("lists running containers with ECS names and labels; all=true adds the exited ones", async () => {
    const running = await dockerA.listContainers();
    const ids = running.map((c) => c.Id);
    expect(ids).toContain(bridge.containers[0]!.runtimeId);
    expect(ids).toContain(host.containers[0]!.runtimeId);
    expect(ids).not.toContain(stopped.containers[0]!.runtimeId);
    expect(ids).not.toContain(onB.containers[0]!.runtimeId);
    const pause = running.find((c) => c.Labels["com.amazonaws.ecs.container-name"] === "~internal~ecs~pause");
    expect(pause?.Labels["com.amazonaws.ecs.task-arn"]).toBe(awsvpc.taskArn);
    const app = running.find((c) => c.Id === bridge.containers[0]!.runtimeId)!;
    expect(app.Names[0]).toMatch(/^\/ecs-web-1-app-[0-9a-f]{20}$/);
    expect(app.State).toBe("running");
    expect(app.Ports).toEqual([{ IP: "0.0.0.0", PrivatePort: 8080, PublicPort: 32_801, Type: "tcp" }]);
    const all = await dockerA.listContainers({ all: true });
    const exited = all.find((c) => c.Id === stopped.containers[0]!.runtimeId);
    expect(exited?.State).toBe("exited");
    expect(exited?.Status).toMatch(/^Exited \(\d+\) /);
  });

  it("filters by label key and key=value (AND-ed)", async () => {
    const scraped = await dockerA.listContainers({ filters: { label: ["PROMETHEUS_SCRAPES"] } });
    expect(scraped.map((c) => c.Labels["com.amazonaws.ecs.container-name"]).sort()).toEqual(["api", "app"]);
    const teamB = await dockerA.listContainers({ all: true, filters: { label: ["team=b"] } });
    expect(teamB.map((c) => c.Labels["com.amazonaws.ecs.task-arn"]).sort()).toEqual(
      [bridge.taskArn, stopped.taskArn].sort(),
    );
    const both = await dockerA.listContainers({
      filters: { label: ["team=a", `com.amazonaws.ecs.task-arn=${bridge.taskArn}`] },
    });
    expect(both.map((c) => c.Id)).toEqual([bridge.containers[0]!.runtimeId]);
    const none = await dockerA.listContainers({ filters: { label: ["team=a", "team=b"] } });
    expect(none).toEqual([]);
    const exitedOnly = await dockerA.listContainers({ filters: { status: ["exited"] } });
    expect(exitedOnly.every((c) => c.State === "exited") && exitedOnly.length === 2).toBe(true);
  });

  it("inspects a container: ECS labels, docker labels, state, network settings", async () => {
    const info = await dockerA.getContainer(bridge.containers[0]!.runtimeId).inspect();
    expect(info.Config.Labels).toMatchObject({
      "com.amazonaws.ecs.task-arn": bridge.taskArn,
      "com.amazonaws.ecs.container-name": "app",
      "com.amazonaws.ecs.task-definition-family": "web",
      "com.amazonaws.ecs.task-definition-version": "1",
      "com.amazonaws.ecs.cluster": "surfaces",
      PROMETHEUS_SCRAPES: "8080/internal/metrics",
    });
    expect(info.State.Running).toBe(true);
    expect(info.NetworkSettings.Ports["8080/tcp"]).toEqual([{ HostIp: "0.0.0.0", HostPort: "32801" }]);
    expect(info.Config.Env).toContain("MODE=prod");
    const metadataEnv = info.Config.Env.find((e) => e.startsWith("ECS_CONTAINER_METADATA_URI_V4="));
    expect(metadataEnv).toBe(`ECS_CONTAINER_METADATA_URI_V4=${surfacesA.metadataUrl(bridge.taskArn, "app")}`);
    const byPrefix = await dockerA.getContainer(bridge.containers[0]!.runtimeId.slice(0, 12)).inspect();
    expect(byPrefix.Id).toBe(bridge.containers[0]!.runtimeId);
    const vpc = await dockerA.getContainer(awsvpc.containers[0]!.runtimeId).inspect();
    expect(vpc.HostConfig.NetworkMode).toMatch(/^container:[0-9a-f]{64}$/);
    await expect(dockerA.getContainer("f".repeat(64)).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(dockerB.getContainer(bridge.containers[0]!.runtimeId).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it("serves cgroup v1 stats on one instance and v2 on the other, equal to the generator's", async () => {
    const v1 = (await dockerA.getContainer(bridge.containers[0]!.runtimeId).stats({ stream: false })) as Json;
    expect(v1.memory_stats.stats.cache).toBeTypeOf("number");
    expect(v1.memory_stats.stats.rss).toBeTypeOf("number");
    expect(v1.memory_stats.limit).toBe(512 * 1024 * 1024);
    expect(v1.cpu_stats.cpu_usage.percpu_usage).toHaveLength(4);
    expect(v1.cpu_stats.online_cpus).toBe(4);
    expect(v1.blkio_stats.io_service_bytes_recursive.map((e: Json) => e.op)).toContain("Read");
    expect(v1.networks.eth0.rx_bytes).toBeGreaterThan(0);
    expect(v1.precpu_stats.cpu_usage.total_usage).toBeLessThan(v1.cpu_stats.cpu_usage.total_usage);
    expect(v1).toEqual(stats.statsFor(bridge.containers[0]!.runtimeId, Date.parse(v1.read)));

    const v2 = (await dockerB.getContainer(onB.containers[0]!.runtimeId).stats({ stream: false })) as Json;
    expect(v2.memory_stats.stats.inactive_file).toBeTypeOf("number");
    expect(v2.memory_stats.stats.anon).toBeTypeOf("number");
    expect(v2.memory_stats.stats.cache).toBeUndefined();
    expect(v2.cpu_stats.cpu_usage.percpu_usage).toBeUndefined();
    expect(v2.cpu_stats.online_cpus).toBe(2);
    expect(v2.blkio_stats.io_service_bytes_recursive.map((e: Json) => e.op)).toEqual(["read", "write"]);
    expect(v2).toEqual(stats.statsFor(onB.containers[0]!.runtimeId, Date.parse(v2.read)));

    const hostStats = (await dockerA.getContainer(host.containers[0]!.runtimeId).stats({ stream: false })) as Json;
    expect(hostStats.networks).toBeUndefined();
    const oneShot = await getJson(
      `${surfacesA.dockerHttpUrl}/containers/${bridge.containers[0]!.runtimeId}/stats?stream=false&one-shot=true`,
    );
    expect(oneShot.body.precpu_stats.cpu_usage.total_usage).toBe(0);
  });

  it("streams stats documents when stream is not false", async () => {
    const stream = (await dockerA
      .getContainer(bridge.containers[0]!.runtimeId)
      .stats()) as unknown as NodeJS.ReadableStream & {
      destroy(): void;
    };
    const docs: Json[] = [];
    await new Promise<void>((resolve, reject) => {
      let buffer = "";
      stream.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        for (const line of lines) if (line) docs.push(JSON.parse(line));
        if (docs.length >= 2) resolve();
      });
      stream.on("error", reject);
    });
    stream.destroy();
    expect(docs[1].cpu_stats.cpu_usage.total_usage).toBeGreaterThanOrEqual(docs[0].cpu_stats.cpu_usage.total_usage);
    expect(Date.parse(docs[1].read)).toBeGreaterThan(Date.parse(docs[0].read));
  });

  it("accepts an API version prefix, rejects writes and bad filters", async () => {
    const listed = await getJson(`${surfacesA.dockerHttpUrl}/v1.41/containers/json`);
    expect(listed.status).toBe(200);
    expect(listed.body.length).toBeGreaterThan(0);
    const versioned = new Docker({ ...dockerOptions(surfacesA), version: "v1.41" });
    expect((await versioned.listContainers()).length).toBe(listed.body.length);
    const post = await getJson(`${surfacesA.dockerHttpUrl}/containers/create`, { method: "POST", body: "{}" });
    expect(post.status).toBe(403);
    const kill = await getJson(`${surfacesA.dockerHttpUrl}/v1.41/containers/${bridge.containers[0]!.runtimeId}/kill`, {
      method: "POST",
    });
    expect(kill.status).toBe(403);
    const bad = await getJson(`${surfacesA.dockerHttpUrl}/containers/json?filters=${encodeURIComponent("{nope")}`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/filter/);
    const unknown = await getJson(
      `${surfacesA.dockerHttpUrl}/containers/json?filters=${encodeURIComponent('{"color":["red"]}')}`,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain("color");
  });
});

function dockerOptions(s: NodeSurfaces) {
  const url = new URL(s.dockerHttpUrl);
  return { host: url.hostname, port: Number(url.port), protocol: "http" as const };
}

describe("ECS agent introspection", () => {
  it("serves /v1/metadata", async () => {
    const { body } = await getJson(`${surfacesA.introspectionUrl}/v1/metadata`);
    expect(body).toMatchObject({ Cluster: "surfaces", ContainerInstanceArn: a.containerInstanceArn });
    expect(body.Version).toMatch(/^Amazon ECS Agent - v\d/);
  });

  it("serves /v1/tasks and /v1/tasks?dockerid=", async () => {
    const { body } = await getJson(`${surfacesA.introspectionUrl}/v1/tasks`);
    const arns = body.Tasks.map((t: Json) => t.Arn);
    expect(arns).toEqual(expect.arrayContaining([bridge.taskArn, awsvpc.taskArn, host.taskArn, stopped.taskArn]));
    expect(arns).not.toContain(onB.taskArn);
    const web = body.Tasks.find((t: Json) => t.Arn === bridge.taskArn);
    expect(web).toMatchObject({ DesiredStatus: "RUNNING", KnownStatus: "RUNNING", Family: "web", Version: "1" });
    expect(web.Containers.map((c: Json) => c.Name).sort()).toEqual(["app", "sidecar"]);
    expect(web.Containers.find((c: Json) => c.Name === "app").DockerName).toMatch(/^ecs-web-1-app-/);
    const gone = body.Tasks.find((t: Json) => t.Arn === stopped.taskArn);
    expect(gone.KnownStatus).toBe("STOPPED");
    const one = await getJson(`${surfacesA.introspectionUrl}/v1/tasks?dockerid=${awsvpc.containers[0]!.runtimeId}`);
    expect(one.body.Arn).toBe(awsvpc.taskArn);
    expect(one.body.Containers[0].Networks[0].IPv4Addresses).toEqual(["127.1.211.5"]);
    expect((await getJson(`${surfacesA.introspectionUrl}/v1/tasks?dockerid=${"0".repeat(64)}`)).status).toBe(404);
  });
});

describe("task metadata v4", () => {
  it("serves the container document", async () => {
    const { body } = await getJson(surfacesA.metadataUrl(awsvpc.taskArn, "api"));
    expect(body).toMatchObject({
      DockerId: awsvpc.containers[0]!.runtimeId,
      Name: "api",
      KnownStatus: "RUNNING",
      Labels: { "com.amazonaws.ecs.task-arn": awsvpc.taskArn, PROMETHEUS_SCRAPES: "9100" },
    });
    expect(body.Networks[0]).toMatchObject({ NetworkMode: "awsvpc", IPv4Addresses: ["127.1.211.5"] });
    expect(body.Networks[0].MACAddress).toBe(awsvpc.eni!.macAddress);
  });

  it("serves the task document with task-level limits", async () => {
    const { body } = await getJson(`${surfacesA.metadataUrl(awsvpc.id)}/task`);
    expect(body).toMatchObject({
      TaskARN: awsvpc.taskArn,
      Family: "api",
      Revision: "1",
      DesiredStatus: "RUNNING",
      KnownStatus: "RUNNING",
      Limits: { CPU: 0.5, Memory: 1024 },
      LaunchType: "EC2",
    });
    expect(body.AvailabilityZone).toMatch(/^us-east-1[abc]$/);
    expect(body.Containers.map((c: Json) => c.Name)).toEqual(["api"]);
    const tagged = await getJson(`${surfacesA.metadataUrl(awsvpc.id)}/taskWithTags`);
    expect(tagged.body).toMatchObject({ TaskARN: awsvpc.taskArn, TaskTags: {}, ContainerInstanceTags: {} });
    const web = await getJson(`${surfacesA.metadataUrl(bridge.taskArn)}/task`);
    expect(web.body.Containers.find((c: Json) => c.Name === "app").Limits).toEqual({ CPU: 256, Memory: 512 });
    expect(web.body.Containers.find((c: Json) => c.Name === "app").Ports).toEqual([
      { ContainerPort: 8080, Protocol: "tcp", HostPort: 32_801, HostIp: "0.0.0.0" },
    ]);
  });

  it("serves task stats keyed by Docker id, and the container's own stats", async () => {
    const { body } = await getJson(`${surfacesA.metadataUrl(bridge.taskArn)}/task/stats`);
    expect(Object.keys(body).sort()).toEqual(bridge.containers.map((c) => c.runtimeId).sort());
    const app = body[bridge.containers[0]!.runtimeId];
    expect(app.memory_stats.usage).toBeGreaterThan(0);
    expect(app).toEqual(stats.statsFor(bridge.containers[0]!.runtimeId, Date.parse(app.read)));
    const own = await getJson(`${surfacesA.metadataUrl(awsvpc.taskArn, "api")}/stats`);
    expect(own.body.id).toBe(awsvpc.containers[0]!.runtimeId);
    expect(own.body.network_rate_stats.rx_bytes_per_sec).toBeGreaterThan(0);
  });

  it("answers 404 for tasks of other nodes and unknown containers", async () => {
    expect((await getJson(surfacesA.metadataUrl(onB.taskArn))).status).toBe(404);
    expect((await getJson(surfacesA.metadataUrl(bridge.taskArn, "nope"))).status).toBe(404);
    expect((await getJson(surfacesB.metadataUrl(onB.taskArn))).status).toBe(200);
  });
});

describe("task metadata for Fargate tasks", () => {
  it("serves tasks without an instance from a standalone endpoint", async () => {
    const def = store.addTaskDefinition(
      "checkout",
      "awsvpc",
      [{ name: "checkout", portMappings: [{ containerPort: 8080, protocol: "tcp" }] }],
      { cpu: 256, memory: 512, requiresCompatibilities: ["FARGATE"] },
    );
    const task = store.addTask(def, { launchType: "FARGATE", eniIp: "127.1.213.7" });
    const endpoint = await startTaskMetadataEndpoint(store, { host: "127.0.213.1" });
    try {
      const doc = (await getJson(`${endpoint.metadataUrl(task.taskArn)}/task`)).body;
      expect(doc).toMatchObject({
        Cluster: store.cluster.clusterArn,
        TaskARN: task.taskArn,
        LaunchType: "FARGATE",
        Limits: { CPU: 0.25, Memory: 512 },
      });
      expect(doc.EphemeralStorageMetrics).toBeDefined();
      expect(doc.Containers[0].Networks[0].IPv4Addresses).toEqual(["127.1.213.7"]);
      const own = (await getJson(`${endpoint.metadataUrl(task.taskArn, "checkout")}/stats`)).body;
      expect(own.memory_stats.limit).toBe(512 * 1024 * 1024);
      expect(own.network_rate_stats).toBeDefined();
      expect((await getJson(`${endpoint.baseUrl}/v4/nope/task`)).status).toBe(404);
    } finally {
      await endpoint.close();
    }
  });
});
