import type { CloudWatchClient, StandardUnit } from "@aws-sdk/client-cloudwatch";
import type Dockerode from "dockerode";
import type { Registry } from "prom-client";
import type { NodeSyncJob, StatsAssignment, StatsDimension, StatsMetric } from "../../crds-like-schemas/index.js";
import { AnchoredPatterns } from "../../lib/anchored-pattern.js";
import { clusterNameOf } from "../../lib/arn.js";
import type { Logger } from "../../lib/logger.js";
import { zeroedCounter } from "../../lib/prom-metrics.js";
import type { NodeHandler } from "../node-handler.js";
import type { Dimension, StatsSample } from "./batching.js";
import { createDockerCollector, type DockerTarget } from "./collectors/docker-collector.js";
import { createMetadataCollector } from "./collectors/metadata-collector.js";
import type { RawRead } from "./collectors/types.js";
import { createContainerBaselines } from "./container-baselines.js";
import { computeContainerFigures, METRIC_UNITS, type Reservation } from "./formulas.js";
import { createStatsPublisher, type StatsPublisher, type StatsPublisherOptions } from "./publisher.js";
import { createStatsGauges } from "./stats-gauges.js";
import { parseStatsPayload } from "./stats-payload.js";

export interface StatsHandlerDeps {
  /** The client, or a function that builds it on first publish (the agent's lazy clients). */
  cloudwatch: CloudWatchClient | (() => CloudWatchClient);
  /** Daemon mode (EC2): the node's Docker API. */
  docker?: Dockerode | undefined;
  /** Sidecar mode (Fargate): `ECS_CONTAINER_METADATA_URI_V4`. Used when `docker` is absent. */
  metadataUri?: string | undefined;
  logger: Logger;
  registry: Registry;
  now?: () => number;
  /** Per-read timeout. @defaultValue 5000 ms */
  readTimeoutMs?: number;
  /** HTTP client for the task metadata endpoint (tests record what was served). @defaultValue global fetch */
  fetch?: typeof fetch;
  /** Publisher tuning (flush cadence, buffer bound, retry delays); cloudwatch/logger/registry/now come from here. */
  publisher?: Omit<StatsPublisherOptions, "cloudwatch" | "logger" | "registry" | "now">;
}

type StatsSpec = NodeSyncJob["stats"];

interface ContainerTarget {
  key: string;
  assignment: StatsAssignment;
  container: StatsAssignment["containers"][number];
}

/**
 * Anchored container-name patterns, matched as the controller's selectors match (lib/anchored-pattern.ts); an
 * invalid one is reported through `onInvalid` and matches nothing. An empty list matches every container.
 */
export function compileContainerFilter(sources: readonly string[], onInvalid: (source: string, error: string) => void) {
  const patterns = new AnchoredPatterns(sources, onInvalid);
  return (name: string) => patterns.matches(name);
}

/** The datum dimensions, in the order the spec lists them; ServiceName is left out for standalone tasks. */
export function dimensionsFor(
  names: readonly StatsDimension[],
  cluster: string,
  assignment: StatsAssignment,
  containerName: string,
): Dimension[] {
  const values: Record<StatsDimension, string | undefined> = {
    ClusterName: clusterNameOf(cluster),
    ServiceName: assignment.serviceName,
    TaskDefinitionFamily: assignment.family,
    TaskId: assignment.taskId,
    ContainerName: containerName,
  };
  const out: Dimension[] = [];
  for (const name of names) {
    const value = values[name];
    if (value) out.push({ Name: name, Value: value });
  }
  return out;
}

/** The job's reservations for a sidecar's container, without `runtimeId` (the metadata endpoint's is current). */
function definedFields(
  container: StatsAssignment["containers"][number] | undefined,
): Partial<StatsAssignment["containers"][number]> {
  if (!container) return {};
  const out: Partial<StatsAssignment["containers"][number]> = {};
  if (container.cpuUnits !== undefined) out.cpuUnits = container.cpuUnits;
  if (container.memoryLimitMiB !== undefined) out.memoryLimitMiB = container.memoryLimitMiB;
  if (container.memoryReservationMiB !== undefined) out.memoryReservationMiB = container.memoryReservationMiB;
  return out;
}

function reservationOf(target: ContainerTarget): Reservation {
  return {
    containerCpuUnits: target.container.cpuUnits,
    taskCpuUnits: target.assignment.taskCpuUnits,
    memoryLimitMiB: target.container.memoryLimitMiB,
    memoryReservationMiB: target.container.memoryReservationMiB,
    taskMemoryMiB: target.assignment.taskMemoryMiB,
  };
}

/**
 * The agent's `stats` handler. Every `periodMs` it reads the stats of the selected containers (Docker API in
 * daemon mode, task metadata v4 in sidecar mode), computes the figures (formulas.ts), sets the
 * `ecsmon_container_*` gauges and queues CloudWatch samples for the publisher, which flushes about once per
 * second with every container folded into one PutMetricData call. A malformed payload is counted in
 * `ecsmon_stats_malformed_total` and skipped; a collection cycle still running when the next is due is skipped.
 */
export function createStatsHandler(deps: StatsHandlerDeps): NodeHandler {
  const now = deps.now ?? Date.now;
  const { logger, registry } = deps;
  const log = logger.child({ handler: "stats" });
  const source = deps.docker ? "docker" : "metadata";
  const malformed = zeroedCounter(registry, {
    name: "ecsmon_stats_malformed_total",
    help: "Stats payloads that failed validation and were skipped.",
    label: "source",
    values: [source],
  });
  const collectErrors = zeroedCounter(registry, {
    name: "ecsmon_stats_collect_errors_total",
    help: "Stats reads that failed, by reason.",
    label: "reason",
    values: ["timeout", "not_found", "not_running", "unreachable", "error"],
  });
  const baselines = createContainerBaselines({ registry, logger: log, source });
  const cycles = zeroedCounter(registry, {
    name: "ecsmon_stats_cycles_total",
    help: "Stats collection cycles, by result.",
    label: "result",
    values: ["ok", "skipped_overlap"],
  });

  const gauges = createStatsGauges(registry);
  const docker = deps.docker
    ? createDockerCollector({ docker: deps.docker, now, timeoutMs: deps.readTimeoutMs })
    : undefined;
  const metadata =
    !deps.docker && deps.metadataUri
      ? createMetadataCollector({
          metadataUri: deps.metadataUri,
          now,
          timeoutMs: deps.readTimeoutMs,
          fetch: deps.fetch,
        })
      : undefined;

  let publisher: StatsPublisher | undefined;
  let spec: StatsSpec | undefined;
  let cluster = "";
  let generation = -1;
  let filter: (name: string) => boolean = () => true;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const ensurePublisher = () => {
    publisher ??= createStatsPublisher({
      ...deps.publisher,
      cloudwatch: typeof deps.cloudwatch === "function" ? deps.cloudwatch() : deps.cloudwatch,
      logger: log,
      registry,
      now,
    });
    return publisher;
  };

  const targetsOf = (s: StatsSpec): ContainerTarget[] =>
    s.assignments.flatMap((assignment) =>
      assignment.containers
        .filter((container) => filter(container.name))
        .map((container) => ({ key: `${assignment.taskArn}/${container.name}`, assignment, container })),
    );

  /** The containers to sample and their reads; `complete: false` when the source failed as a whole. */
  async function gather(
    s: StatsSpec,
  ): Promise<{ targets: ContainerTarget[]; reads: Map<string, RawRead>; complete: boolean }> {
    if (docker) {
      const targets = targetsOf(s);
      const dockerTargets: DockerTarget[] = targets.map((t) => ({
        key: t.key,
        taskArn: t.assignment.taskArn,
        containerName: t.container.name,
        runtimeId: t.container.runtimeId,
      }));
      return { targets, reads: await docker.collect(dockerTargets), complete: true };
    }
    if (metadata) {
      const result = await metadata.collect();
      if (!result.ok) {
        if (result.malformed) malformed.inc({ source });
        else collectErrors.inc({ reason: "error" });
        log.warn({ error: result.error }, "task metadata stats unavailable");
        return { targets: [], reads: new Map(), complete: false };
      }
      // The job's assignment for this task (if any) knows the service name and reservations the controller saw.
      const fromJob = s.assignments.find((a) => a.taskArn === result.value.assignment.taskArn);
      const assignment: StatsAssignment = {
        ...result.value.assignment,
        serviceName: fromJob?.serviceName ?? result.value.assignment.serviceName,
      };
      const targets = assignment.containers
        .filter((c) => filter(c.name))
        .map((container) => ({
          key: `${assignment.taskArn}/${container.name}`,
          assignment,
          container: { ...container, ...definedFields(fromJob?.containers.find((c) => c.name === container.name)) },
        }));
      const reads = new Map<string, RawRead>();
      for (const t of targets) {
        const read = result.value.reads.get(t.container.name);
        if (read) reads.set(t.key, read);
      }
      return { targets, reads, complete: true };
    }
    return { targets: [], reads: new Map(), complete: true };
  }

  async function cycle(): Promise<void> {
    const s = spec;
    if (!s?.enabled) return;
    const { targets, reads, complete } = await gather(s);
    if (!complete) return;
    if (spec !== s && !spec?.enabled) return;
    const resolution: 1 | 60 = s.periodMs < 60_000 ? 1 : 60;
    const selected = new Set<StatsMetric>(s.metrics);
    const samples: StatsSample[] = [];
    const seen = new Set<string>();
    baselines.noteEngine(reads.values());
    for (const target of targets) {
      seen.add(target.key);
      const read = reads.get(target.key);
      if (!read) continue;
      if (!read.ok) {
        collectErrors.inc({ reason: read.reason });
        if (read.reason === "not_found") baselines.notFound(target.key);
        continue;
      }
      const parsed = parseStatsPayload(read.payload, read.collectedAtMs);
      if (!parsed.ok) {
        malformed.inc({ source });
        log.warn({ container: target.key, error: parsed.error }, "malformed stats payload skipped");
        continue;
      }
      const prev = baselines.advance(target.key, read.runtimeId, parsed.snapshot);
      const all = computeContainerFigures({
        current: parsed.snapshot,
        previous: prev,
        reservation: reservationOf(target),
        cpuMode: s.cpuMode,
      });
      const figures: typeof all = {};
      for (const metric of selected) if (all[metric] !== undefined) figures[metric] = all[metric];
      gauges.set(
        target.key,
        {
          cluster: clusterNameOf(cluster),
          service: target.assignment.serviceName ?? "",
          task_id: target.assignment.taskId,
          container: target.container.name,
        },
        figures,
      );
      const dimensions = dimensionsFor(s.dimensions, cluster, target.assignment, target.container.name);
      for (const [metric, value] of Object.entries(figures) as [StatsMetric, number][]) {
        samples.push({
          namespace: s.namespace,
          metricName: metric,
          dimensions,
          value,
          unit: METRIC_UNITS[metric] as StandardUnit,
          timestampMs: read.collectedAtMs,
          storageResolution: resolution,
          collectedAtMs: read.collectedAtMs,
        });
      }
    }
    baselines.retain(seen);
    gauges.retain(seen);
    if (samples.length > 0) ensurePublisher().add(samples);
    cycles.inc({ result: "ok" });
  }

  const tick = () => {
    if (stopped) return;
    if (running) {
      cycles.inc({ result: "skipped_overlap" });
      return;
    }
    running = cycle()
      .catch((error: unknown) => log.error({ err: error }, "stats cycle failed"))
      .finally(() => {
        running = undefined;
      });
  };

  const schedule = (periodMs: number) => {
    if (timer) clearInterval(timer);
    timer = setInterval(tick, periodMs);
    timer.unref();
    setImmediate(tick);
  };

  const disable = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    baselines.retain(new Set());
    gauges.retain(new Set());
  };

  return {
    name: "stats",
    async apply(job: NodeSyncJob): Promise<void> {
      if (stopped || job.generation < generation) return;
      const next = job.stats;
      const changedPeriod = !spec || spec.periodMs !== next.periodMs || !spec.enabled;
      const changedFilter = !spec || spec.containers.join("\u0000") !== next.containers.join("\u0000");
      const changedShape =
        !spec || spec.metrics.join() !== next.metrics.join() || spec.dimensions.join() !== next.dimensions.join();
      generation = job.generation;
      cluster = job.cluster;
      if (changedFilter) {
        filter = compileContainerFilter(next.containers, (pattern, error) =>
          log.error({ pattern, error }, "invalid stats container pattern ignored"),
        );
      }
      spec = next;
      if (!next.enabled || (!docker && !metadata)) {
        if (next.enabled) log.warn("stats enabled but neither a Docker API nor a task metadata endpoint is configured");
        disable();
        return;
      }
      if (changedShape) gauges.retain(new Set());
      if (changedPeriod) schedule(next.periodMs);
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      if (running) await running;
      await publisher?.stop();
    },
  };
}
