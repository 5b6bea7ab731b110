import type { ClusterStoreView } from "../state/model.js";
import { listenLoopback } from "./http-server.js";
import { createTaskMetadataHandler, metadataPathId } from "./task-metadata.js";

/** A task metadata v4 server for tasks without a node of their own (Fargate). */
export interface TaskMetadataEndpoint {
  baseUrl: string;
  /** ECS_CONTAINER_METADATA_URI_V4 of a task's container (its first container when no name is given). */
  metadataUrl(taskArnOrId: string, containerName?: string): string;
  close(): Promise<void>;
}

/**
 * Serves task metadata v4 for every task in the store (Fargate sidecars read theirs here), on `host` (loopback)
 * and `port` (0: ephemeral).
 */
export async function startTaskMetadataEndpoint(
  store: ClusterStoreView,
  options: { host?: string; port?: number } = {},
): Promise<TaskMetadataEndpoint> {
  const server = await listenLoopback(
    options.host ?? "127.0.0.1",
    options.port ?? 0,
    createTaskMetadataHandler({ store }),
  );
  return {
    baseUrl: server.url,
    metadataUrl: (taskArnOrId, containerName) =>
      `${server.url}/v4/${encodeURIComponent(metadataPathId(taskArnOrId.slice(taskArnOrId.lastIndexOf("/") + 1), containerName))}`,
    close: () => server.close(),
  };
}
