import type { ClusterSpec } from "../../crds-like-schemas/index.js";
import { parseDuration } from "../../lib/duration.js";
import type { Logger } from "../../lib/logger.js";
import { ObservationError } from "../errors/observation-error.js";
import type {
  ObservedCloudMapInstance,
  ObservedCluster,
  ObservedService,
  ObservedServiceLabels,
  ObservedTask,
  ResourceTags,
} from "../model.js";
import type { CloudMapApi, Ec2Api, EcsApi } from "./aws-apis.js";
import { CallRecorder, type CycleStats, chunk, mapLimit, toObservationError } from "./call-stats.js";
import { observeCloudMap } from "./cloud-map-observer.js";
import { type ContainerInstanceLike, type TaskLike, toObservedTask } from "./ecs-mappers.js";
import { InstanceCache } from "./instance-cache.js";
import { toResourceTags } from "./resource-tags.js";
import { countFromCache, readServices } from "./service-figures.js";
import type { ObserveCachePort } from "./shared-cache.js";
import { TaskCache, type TaskEventResult } from "./task-cache.js";
import { TaskDefinitionCache } from "./task-definitions.js";
import { TaskSnapshotSync } from "./task-snapshot.js";

export interface ClusterObserverOptions {
  spec: ClusterSpec;
  /** Region of the cluster (the spec's, or the controller's). */
  region: string;
  ecs: EcsApi;
  ec2: Ec2Api;
  /** Needed only when the spec names Cloud Map namespaces. */
  cloudMap?: CloudMapApi | undefined;
  /** Epoch milliseconds. @defaultValue Date.now */
  now?: () => number;
  /** Task definitions kept beyond those in use. @defaultValue 2000 */
  taskDefinitionCacheSize?: number;
  /** Parallel Describe* batches per cycle (the request budget paces them anyway). @defaultValue 4 */
  concurrency?: number;
  /** How often Cloud Map is re-listed when the spec's `cloudMap.period` cannot be read. @defaultValue 30000 */
  cloudMapPeriodMs?: number;
  /**
   * The replicas' shared cache in Redis (ADR 0068): task definitions, EC2 facts and instance types are looked up
   * there before AWS is asked, and stored there after, so a takeover or a restart starts warm.
   */
  sharedCache?: ObserveCachePort | undefined;
  logger?: Logger | undefined;
}

export interface ObserveOptions {
  /**
   * true (default): list every task with ListTasks, the safety-net resync. false: trust the event-fed cache
   * (issue 10) and only fetch what new events reference (task definitions, container instances).
   */
  resync?: boolean;
}

/** Task states that change without an event we would otherwise notice: described again every cycle. */
const SETTLED = new Set(["RUNNING", "STOPPED"]);

/**
 * The informer-like cache of one cluster. Each {@link observe} call is one cycle that either returns a complete,
 * consistent {@link ObservedCluster} or throws an {@link ObservationError} and changes nothing ("stale beats
 * partial"): the last good view stays available through {@link lastGood}.
 *
 * Call budget of a resync cycle:
 * - ListTasks (desiredStatus RUNNING, 100 per page) every cycle. Tasks whose desired status became STOPPED
 *   leave the list and therefore the view at once; STOPPED tasks are not listed (no target can use them).
 * - DescribeTasks (≤100 per call) only for task ARNs not in the cache and cached tasks in a transitional state.
 * - DescribeTaskDefinition once per task definition ARN (immutable; in use + bounded LRU).
 * - Container instances: see {@link InstanceCache} (once per capacity period, plus unknown ones).
 * - ListServices + DescribeServices (≤10) once per service-metrics period.
 * - Cloud Map once per the spec's `cloudMap.period`.
 * A steady cycle with no change therefore costs only the ListTasks pages.
 */
export class ClusterObserver {
  private spec: ClusterSpec;
  private readonly now: () => number;
  private readonly concurrency: number;
  private readonly cloudMapPeriodMs: number;
  private readonly definitions: TaskDefinitionCache;
  /** The settled tasks shared with the next holder (ADR 0068), when a shared cache is configured. */
  private readonly snapshot: TaskSnapshotSync | undefined;
  private readonly tasks = new TaskCache();
  private readonly instances: InstanceCache;
  private clusterArn: string | undefined;
  private clusterName: string | undefined;
  private clusterTags: ResourceTags | undefined;
  /** Discovery-label view of the services DescribeServices last reported. */
  private serviceLabels: ReadonlyMap<string, ObservedServiceLabels> | undefined;
  private servicesAt: number | undefined;
  private servicesDue = false;
  /** Services as DescribeServices last reported them (desired counts between API reads). */
  private describedServices: ObservedService[] | undefined;
  private cloudMapAt: number | undefined;
  private cloudMapInstances: ObservedCloudMapInstance[] = [];
  private good: ObservedCluster | undefined;
  private stats: CycleStats | undefined;
  private inflight: Promise<ObservedCluster> | undefined;

  constructor(private readonly options: ClusterObserverOptions) {
    this.spec = options.spec;
    this.now = options.now ?? Date.now;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.cloudMapPeriodMs = options.cloudMapPeriodMs ?? 30_000;
    this.snapshot = options.sharedCache && new TaskSnapshotSync(options.sharedCache);
    this.definitions = new TaskDefinitionCache(options.ecs, {
      size: options.taskDefinitionCacheSize,
      concurrency: this.concurrency,
      shared: options.sharedCache,
    });
    this.instances = new InstanceCache(options.ecs, options.ec2, { shared: options.sharedCache });
  }

  /** The cluster name or ARN from the spec. */
  get cluster(): string {
    return this.spec.name;
  }

  /** A new spec generation for the same cluster: periods, Cloud Map namespaces. Caches are kept. */
  updateSpec(spec: ClusterSpec): void {
    if (spec.cloudMap.namespaces.join("\n") !== this.spec.cloudMap.namespaces.join("\n")) this.cloudMapAt = undefined;
    if (spec.serviceMetrics.period !== this.spec.serviceMetrics.period) this.servicesDue = true;
    this.spec = spec;
  }

  /** The last complete view, if any cycle has succeeded. */
  lastGood(): ObservedCluster | undefined {
    return this.good;
  }

  /** Call statistics of the last cycle (successful or not). */
  lastCycle(): CycleStats | undefined {
    return this.stats;
  }

  /** Next cycle re-reads container instances and services in full (e.g. after an event for an unknown instance). */
  requestFullRefresh(): void {
    this.instances.markDirty();
    this.servicesDue = true;
  }

  /**
   * Updates one task straight from an `ECS Task State Change` event's `detail` (issue 10): no Describe call.
   * Older `version`s and duplicates are ignored; a task whose desired or last status is STOPPED leaves the cache.
   * Events for another cluster are ignored.
   */
  applyTaskEvent(detail: TaskLike & { clusterArn?: string | undefined }): TaskEventResult {
    if (this.clusterArn && detail.clusterArn && detail.clusterArn !== this.clusterArn) return "ignored";
    const task = toObservedTask(detail);
    if (!task) return "ignored";
    return this.tasks.applyEvent(task);
  }

  /** Applies an `ECS Container Instance State Change` event's `detail`. */
  applyContainerInstanceEvent(
    detail: ContainerInstanceLike & { clusterArn?: string | undefined; version?: number | undefined },
  ): "applied" | "stale" | "refresh" | "ignored" {
    if (this.clusterArn && detail.clusterArn && detail.clusterArn !== this.clusterArn) return "ignored";
    return this.instances.applyEvent(detail);
  }

  /** An `ECS Service Action` event: service figures are re-read on the next cycle. */
  markServicesDue(): void {
    this.servicesDue = true;
  }

  /** Runs one observation cycle; concurrent callers share the cycle in flight. */
  observe(options: ObserveOptions = {}): Promise<ObservedCluster> {
    if (!this.inflight) {
      this.inflight = this.cycle(options.resync ?? true).finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async cycle(resync: boolean): Promise<ObservedCluster> {
    const startedAt = this.now();
    const recorder = new CallRecorder();
    const token = this.tasks.beginCycle();
    try {
      const { clusterArn, clusterName } = await this.resolveCluster(recorder);
      const next = resync ? await this.listAndDescribe(clusterArn, recorder) : this.tasks.snapshot();
      const definitions = await this.definitions.load(next, recorder);
      const referenced = new Set<string>();
      for (const task of next.values()) if (task.containerInstanceArn) referenced.add(task.containerInstanceArn);
      // Between resyncs (events flowing) container-instance events keep instances current; the periodic full
      // re-read runs with the resync.
      const capacityPeriod = resync ? safeDuration(this.spec.capacity.period, 60_000) : Number.POSITIVE_INFINITY;
      const instances = await this.instances.refresh(
        clusterArn,
        referenced,
        startedAt,
        capacityPeriod,
        recorder,
        this.concurrency,
      );
      const services = await this.loadServicesIfDue(clusterArn, startedAt, recorder, resync, next);
      const cloudMap = await this.loadCloudMapIfDue(startedAt, recorder);

      // Everything succeeded: commit.
      this.tasks.commit(token, next);
      this.instances.commit(instances, startedAt);
      this.definitions.commit(definitions);
      if (services) this.servicesAt = startedAt;
      if (services) this.servicesDue = false;
      if (cloudMap) {
        this.cloudMapInstances = cloudMap;
        this.cloudMapAt = startedAt;
      }
      if (instances.full) await this.pruneSharedCache();
      await this.snapshot?.sync(this.tasks.current(), resync);
      const view: ObservedCluster = {
        cluster: clusterName,
        clusterArn,
        region: this.options.region,
        observedAt: new Date(startedAt).toISOString(),
        tasks: [...this.tasks.values()].sort((a, b) => (a.taskArn < b.taskArn ? -1 : 1)),
        taskDefinitions: this.definitions.current(),
        instances: [...this.instances.current().values()],
        instanceTypes: new Map(this.instances.instanceTypes()),
        services,
        serviceLabels: this.serviceLabels,
        clusterTags: this.clusterTags,
        cloudMap: this.cloudMapInstances,
      };
      this.good = view;
      this.stats = {
        startedAt: view.observedAt,
        durationMs: this.now() - startedAt,
        ok: true,
        calls: recorder.calls,
        resync,
      };
      return view;
    } catch (error) {
      this.tasks.abort(token);
      const failure = error instanceof ObservationError ? error : toObservationError(error, "observe");
      this.stats = {
        startedAt: new Date(startedAt).toISOString(),
        durationMs: this.now() - startedAt,
        ok: false,
        calls: recorder.calls,
        resync,
        error: failure.message,
      };
      this.options.logger?.warn(
        { cluster: this.spec.name, reason: failure.reason, err: failure.message },
        "observation failed",
      );
      throw failure;
    }
  }

  private async resolveCluster(recorder: CallRecorder): Promise<{ clusterArn: string; clusterName: string }> {
    if (this.clusterArn && this.clusterName) return { clusterArn: this.clusterArn, clusterName: this.clusterName };
    const out = await recorder.call("ecs:DescribeClusters", () =>
      this.options.ecs.describeClusters({ clusters: [this.spec.name], include: ["TAGS"] }),
    );
    const cluster = out.clusters?.find((c) => c.clusterArn && c.status !== "INACTIVE");
    if (!cluster?.clusterArn) {
      throw new ObservationError(`cluster ${this.spec.name} not found`, "ClusterNotFound", "ecs:DescribeClusters");
    }
    this.clusterArn = cluster.clusterArn;
    this.clusterName = cluster.clusterName ?? cluster.clusterArn.split("/").pop() ?? this.spec.name;
    this.clusterTags = toResourceTags(cluster.tags ?? []);
    return { clusterArn: this.clusterArn, clusterName: this.clusterName };
  }

  /**
   * Every RUNNING task: cached settled tasks as they are, DescribeTasks for the rest. Each page is matched
   * against the cache as it arrives and the cached task's own ARN is kept, so the pages' 10,000 fresh strings
   * die young instead of being held across 100 awaits (which promoted them to the old generation every cycle).
   */
  private async listAndDescribe(clusterArn: string, recorder: CallRecorder): Promise<Map<string, ObservedTask>> {
    const next = new Map<string, ObservedTask>();
    const toDescribe = new Set<string>();
    const unknown: string[] = [];
    let token: string | undefined;
    do {
      const page = await recorder.call("ecs:ListTasks", () =>
        this.options.ecs.listTasks({
          cluster: clusterArn,
          desiredStatus: "RUNNING",
          maxResults: 100,
          nextToken: token,
        }),
      );
      for (const arn of page.taskArns ?? []) {
        const task = this.tasks.get(arn);
        // A task known only from events has no tags yet: it is described once, in this batch, for them.
        if (task && SETTLED.has(task.lastStatus) && task.tags !== undefined) next.set(task.taskArn, task);
        else toDescribe.add(arn);
        if (!task) unknown.push(arn);
      }
      token = page.nextToken;
    } while (token);
    // Tasks this replica never saw may be in the last holder's snapshot (a takeover, a restart): not described again.
    for (const [arn, task] of (await this.snapshot?.load(unknown)) ?? []) {
      next.set(arn, task);
      toDescribe.delete(arn);
    }
    await mapLimit(chunk([...toDescribe], 100), this.concurrency, async (batch) => {
      const out = await recorder.call("ecs:DescribeTasks", () =>
        this.options.ecs.describeTasks({ cluster: clusterArn, tasks: batch, include: ["TAGS"] }),
      );
      for (const raw of out.tasks ?? []) {
        const task = toObservedTask(raw, { tagsIncluded: true });
        if (task && task.lastStatus !== "STOPPED") next.set(task.taskArn, task);
      }
    });
    return next;
  }

  /** Keeps the shared cache bounded: what this cycle uses stays, the rest may go once a hash is over its cap. */
  private async pruneSharedCache(): Promise<void> {
    const cache = this.options.sharedCache;
    if (!cache) return;
    const instanceIds = [...this.instances.current().values()].map((i) => i.ec2InstanceId);
    await cache.prune({ taskDefinitionArns: this.definitions.current().keys(), instanceIds });
  }

  /**
   * Service figures once per service-metrics period. In a resync cycle (or polling) they are read with
   * ListServices + DescribeServices. Between resyncs, while events keep the task cache current, running and
   * pending counts are taken from the cache and desired counts from the last DescribeServices, which is read
   * again at the next resync, after an `ECS Service Action` event, or after a spec change.
   */
  private async loadServicesIfDue(
    clusterArn: string,
    now: number,
    recorder: CallRecorder,
    resync: boolean,
    tasks: ReadonlyMap<string, ObservedTask>,
  ): Promise<ObservedService[] | undefined> {
    if (!this.spec.serviceMetrics.enabled) return undefined;
    const period = safeDuration(this.spec.serviceMetrics.period, 60_000);
    if (!this.servicesDue && this.servicesAt !== undefined && now - this.servicesAt < period) return undefined;
    if (!resync && !this.servicesDue && this.describedServices) return countFromCache(this.describedServices, tasks);
    const read = await readServices(this.options.ecs, clusterArn, recorder, this.concurrency, this.serviceLabels);
    this.describedServices = read.figures;
    this.serviceLabels = read.labels;
    return read.figures;
  }

  private async loadCloudMapIfDue(
    now: number,
    recorder: CallRecorder,
  ): Promise<ObservedCloudMapInstance[] | undefined> {
    const namespaces = this.spec.cloudMap.namespaces;
    if (namespaces.length === 0) return this.cloudMapInstances.length > 0 ? [] : undefined;
    const period = safeDuration(this.spec.cloudMap.period, this.cloudMapPeriodMs);
    if (this.cloudMapAt !== undefined && now - this.cloudMapAt < period) return undefined;
    if (!this.options.cloudMap) {
      throw new ObservationError(
        "spec names Cloud Map namespaces but no Cloud Map client is configured",
        "AwsError",
        "servicediscovery",
      );
    }
    return observeCloudMap(this.options.cloudMap, namespaces, recorder);
  }
}

function safeDuration(text: string, fallback: number): number {
  try {
    return parseDuration(text);
  } catch {
    return fallback;
  }
}
