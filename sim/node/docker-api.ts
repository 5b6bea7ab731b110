import type { ServerResponse } from "node:http";
import type { ClusterStoreView, SimContainerInstance } from "../state/model.js";
import { dockerStats } from "./docker-stats.js";
import { inspectDocument, listItem } from "./docker-views.js";
import type { Handler } from "./http-server.js";
import { sendJson } from "./http-server.js";
import { containersOnInstance, findContainer, type NodeContainer } from "./node-containers.js";
import { cgroupOf, statsProfileOf } from "./stats-generator.js";

/** Docker Engine API version the simulated daemon reports. */
export const DOCKER_API_VERSION = "1.43";
const ENGINE_VERSION = "24.0.9";

export interface DockerApiContext {
  store: ClusterStoreView;
  instance: SimContainerInstance;
  /** ECS_CONTAINER_METADATA_URI_V4 of a container (shown in its inspect `Config.Env`). */
  metadataUri?: (c: NodeContainer) => string | undefined;
  /** Interval between streamed stats documents, in ms. @defaultValue 1000 */
  statsStreamIntervalMs?: number;
}

/** Thrown for a malformed `filters` query parameter; becomes Docker's 400 `{ message }`. */
export class DockerFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DockerFilterError";
  }
}

const SUPPORTED_FILTERS = new Set(["label", "status", "id", "name"]);
const STATUSES = new Set(["created", "restarting", "running", "removing", "paused", "exited", "dead"]);

/** Parses Docker's `filters` JSON: `{"label":["k","k=v"]}` or the legacy `{"label":{"k=v":true}}`. */
export function parseFilters(raw: string | null): Map<string, string[]> {
  const filters = new Map<string, string[]>();
  if (raw === null || raw === "") return filters;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new DockerFilterError(`invalid filter: filters is not JSON: ${raw.slice(0, 100)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new DockerFilterError("invalid filter: filters must be a JSON object");
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (!SUPPORTED_FILTERS.has(key)) throw new DockerFilterError(`invalid filter '${key}'`);
    const values = Array.isArray(value)
      ? value
      : typeof value === "object" && value !== null
        ? Object.entries(value)
            .filter(([, on]) => on === true)
            .map(([k]) => k)
        : undefined;
    if (!values || values.some((v) => typeof v !== "string")) {
      throw new DockerFilterError(`invalid filter '${key}': expected a list of strings`);
    }
    if (key === "status") {
      const bad = values.find((v) => !STATUSES.has(v));
      if (bad !== undefined) throw new DockerFilterError(`invalid filter 'status=${bad}'`);
    }
    filters.set(key, values as string[]);
  }
  return filters;
}

/** Whether a container passes every filter: values of one key are OR-ed except `label`, which is AND-ed. */
export function matchesFilters(c: NodeContainer, filters: Map<string, string[]>): boolean {
  for (const wanted of filters.get("label") ?? []) {
    const eq = wanted.indexOf("=");
    if (eq < 0) {
      if (!(wanted in c.labels)) return false;
    } else if (c.labels[wanted.slice(0, eq)] !== wanted.slice(eq + 1)) {
      return false;
    }
  }
  const status = filters.get("status");
  if (status && !status.includes(c.state)) return false;
  const ids = filters.get("id");
  if (ids && !ids.some((id) => c.runtimeId.startsWith(id))) return false;
  const names = filters.get("name");
  if (names && !names.some((n) => c.dockerName.includes(n.replace(/^\//, "")))) return false;
  return true;
}

function truthy(value: string | null): boolean {
  return value !== null && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}

function noSuchContainer(res: ServerResponse, id: string): void {
  sendJson(res, 404, { message: `No such container: ${id}` });
}

/** A request handler serving the read-only Docker Engine API subset of one node. */
export function createDockerApiHandler(ctx: DockerApiContext): Handler {
  const streamIntervalMs = ctx.statsStreamIntervalMs ?? 1000;
  const headers = { "api-version": DOCKER_API_VERSION, "docker-experimental": "false", ostype: "linux" };
  return (req, res, url) => {
    const method = req.method ?? "GET";
    const path = url.pathname.replace(/^\/v\d+(\.\d+)?(?=\/)/, "");
    if (method !== "GET" && method !== "HEAD") {
      sendJson(
        res,
        403,
        { message: `the simulated Docker API is read-only: ${method} ${path} is not allowed` },
        headers,
      );
      return;
    }
    if (path === "/_ping") {
      res.writeHead(200, { ...headers, "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" });
      res.end(method === "HEAD" ? undefined : "OK");
      return;
    }
    const now = Date.now();
    if (path === "/version") {
      sendJson(
        res,
        200,
        {
          Platform: { Name: "Docker Engine - Community" },
          Version: ENGINE_VERSION,
          ApiVersion: DOCKER_API_VERSION,
          MinAPIVersion: "1.12",
          GitCommit: "fca702d",
          GoVersion: "go1.21.13",
          Os: "linux",
          Arch: "amd64",
          KernelVersion: "6.1.0-ecsmon-sim",
          BuildTime: "2024-06-28T00:00:00.000000000+00:00",
        },
        headers,
      );
      return;
    }
    const all = containersOnInstance(ctx.store, ctx.instance, now);
    if (path === "/info") {
      const type = ctx.store.instanceType(ctx.instance.instanceType);
      sendJson(
        res,
        200,
        {
          ID: ctx.instance.ec2InstanceId,
          Containers: all.length,
          ContainersRunning: all.filter((c) => c.state === "running").length,
          ContainersPaused: 0,
          ContainersStopped: all.filter((c) => c.state !== "running").length,
          Driver: "overlay2",
          NCPU: type?.vcpus ?? 2,
          MemTotal: (type?.memoryMiB ?? ctx.instance.registeredMemory) * 1024 * 1024,
          Name: `ip-${ctx.instance.privateIp.replaceAll(".", "-")}`,
          OperatingSystem: "Amazon Linux 2023",
          OSType: "linux",
          Architecture: "x86_64",
          ServerVersion: ENGINE_VERSION,
          CgroupDriver: "systemd",
          CgroupVersion: cgroupOf(ctx.instance) === "v1" ? "1" : "2",
        },
        headers,
      );
      return;
    }
    if (path === "/containers/json") {
      let filters: Map<string, string[]>;
      try {
        filters = parseFilters(url.searchParams.get("filters"));
      } catch (error) {
        sendJson(res, 400, { message: (error as Error).message }, headers);
        return;
      }
      const showAll = truthy(url.searchParams.get("all")) || filters.has("status");
      let items = all.filter((c) => (showAll || c.state === "running") && matchesFilters(c, filters));
      items.sort((a, b) => b.createdAtMs - a.createdAtMs);
      const limit = Number(url.searchParams.get("limit") ?? "-1");
      if (Number.isInteger(limit) && limit > 0) items = items.slice(0, limit);
      sendJson(
        res,
        200,
        items.map((c) => listItem(c, now)),
        headers,
      );
      return;
    }
    const match = /^\/containers\/([^/]+)\/(json|stats)$/.exec(path);
    if (!match) {
      sendJson(res, 404, { message: "page not found" }, headers);
      return;
    }
    const id = decodeURIComponent(match[1] ?? "");
    const container = findContainer(all, id);
    if (!container) {
      noSuchContainer(res, id);
      return;
    }
    if (match[2] === "json") {
      sendJson(
        res,
        200,
        inspectDocument(container, { instance: ctx.instance, metadataUri: ctx.metadataUri?.(container) }),
        headers,
      );
      return;
    }
    const profile = statsProfileOf(ctx.store, container);
    const oneShot = truthy(url.searchParams.get("one-shot"));
    const stream = url.searchParams.get("stream") === null || truthy(url.searchParams.get("stream"));
    if (!stream) {
      sendJson(res, 200, dockerStats(profile, now, { oneShot }), headers);
      return;
    }
    res.writeHead(200, { ...headers, "content-type": "application/json" });
    const write = () => {
      const current = findContainer(containersOnInstance(ctx.store, ctx.instance), container.runtimeId);
      const p = current ? statsProfileOf(ctx.store, current) : profile;
      res.write(`${JSON.stringify(dockerStats(p, Date.now()))}\n`);
    };
    write();
    const timer = setInterval(write, streamIntervalMs);
    res.on("close", () => clearInterval(timer));
  };
}
