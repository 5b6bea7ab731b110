import { z } from "zod";
import type { StatsAssignment } from "../../../crds-like-schemas/index.js";
import { arnId } from "../../../lib/arn.js";
import { CPU_UNITS_PER_VCPU } from "../formulas.js";
import { type RawRead, withTimeout } from "./types.js";

/**
 * Sidecar mode (Fargate): reads `${ECS_CONTAINER_METADATA_URI_V4}/task` for the task's identity and limits and
 * `${ECS_CONTAINER_METADATA_URI_V4}/task/stats` for every container's Docker stats (a map of Docker id → payload,
 * `null` for a container that has not started).
 */

const TaskMetadata = z.looseObject({
  Cluster: z.string().optional(),
  TaskARN: z.string().min(1),
  Family: z.string().min(1),
  /** A string in metadata v4 ("24"). */
  Revision: z.union([z.string(), z.number()]),
  ServiceName: z.string().optional(),
  /** Task-level: CPU in vCPUs (0.25), Memory in MiB. */
  Limits: z
    .looseObject({ CPU: z.number().nonnegative().optional(), Memory: z.number().nonnegative().optional() })
    .optional(),
  Containers: z.array(
    z.looseObject({
      DockerId: z.string().min(1),
      Name: z.string().min(1),
      /** ECS internal containers (pause, ECS-managed) are "CNI_PAUSE", "EMPTY_HOST_VOLUME"… */
      Type: z.string().optional(),
      /** Container-level: CPU in ECS units, Memory in MiB. */
      Limits: z
        .looseObject({ CPU: z.number().nonnegative().optional(), Memory: z.number().nonnegative().optional() })
        .optional(),
    }),
  ),
});

export interface SidecarCollection {
  /** The task as a stats assignment (containers carry their Docker ids as `runtimeId`). */
  assignment: StatsAssignment;
  /** Reads keyed by container name. */
  reads: Map<string, RawRead>;
}

export type SidecarResult = { ok: true; value: SidecarCollection } | { ok: false; malformed: boolean; error: string };

export interface MetadataCollectorOptions {
  metadataUri: string;
  /** @defaultValue 5000 (ms) */
  timeoutMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

class HttpStatusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HttpStatusError";
  }
}

export function createMetadataCollector(options: MetadataCollectorOptions) {
  const base = options.metadataUri.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 5_000;
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? fetch;

  async function getJson(path: string): Promise<unknown> {
    const abort = new AbortController();
    const response = await withTimeout(
      doFetch(`${base}${path}`, { signal: abort.signal }),
      timeoutMs,
      `GET ${path}`,
      abort,
    );
    if (!response.ok) throw new HttpStatusError(`GET ${path}: HTTP ${response.status}`);
    const text = await withTimeout(response.text(), timeoutMs, `GET ${path} body`, abort);
    return JSON.parse(text) as unknown;
  }

  return {
    async collect(): Promise<SidecarResult> {
      let taskRaw: unknown;
      let statsRaw: unknown;
      try {
        [taskRaw, statsRaw] = await Promise.all([getJson("/task"), getJson("/task/stats")]);
      } catch (error) {
        return { ok: false, malformed: error instanceof SyntaxError, error: (error as Error).message };
      }
      const task = TaskMetadata.safeParse(taskRaw);
      if (!task.success) {
        const issue = task.error.issues[0];
        return { ok: false, malformed: true, error: `/task: ${issue?.path.join(".") || "(body)"}: ${issue?.message}` };
      }
      if (typeof statsRaw !== "object" || statsRaw === null || Array.isArray(statsRaw)) {
        return { ok: false, malformed: true, error: "/task/stats: expected an object keyed by Docker id" };
      }
      const stats = statsRaw as Record<string, unknown>;
      const t = task.data;
      const collectedAtMs = now();
      const containers = t.Containers.filter((c) => c.Type === undefined || c.Type === "NORMAL");
      const taskCpu = t.Limits?.CPU;
      const assignment: StatsAssignment = {
        taskArn: t.TaskARN,
        taskId: arnId(t.TaskARN),
        family: t.Family,
        revision: Number.parseInt(String(t.Revision), 10) || 0,
        serviceName: t.ServiceName || undefined,
        taskCpuUnits: taskCpu !== undefined ? taskCpu * CPU_UNITS_PER_VCPU : undefined,
        taskMemoryMiB: t.Limits?.Memory,
        containers: containers.map((c) => ({
          name: c.Name,
          runtimeId: c.DockerId,
          cpuUnits: c.Limits?.CPU,
          memoryLimitMiB: c.Limits?.Memory,
        })),
      };
      const reads = new Map<string, RawRead>();
      for (const c of containers) {
        const payload = stats[c.DockerId];
        reads.set(
          c.Name,
          payload === undefined || payload === null
            ? { ok: false, reason: "not_found", error: `no stats for ${c.Name} yet` }
            : { ok: true, runtimeId: c.DockerId, payload, collectedAtMs },
        );
      }
      return { ok: true, value: { assignment, reads } };
    },
  };
}

export type MetadataCollector = ReturnType<typeof createMetadataCollector>;
