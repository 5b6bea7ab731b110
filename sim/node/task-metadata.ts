import { privateDnsNameOf } from "../state/addresses.js";
import type { ClusterStoreView, SimContainerInstance, SimTask } from "../state/model.js";
import { dockerStats } from "./docker-stats.js";
import { bridgeIpOf, imageIdOf } from "./docker-views.js";
import type { Handler } from "./http-server.js";
import { sendJson } from "./http-server.js";
import { agentStatusOf, containersOfTask, type NodeContainer, regionOf } from "./node-containers.js";
import { availabilityZoneOf, availabilityZoneOfTask, subnetCidrOf, vpcIdOf } from "./placement.js";
import { statsProfileOf } from "./stats-generator.js";

/**
 * Task metadata endpoint v4 (ECS_CONTAINER_METADATA_URI_V4). A container's URI is `/v4/<taskId>.<containerName>`;
 * `/v4/<taskId>` alone stands for the task's first container. Under it: `""` (container), `/task`, `/taskWithTags`
 * (tags are always empty), `/stats`, `/task/stats`.
 */

/** The path id of a container's metadata URI. */
export function metadataPathId(taskId: string, containerName?: string): string {
  return containerName ? `${taskId}.${containerName}` : taskId;
}

export interface TaskMetadataContext {
  store: ClusterStoreView;
  /** Restricts the endpoint to one node's tasks; omit to serve every task (Fargate). */
  instance?: SimContainerInstance | undefined;
}

const ZERO_TIME = "0001-01-01T00:00:00Z";

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

function networksOf(c: NodeContainer, instance: SimContainerInstance | undefined) {
  const region = regionOf(c.task.taskArn) ?? "us-east-1";
  if (c.networkMode === "awsvpc") {
    const ip = c.container?.privateIpv4Address ?? c.task.eni?.privateIpv4Address;
    if (!ip) return [{ NetworkMode: "awsvpc", IPv4Addresses: [] }];
    const cidr = subnetCidrOf(ip);
    return [
      {
        NetworkMode: "awsvpc",
        IPv4Addresses: [ip],
        AttachmentIndex: 0,
        MACAddress: c.task.eni?.macAddress ?? "",
        IPv4SubnetCIDRBlock: cidr,
        PrivateDNSName: privateDnsNameOf(ip, region),
        SubnetGatewayIpv4Address: `${cidr.replace(/\.0\/24$/, ".1")}/24`,
      },
    ];
  }
  if (c.networkMode === "bridge") return [{ NetworkMode: "bridge", IPv4Addresses: [bridgeIpOf(c.runtimeId)] }];
  if (c.networkMode === "host") return [{ NetworkMode: "host", IPv4Addresses: [instance?.privateIp ?? ""] }];
  return [{ NetworkMode: "none", IPv4Addresses: [] }];
}

function portsOf(c: NodeContainer) {
  if (c.networkMode === "bridge") {
    return (c.container?.networkBindings ?? []).map((b) => ({
      ContainerPort: b.containerPort,
      Protocol: b.protocol,
      HostPort: b.hostPort,
      HostIp: b.bindIP || "0.0.0.0",
    }));
  }
  return (c.definition?.portMappings ?? []).map((m) => ({
    ContainerPort: m.containerPort,
    Protocol: m.protocol,
    HostPort: m.hostPort || m.containerPort,
  }));
}

/** The container metadata document (`${ECS_CONTAINER_METADATA_URI_V4}`). */
export function containerDocument(
  c: NodeContainer,
  instance: SimContainerInstance | undefined,
): Record<string, unknown> {
  const ports = portsOf(c);
  const memory = c.definition?.memory ?? c.definition?.memoryReservation;
  return {
    DockerId: c.runtimeId,
    Name: c.name,
    DockerName: c.dockerName,
    Image: c.image,
    ImageID: imageIdOf(c.image),
    ...(ports.length > 0 ? { Ports: ports } : {}),
    Labels: c.labels,
    DesiredStatus: c.task.desiredStatus,
    KnownStatus: agentStatusOf(c.container?.lastStatus ?? c.task.lastStatus),
    Limits: { CPU: c.definition?.cpu ?? 0, ...(memory ? { Memory: memory } : {}) },
    CreatedAt: iso(c.createdAtMs),
    StartedAt: iso(c.startedAtMs),
    ...(c.finishedAtMs !== undefined ? { FinishedAt: iso(c.finishedAtMs) } : {}),
    Type: "NORMAL",
    ...(c.container ? { ContainerARN: c.container.containerArn } : {}),
    Networks: networksOf(c, instance),
    Snapshotter: "overlayfs",
  };
}

/** The task metadata document (`${ECS_CONTAINER_METADATA_URI_V4}/task`). */
export function taskDocument(
  store: ClusterStoreView,
  task: SimTask,
  instance: SimContainerInstance | undefined,
  nowMs = Date.now(),
): Record<string, unknown> {
  const containers = containersOfTask(store, task, nowMs).filter((c) => !c.pause);
  const first = containers[0];
  const def = first?.taskDefinition ?? store.taskDefinition(task.taskDefinitionArn);
  const cpu = task.cpu ?? def?.cpu;
  const memory = task.memory ?? def?.memory;
  const fargate = task.launchType === "FARGATE";
  const region = regionOf(task.taskArn) ?? "us-east-1";
  const created = task.createdAt.getTime();
  return {
    Cluster: fargate ? task.clusterArn : (first?.clusterName ?? task.clusterArn),
    TaskARN: task.taskArn,
    Family: first?.family ?? def?.family ?? "",
    Revision: String(first?.revision ?? def?.revision ?? ""),
    ...(task.serviceName ? { ServiceName: task.serviceName } : {}),
    DesiredStatus: task.desiredStatus,
    KnownStatus: agentStatusOf(task.lastStatus),
    ...(cpu || memory
      ? { Limits: { ...(cpu ? { CPU: cpu / 1024 } : {}), ...(memory ? { Memory: memory } : {}) } }
      : {}),
    PullStartedAt: (task.pullStartedAt ?? new Date(created + 200)).toISOString(),
    PullStoppedAt: (task.pullStoppedAt ?? new Date(created + 1_200)).toISOString(),
    ...(task.executionStoppedAt || task.stoppedAt
      ? { ExecutionStoppedAt: (task.executionStoppedAt ?? task.stoppedAt)!.toISOString() }
      : {}),
    AvailabilityZone: instance ? availabilityZoneOf(instance) : availabilityZoneOfTask(task),
    ...(fargate ? {} : { VPCID: instance?.vpcId ?? vpcIdOf(region) }),
    LaunchType: task.launchType,
    Containers: containers.map((c) => containerDocument(c, instance)),
    ClockDrift: {
      ClockErrorBound: 0.5,
      ReferenceTimestamp: new Date(Math.floor(nowMs / 60_000) * 60_000).toISOString(),
      ClockSynchronizationStatus: "SYNCHRONIZED",
    },
    ...(fargate ? { EphemeralStorageMetrics: { Utilized: 261, Reserved: 20_496 } } : {}),
  };
}

/** Stats as task metadata serves them: Docker's JSON, plus `network_rate_stats` for awsvpc; null when not running. */
export function metadataStats(store: ClusterStoreView, c: NodeContainer, atMs: number): Record<string, unknown> | null {
  if (c.state !== "running") return null;
  const profile = statsProfileOf(store, c);
  const stats = dockerStats(profile, atMs);
  if (c.networkMode === "awsvpc" && stats.networks) {
    const previous = dockerStats(profile, atMs - 1000).networks as
      | { eth0: { rx_bytes: number; tx_bytes: number } }
      | undefined;
    const current = stats.networks as { eth0: { rx_bytes: number; tx_bytes: number } };
    stats.network_rate_stats = {
      rx_bytes_per_sec: previous ? current.eth0.rx_bytes - previous.eth0.rx_bytes : 0,
      tx_bytes_per_sec: previous ? current.eth0.tx_bytes - previous.eth0.tx_bytes : 0,
    };
  }
  return stats;
}

/** Serves task metadata v4 for the tasks of one node (or of every task when no instance is given). */
export function createTaskMetadataHandler(ctx: TaskMetadataContext): Handler {
  const { store } = ctx;
  return (req, res, url) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendJson(res, 405, { message: `${req.method} not allowed` }, { allow: "GET, HEAD" });
      return;
    }
    const match = /^\/v4\/([^/]+)(\/task|\/taskWithTags)?(\/stats)?\/?$/.exec(url.pathname);
    if (!match) {
      sendJson(res, 404, { message: `no route for ${url.pathname}` });
      return;
    }
    const id = decodeURIComponent(match[1] ?? "");
    const dot = id.indexOf(".");
    const taskId = dot >= 0 ? id.slice(0, dot) : id;
    const containerName = dot >= 0 ? id.slice(dot + 1) : undefined;
    const task = store.task(taskId);
    if (!task || (ctx.instance && task.containerInstanceArn !== ctx.instance.containerInstanceArn)) {
      sendJson(res, 404, { message: `V4 metadata handler: unable to find task for id ${id}` });
      return;
    }
    const instance =
      ctx.instance ?? (task.containerInstanceArn ? store.instance(task.containerInstanceArn) : undefined);
    const now = Date.now();
    const containers = containersOfTask(store, task, now).filter((c) => !c.pause);
    const container = containerName ? containers.find((c) => c.name === containerName) : containers[0];
    if (!container) {
      sendJson(res, 404, { message: `V4 metadata handler: unable to find container for id ${id}` });
      return;
    }
    const taskLevel = match[2] !== undefined;
    const stats = match[3] !== undefined;
    if (taskLevel && stats) {
      sendJson(res, 200, Object.fromEntries(containers.map((c) => [c.runtimeId, metadataStats(store, c, now)])));
    } else if (match[2] === "/taskWithTags") {
      sendJson(res, 200, {
        ...taskDocument(store, task, instance, now),
        TaskTags: {},
        ...(instance ? { ContainerInstanceTags: {} } : {}),
      });
    } else if (taskLevel) {
      sendJson(res, 200, taskDocument(store, task, instance, now));
    } else if (stats) {
      sendJson(res, 200, metadataStats(store, container, now) ?? { read: ZERO_TIME });
    } else {
      sendJson(res, 200, containerDocument(container, instance));
    }
  };
}
