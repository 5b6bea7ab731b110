import type { ClusterStoreView, SimContainerInstance, SimTask } from "../state/model.js";
import type { Handler } from "./http-server.js";
import { sendJson } from "./http-server.js";
import { agentStatusOf, containersOfTask } from "./node-containers.js";

/** The version string the simulated ECS agent reports. */
export const ECS_AGENT_VERSION = "Amazon ECS Agent - v1.86.3 (*ecsmonsim)";

/** The cluster an instance belongs to: from the new-format ARN ("…:container-instance/<cluster>/<id>"), else the store. */
export function clusterOfInstance(store: ClusterStoreView, instance: SimContainerInstance): string | undefined {
  const resource = instance.containerInstanceArn.split(":").slice(5).join(":");
  const parts = resource.split("/");
  if (parts.length === 3 && parts[1]) return parts[1];
  for (const cluster of store.clusters()) {
    if (store.instances(cluster.clusterArn).some((i) => i.containerInstanceArn === instance.containerInstanceArn)) {
      return cluster.clusterName;
    }
  }
  return undefined;
}

function taskDocument(store: ClusterStoreView, task: SimTask, nowMs: number) {
  const containers = containersOfTask(store, task, nowMs).filter((c) => !c.pause);
  const first = containers[0];
  return {
    Arn: task.taskArn,
    DesiredStatus: task.desiredStatus,
    KnownStatus: agentStatusOf(task.lastStatus),
    Family: first?.family ?? "",
    Version: String(first?.revision ?? ""),
    Containers: containers.map((c) => ({
      DockerId: c.runtimeId,
      DockerName: c.dockerName,
      Name: c.name,
      ...(c.networkMode === "awsvpc" && c.container?.privateIpv4Address
        ? { Networks: [{ NetworkMode: "awsvpc", IPv4Addresses: [c.container.privateIpv4Address] }] }
        : {}),
      ...(c.networkMode === "bridge" && c.container && c.container.networkBindings.length > 0
        ? {
            Ports: c.container.networkBindings.map((b) => ({
              ContainerPort: b.containerPort,
              Protocol: b.protocol,
              HostPort: b.hostPort,
            })),
          }
        : {}),
    })),
  };
}

/**
 * ECS agent introspection (ECS_AGENT_URI, normally :51678): `GET /v1/metadata`, `GET /v1/tasks`,
 * `GET /v1/tasks?dockerid=…` and `GET /v1/tasks?taskarn=…` (a single task object).
 */
export function createIntrospectionHandler(store: ClusterStoreView, instance: SimContainerInstance): Handler {
  return (req, res, url) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendJson(res, 405, { message: `${req.method} not allowed` }, { allow: "GET, HEAD" });
      return;
    }
    const now = Date.now();
    if (url.pathname === "/v1/metadata") {
      const current = store.instance(instance.containerInstanceArn) ?? instance;
      sendJson(res, 200, {
        Cluster: clusterOfInstance(store, current) ?? "default",
        ContainerInstanceArn: current.containerInstanceArn,
        Version: ECS_AGENT_VERSION,
      });
      return;
    }
    if (url.pathname === "/v1/tasks") {
      const dockerId = url.searchParams.get("dockerid");
      const taskArn = url.searchParams.get("taskarn");
      const tasks = store
        .tasksOnInstance(instance.containerInstanceArn)
        .filter((t) => containersOfTask(store, t, now).length > 0);
      if (dockerId !== null && taskArn !== null) {
        sendJson(res, 400, { message: "request contains both dockerid and taskarn; specify only one" });
        return;
      }
      if (dockerId !== null) {
        const task = tasks.find((t) =>
          t.containers.some((c) => c.runtimeId === dockerId || c.runtimeId.startsWith(dockerId)),
        );
        if (task && dockerId.length > 0) sendJson(res, 200, taskDocument(store, task, now));
        else sendJson(res, 404, {});
        return;
      }
      if (taskArn !== null) {
        const task = tasks.find((t) => t.taskArn === taskArn);
        if (task) sendJson(res, 200, taskDocument(store, task, now));
        else sendJson(res, 404, {});
        return;
      }
      sendJson(res, 200, { Tasks: tasks.map((t) => taskDocument(store, t, now)) });
      return;
    }
    if (url.pathname === "/license") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("Amazon Elastic Container Service Container Agent (simulated by ecsmon)\n");
      return;
    }
    sendJson(res, 404, { message: `no route for ${url.pathname}` });
  };
}
