import type { ClusterStoreView, SimContainerInstance } from "../state/model.js";
import { createIntrospectionHandler } from "./agent-introspection.js";
import { createDockerApiHandler } from "./docker-api.js";
import { type LoopbackServer, listenLoopback } from "./http-server.js";
import { createImdsHandler } from "./imds.js";
import { createTaskMetadataHandler, metadataPathId } from "./task-metadata.js";

/** The HTTP surfaces one simulated container instance serves, each on its own port of the instance's private IP. */
export interface NodeSurfaces {
  /** `tcp://ip:port`, for DOCKER_HOST. */
  dockerUrl: string;
  /** `http://ip:port`, the same Docker API for HTTP clients. */
  dockerHttpUrl: string;
  /** ECS agent introspection base URL, for ECS_AGENT_URI (`/v1/metadata`, `/v1/tasks` under it). */
  introspectionUrl: string;
  /** IMDS base URL, for ECSMON_IMDS_ENDPOINT (`/latest/meta-data/…` under it). */
  imdsUrl: string;
  /** Base URL of the task metadata server (`/v4/<id>` under it). */
  metadataBaseUrl: string;
  /**
   * ECS_CONTAINER_METADATA_URI_V4 of a task on this node: the named container's, or the task's first container's.
   * The URL is returned even for unknown tasks; the endpoint answers 404 for them.
   */
  metadataUrl(taskArnOrId: string, containerName?: string): string;
  close(): Promise<void>;
}

export interface NodeSurfacesOptions {
  /** Address to bind. @defaultValue the instance's `privateIp` (must be in 127.0.0.0/8) */
  host?: string;
  /** Fixed ports per surface; 0 (the default) picks an ephemeral port. */
  ports?: Partial<Record<"docker" | "introspection" | "metadata" | "imds", number>>;
  /** Interval of streamed Docker stats, in ms. @defaultValue 1000 */
  statsStreamIntervalMs?: number;
}

/** Task id from a task ARN or id. */
function taskIdOf(taskArnOrId: string): string {
  return taskArnOrId.slice(taskArnOrId.lastIndexOf("/") + 1);
}

/**
 * Starts the Docker Engine API subset, ECS agent introspection, task metadata v4 and IMDS of one container instance.
 * Every response is rendered from `store` at request time, so the surfaces follow task changes without wiring.
 */
export async function startNodeSurfaces(
  store: ClusterStoreView,
  instance: SimContainerInstance,
  options: NodeSurfacesOptions = {},
): Promise<NodeSurfaces> {
  const host = options.host ?? instance.privateIp;
  const ports = options.ports ?? {};
  const started: LoopbackServer[] = [];
  const start = async (port: number | undefined, handler: Parameters<typeof listenLoopback>[2]) => {
    const server = await listenLoopback(host, port ?? 0, handler);
    started.push(server);
    return server;
  };
  try {
    const metadata = await start(ports.metadata, createTaskMetadataHandler({ store, instance }));
    const metadataUrl = (taskArnOrId: string, containerName?: string) =>
      `${metadata.url}/v4/${encodeURIComponent(metadataPathId(taskIdOf(taskArnOrId), containerName))}`;
    const docker = await start(
      ports.docker,
      createDockerApiHandler({
        store,
        instance,
        metadataUri: (c) => (c.pause ? undefined : metadataUrl(c.task.id, c.name)),
        statsStreamIntervalMs: options.statsStreamIntervalMs,
      }),
    );
    const introspection = await start(ports.introspection, createIntrospectionHandler(store, instance));
    const imds = await start(ports.imds, createImdsHandler(store, instance));
    return {
      dockerUrl: `tcp://${host}:${docker.port}`,
      dockerHttpUrl: docker.url,
      introspectionUrl: introspection.url,
      imdsUrl: imds.url,
      metadataBaseUrl: metadata.url,
      metadataUrl,
      close: async () => {
        await Promise.all(started.map((s) => s.close()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((s) => s.close()));
    throw error;
  }
}
