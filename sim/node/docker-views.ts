import type { SimContainerInstance } from "../state/model.js";
import { type NodeContainer, pauseRuntimeId } from "./node-containers.js";
import { hexId, macFor, Seeded } from "./seeded.js";

/**
 * Docker Engine API JSON for simulated containers: the `GET /containers/json` list item and the
 * `GET /containers/{id}/json` inspect document (API 1.41 shapes, fields agents read).
 */

const ZERO_TIME = "0001-01-01T00:00:00Z";

/** Docker's bridge-network address of a container (data only: nothing listens on it). */
export function bridgeIpOf(runtimeId: string): string {
  const r = new Seeded(`bridge-ip:${runtimeId}`);
  return `172.17.${r.int(0, 255)}.${r.int(2, 254)}`;
}

function humanAgo(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 1) return "Less than a second";
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m < 60) return m === 1 ? "About a minute" : `${m} minutes`;
  const h = Math.floor(m / 60);
  if (h < 48) return h === 1 ? "About an hour" : `${h} hours`;
  return `${Math.floor(h / 24)} days`;
}

/** Docker's human status column: "Up 5 minutes", "Created", "Exited (0) 2 hours ago". */
export function statusText(c: NodeContainer, nowMs: number): string {
  if (c.state === "created") return "Created";
  if (c.state === "running") return `Up ${humanAgo(nowMs - (c.startedAtMs ?? c.createdAtMs))}`;
  return `Exited (${exitCodeOf(c)}) ${humanAgo(nowMs - (c.finishedAtMs ?? nowMs))} ago`;
}

function exitCodeOf(c: NodeContainer): number {
  if (c.state !== "exited") return 0;
  return (
    c.container?.exitCode ??
    (c.task.stopCode === "UserInitiated" || c.task.stopCode === "ServiceSchedulerInitiated" ? 137 : 0)
  );
}

/** `HostConfig.NetworkMode` as Docker reports it for ECS network modes. */
export function dockerNetworkMode(c: NodeContainer): string {
  switch (c.networkMode) {
    case "bridge":
      return "bridge";
    case "host":
      return "host";
    case "none":
      return "none";
    case "awsvpc":
      return c.pause ? "none" : `container:${pauseRuntimeId(c.task.taskArn)}`;
  }
}

function endpoint(c: NodeContainer, network: string, ip: string) {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: ip ? macFor(`${network}:${c.runtimeId}`) : "",
    NetworkID: hexId(`network:${network}`),
    EndpointID: c.state === "running" ? hexId(`endpoint:${network}:${c.runtimeId}`) : "",
    Gateway: ip ? "172.17.0.1" : "",
    IPAddress: ip,
    IPPrefixLen: ip ? 16 : 0,
    IPv6Gateway: "",
    GlobalIPv6Address: "",
    GlobalIPv6PrefixLen: 0,
    DriverOpts: null,
  };
}

function networksOf(c: NodeContainer): Record<string, unknown> {
  const running = c.state === "running";
  switch (c.networkMode) {
    case "bridge":
      return { bridge: endpoint(c, "bridge", running ? bridgeIpOf(c.runtimeId) : "") };
    case "host":
      return { host: endpoint(c, "host", "") };
    case "none":
      return { none: endpoint(c, "none", "") };
    case "awsvpc":
      return c.pause ? { none: endpoint(c, "none", "") } : {};
  }
}

function publishedPorts(c: NodeContainer) {
  if (c.networkMode !== "bridge" || c.state !== "running" || !c.container) return [];
  return c.container.networkBindings.map((b) => ({
    IP: b.bindIP || "0.0.0.0",
    PrivatePort: b.containerPort,
    PublicPort: b.hostPort,
    Type: b.protocol,
  }));
}

/** The image's content-addressed id, as Docker reports it. */
export function imageIdOf(image: string): string {
  return `sha256:${hexId(`image:${image}`)}`;
}

/** One entry of `GET /containers/json`. */
export function listItem(c: NodeContainer, nowMs: number): Record<string, unknown> {
  return {
    Id: c.runtimeId,
    Names: [`/${c.dockerName}`],
    Image: c.image,
    ImageID: imageIdOf(c.image),
    Command: c.pause ? "/pause" : "/docker-entrypoint.sh",
    Created: Math.floor(c.createdAtMs / 1000),
    Ports: publishedPorts(c),
    Labels: c.labels,
    State: c.state,
    Status: statusText(c, nowMs),
    HostConfig: { NetworkMode: dockerNetworkMode(c) },
    NetworkSettings: { Networks: networksOf(c) },
    Mounts: [],
  };
}

/** Context the inspect document needs beyond the container itself. */
export interface InspectContext {
  instance: SimContainerInstance;
  /** The container's ECS_CONTAINER_METADATA_URI_V4, when the node serves task metadata. */
  metadataUri?: string | undefined;
}

/** `GET /containers/{id}/json`. */
export function inspectDocument(c: NodeContainer, ctx: InspectContext): Record<string, unknown> {
  const running = c.state === "running";
  const exposed: Record<string, Record<string, never>> = {};
  const portMap: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const m of c.definition?.portMappings ?? []) {
    const key = `${m.containerPort}/${m.protocol}`;
    exposed[key] = {};
    const bindings = (c.container?.networkBindings ?? []).filter(
      (b) => b.containerPort === m.containerPort && b.protocol === m.protocol,
    );
    portMap[key] =
      c.networkMode === "bridge" && running && bindings.length > 0
        ? bindings.map((b) => ({ HostIp: b.bindIP || "0.0.0.0", HostPort: String(b.hostPort) }))
        : null;
  }
  const env = (c.definition?.environment ?? []).map((e) => `${e.name}=${e.value}`);
  if (!c.pause) {
    env.push(`AWS_EXECUTION_ENV=AWS_ECS_${c.task.launchType}`);
    if (ctx.metadataUri) env.push(`ECS_CONTAINER_METADATA_URI_V4=${ctx.metadataUri}`);
  }
  const bridgeIp = c.networkMode === "bridge" && running ? bridgeIpOf(c.runtimeId) : "";
  const memoryBytes = (c.definition?.memory ?? 0) * 1024 * 1024;
  const pid = running ? new Seeded(`pid:${c.runtimeId}`).int(1000, 60_000) : 0;
  return {
    Id: c.runtimeId,
    Created: new Date(c.createdAtMs).toISOString(),
    Path: c.pause ? "/pause" : "/docker-entrypoint.sh",
    Args: [],
    State: {
      Status: c.state,
      Running: running,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: pid,
      ExitCode: exitCodeOf(c),
      Error: "",
      StartedAt: c.startedAtMs !== undefined ? new Date(c.startedAtMs).toISOString() : ZERO_TIME,
      FinishedAt: c.finishedAtMs !== undefined ? new Date(c.finishedAtMs).toISOString() : ZERO_TIME,
    },
    Image: imageIdOf(c.image),
    Name: `/${c.dockerName}`,
    RestartCount: 0,
    Driver: "overlay2",
    Platform: "linux",
    HostConfig: {
      NetworkMode: dockerNetworkMode(c),
      PortBindings: Object.fromEntries(
        (c.definition?.portMappings ?? []).map((m) => [
          `${m.containerPort}/${m.protocol}`,
          [{ HostIp: "", HostPort: m.hostPort ? String(m.hostPort) : "" }],
        ]),
      ),
      Memory: memoryBytes,
      MemoryReservation: (c.definition?.memoryReservation ?? 0) * 1024 * 1024,
      CpuShares: c.definition?.cpu ?? 2,
      ReadonlyRootfs: false,
      RestartPolicy: { Name: "no", MaximumRetryCount: 0 },
    },
    Config: {
      Hostname:
        c.networkMode === "host" ? `ip-${ctx.instance.privateIp.replaceAll(".", "-")}` : c.runtimeId.slice(0, 12),
      Domainname: "",
      User: "",
      ExposedPorts: exposed,
      Env: env,
      Cmd: null,
      Image: c.image,
      Entrypoint: c.pause ? ["/pause"] : ["/docker-entrypoint.sh"],
      Labels: c.labels,
    },
    NetworkSettings: {
      Bridge: "",
      SandboxID: running ? hexId(`sandbox:${c.runtimeId}`) : "",
      SandboxKey: running ? `/var/run/docker/netns/${hexId(`netns:${c.runtimeId}`, 12)}` : "",
      Ports: portMap,
      Gateway: bridgeIp ? "172.17.0.1" : "",
      IPAddress: bridgeIp,
      IPPrefixLen: bridgeIp ? 16 : 0,
      MacAddress: bridgeIp ? macFor(`bridge:${c.runtimeId}`) : "",
      Networks: networksOf(c),
    },
    Mounts: [],
  };
}
