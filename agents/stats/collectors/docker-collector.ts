import type Dockerode from "dockerode";
import { isEngineUnreachable, mapConcurrent, type RawRead, TimeoutError, withTimeout } from "./types.js";

/** A container the agent should read, identified by its task and name, and by its Docker id when known. */
export interface DockerTarget {
  /** Stable key the caller uses to match reads to containers. */
  key: string;
  taskArn: string;
  containerName: string;
  runtimeId?: string | undefined;
}

export interface DockerCollectorOptions {
  docker: Dockerode;
  /** Per-container read timeout. @defaultValue 5000 (ms) */
  timeoutMs?: number;
  /** Reads in flight at once. @defaultValue 64 */
  concurrency?: number;
  now?: () => number;
}

/**
 * Docker answers a stats read of a stopped or restarting container at once with an empty payload whose `read` is
 * the zero time (moby daemon/stats.go); a running container's read always carries the time of the read.
 */
export function isNotRunningPayload(payload: unknown): boolean {
  const read = (payload as { read?: unknown } | null)?.read;
  return typeof read === "string" && read.startsWith("0001-01-01");
}

/** ECS agent labels on every task container (used when DescribeTasks gave no `runtimeId`). */
export const ECS_TASK_ARN_LABEL = "com.amazonaws.ecs.task-arn";
export const ECS_CONTAINER_NAME_LABEL = "com.amazonaws.ecs.container-name";

/**
 * Daemon mode: reads `GET /containers/{id}/stats?stream=false&one-shot=true` for each target through dockerode, concurrently,
 * each bounded by a timeout. Containers without a runtime id are resolved once per call from
 * `GET /containers/json` by their ECS labels. Never throws: every target gets a {@link RawRead}.
 */
export function createDockerCollector(options: DockerCollectorOptions) {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const concurrency = options.concurrency ?? 64;
  const now = options.now ?? Date.now;
  const { docker } = options;

  /** Ids by `taskArn\u0000containerName`; `unreachable` carries the error when the engine could not be listed. */
  async function resolveIds(
    targets: readonly DockerTarget[],
  ): Promise<{ ids: Map<string, string>; unreachable?: string }> {
    const ids = new Map<string, string>();
    if (targets.every((t) => t.runtimeId)) return { ids };
    try {
      // all: a stopped container still resolves (and reads as not_running) rather than looking removed.
      const list = await withTimeout(
        docker.listContainers({ all: true, filters: { label: [ECS_TASK_ARN_LABEL] } }),
        timeoutMs,
        "list containers",
      );
      const running = new Set<string>();
      for (const info of list) {
        const arn = info.Labels?.[ECS_TASK_ARN_LABEL];
        const name = info.Labels?.[ECS_CONTAINER_NAME_LABEL];
        if (!arn || !name) continue;
        const key = `${arn}\u0000${name}`;
        if (running.has(key)) continue;
        ids.set(key, info.Id);
        if (info.State === "running") running.add(key);
      }
    } catch (error) {
      if (isEngineUnreachable(error)) return { ids, unreachable: (error as Error).message };
      // Otherwise unresolvable targets report not_found below.
    }
    return { ids };
  }

  async function read(runtimeId: string): Promise<RawRead> {
    const abort = new AbortController();
    try {
      const container = docker.getContainer(runtimeId);
      const payload: unknown = await withTimeout(
        // one-shot: answer at once instead of blocking ~1 s to sample precpu_stats; the CPU baseline is then
        // the previous read (formulas.ts cpuBaseline), which also makes the figure cover the whole period.
        container.stats({ stream: false, "one-shot": true, abortSignal: abort.signal } as { stream: false }),
        timeoutMs,
        `stats of ${runtimeId.slice(0, 12)}`,
        abort,
      );
      if (isNotRunningPayload(payload)) {
        return { ok: false, reason: "not_running", error: `container ${runtimeId.slice(0, 12)} is not running` };
      }
      return { ok: true, runtimeId, payload, collectedAtMs: now() };
    } catch (error) {
      const e = error as { statusCode?: number; message?: string };
      if (error instanceof TimeoutError) return { ok: false, reason: "timeout", error: error.message };
      if (e.statusCode === 404) return { ok: false, reason: "not_found", error: `container ${runtimeId} not found` };
      if (isEngineUnreachable(error)) return { ok: false, reason: "unreachable", error: e.message ?? String(error) };
      return { ok: false, reason: "error", error: e.message ?? String(error) };
    }
  }

  return {
    /** Reads every target; the map is keyed by {@link DockerTarget.key}. */
    async collect(targets: readonly DockerTarget[]): Promise<Map<string, RawRead>> {
      const { ids, unreachable } = await resolveIds(targets);
      const reads = await mapConcurrent(targets, concurrency, async (target): Promise<RawRead> => {
        const runtimeId = target.runtimeId ?? ids.get(`${target.taskArn}\u0000${target.containerName}`);
        if (!runtimeId && unreachable) return { ok: false, reason: "unreachable", error: unreachable };
        if (!runtimeId) return { ok: false, reason: "not_found", error: `no Docker container for ${target.key}` };
        return read(runtimeId);
      });
      return new Map(targets.map((t, i) => [t.key, reads[i] as RawRead]));
    },
  };
}

export type DockerCollector = ReturnType<typeof createDockerCollector>;
