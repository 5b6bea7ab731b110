import type { Logger } from "../../lib/logger.js";
import { type LoopbackServer, listenLoopback, sendText } from "../node/http-server.js";
import { networkModeOf } from "../node/node-containers.js";
import type { ClusterStoreView, SimContainer, SimStateEvent, SimTask, WorkloadFailure } from "../state/model.js";
import { type MetricsRoute, respond } from "./metrics-responder.js";
import {
  DEFAULT_SCRAPE_LABELS,
  metricsPathOverride,
  type ScrapeLabelNames,
  scrapeEndpointsOf,
} from "./scrape-labels.js";

/** Docker label that sets a container's failure mode (overridden by the model's `failure` when not "none"). */
export const FAILURE_LABEL = "SIM_FAILURE";
/** Docker label that sets how many series a container's endpoints serve. */
export const SERIES_LABEL = "SIM_SERIES";

const FAILURES = new Set<WorkloadFailure>(["none", "slow", "http500", "garbage", "oversized", "refused"]);

export interface WorkloadEndpoint {
  taskArn: string;
  containerName: string;
  /** Where a Prometheus would scrape it: `http://<address>:<port><path>`. */
  url: string;
  failure: WorkloadFailure;
  /** Series the endpoint serves (see exposition's seriesCountFor). */
  series: number;
  /** Set when the listener could not be started (e.g. the port is taken on that address). */
  error?: string;
}

export interface WorkloadManager {
  endpoints(): WorkloadEndpoint[];
  /** Resolves once every listener started so far is listening (or failed). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface WorkloadOptions {
  /**
   * Bind every workload to this address on an ephemeral port instead of its ECS address (endpoints() then reports
   * the real URL). Leave unset so that each workload listens where ECS says it is.
   */
  host?: string;
  /** Series per endpoint unless the container's `series` or SIM_SERIES label says otherwise. @defaultValue 50 */
  seriesPerTarget?: number;
  /** Docker label names that declare metrics endpoints. @defaultValue {@link DEFAULT_SCRAPE_LABELS} */
  labels?: ScrapeLabelNames;
  /** @defaultValue 12000 */
  slowDelayMs?: number;
  /** @defaultValue 22020096 (21 MiB) */
  oversizedBytes?: number;
  /** Endpoints beyond this many are not started (a warning is logged once). @defaultValue 5000 */
  maxEndpoints?: number;
  logger?: Logger;
}

interface Listener {
  routes: Map<string, MetricsRoute>;
  server: Promise<LoopbackServer | undefined>;
  error?: string;
}

interface ActiveEndpoint extends WorkloadEndpoint {
  key: string;
  /** Paths served: the declared one and, when PROMETHEUS_LABELS sets `__metrics_path__`, that one too. */
  paths: string[];
  /** The ECS address `ip:port`; what decides whether a change needs a restart. */
  address: string;
  /** Registry key of its listener; absent for `refused`, which has none. */
  listenerKey?: string;
}

function failureOf(container: SimContainer, labels: Record<string, string>, defFailure: WorkloadFailure | undefined) {
  if (container.failure && container.failure !== "none") return container.failure;
  const label = labels[FAILURE_LABEL]?.trim() as WorkloadFailure | undefined;
  if (label && FAILURES.has(label)) return label;
  return defFailure ?? "none";
}

function seriesOf(container: SimContainer, labels: Record<string, string>, fallback: number): number {
  const label = Number(labels[SERIES_LABEL]);
  if (Number.isInteger(label) && label > 0) return Math.min(label, 1_000_000);
  return container.series ?? fallback;
}

/**
 * Starts the simulated workloads: for every RUNNING task, each container whose docker labels ask to be scraped
 * serves Prometheus metrics at the address a Prometheus would use (bridge: instance IP + mapped host port; host:
 * instance IP + container port; awsvpc/Fargate: ENI IP + container port). Follows `taskChanged` events: listeners
 * start when a task runs and stop when it stops.
 */
export function startWorkloads(store: ClusterStoreView, options: WorkloadOptions = {}): WorkloadManager {
  const labels = options.labels ?? DEFAULT_SCRAPE_LABELS;
  const seriesDefault = options.seriesPerTarget ?? 50;
  const maxEndpoints = options.maxEndpoints ?? 5_000;
  const log = options.logger;
  const responder = {
    slowDelayMs: options.slowDelayMs ?? 12_000,
    oversizedBytes: options.oversizedBytes ?? 21 * 1024 * 1024,
    timers: new Set<NodeJS.Timeout>(),
  };
  const listeners = new Map<string, Listener>();
  const closing = new Map<string, Promise<void>>();
  const byTask = new Map<string, Map<string, ActiveEndpoint>>();
  const pending = new Set<Promise<unknown>>();
  let total = 0;
  let warnedCap = false;
  let closed = false;

  const track = <T>(promise: Promise<T>): Promise<T> => {
    pending.add(promise);
    void promise.finally(() => pending.delete(promise));
    return promise;
  };

  const openListener = (key: string, ip: string, port: number): Listener => {
    const existing = listeners.get(key);
    if (existing) return existing;
    const routes = new Map<string, MetricsRoute>();
    const previous = closing.get(key) ?? Promise.resolve();
    const listener: Listener = {
      routes,
      server: track(
        previous.then(() =>
          listenLoopback(ip, port, (req, res, url) => {
            const route = routes.get(url.pathname);
            if (!route) return sendText(res, 404, "404 page not found\n");
            if (req.method !== "GET" && req.method !== "HEAD") return sendText(res, 405, "method not allowed\n");
            respond(req, res, route, responder);
          }).catch((error: Error) => {
            listener.error = `${ip}:${port}: ${error.message}`;
            log?.warn({ err: error, address: `${ip}:${port}` }, "sim workload listener failed to start");
            return undefined;
          }),
        ),
      ),
    };
    listeners.set(key, listener);
    return listener;
  };

  const releaseListener = (key: string, paths: string[]) => {
    const listener = listeners.get(key);
    if (!listener) return;
    for (const path of paths) listener.routes.delete(path);
    if (listener.routes.size > 0) return;
    listeners.delete(key);
    const done = track(listener.server.then((server) => server?.close()).then(() => undefined));
    closing.set(key, done);
    void done.finally(() => {
      if (closing.get(key) === done) closing.delete(key);
    });
  };

  const desiredEndpoints = (task: SimTask): ActiveEndpoint[] => {
    if (task.lastStatus !== "RUNNING") return [];
    const def = store.taskDefinition(task.taskDefinitionArn);
    const mode = networkModeOf(task, def);
    const instance = task.containerInstanceArn ? store.instance(task.containerInstanceArn) : undefined;
    const out: ActiveEndpoint[] = [];
    for (const container of task.containers) {
      if (container.lastStatus !== "RUNNING") continue;
      const definition = def?.containerDefinitions.find((d) => d.name === container.name);
      const dockerLabels = definition?.dockerLabels ?? {};
      const override = metricsPathOverride(dockerLabels, labels);
      for (const spec of scrapeEndpointsOf(dockerLabels, labels)) {
        let ip: string | undefined;
        let port = spec.port;
        if (mode === "bridge") {
          const binding = container.networkBindings.find((b) => b.containerPort === spec.port && b.protocol === "tcp");
          ip = binding ? instance?.privateIp : undefined;
          port = binding?.hostPort ?? port;
        } else if (mode === "host") {
          ip = instance?.privateIp;
        } else if (mode === "awsvpc") {
          ip = container.privateIpv4Address ?? task.eni?.privateIpv4Address;
        }
        if (!ip) {
          log?.debug({ taskArn: task.taskArn, container: container.name, port: spec.port }, "sim workload unreachable");
          continue;
        }
        const failure = failureOf(container, dockerLabels, definition?.failure);
        const series = seriesOf(container, dockerLabels, definition?.series ?? seriesDefault);
        const key = `${container.name}/${spec.port}${spec.path}`;
        out.push({
          key,
          taskArn: task.taskArn,
          containerName: container.name,
          url: `http://${ip}:${port}${override ?? spec.path}`,
          failure,
          series,
          paths: override && override !== spec.path ? [override, spec.path] : [spec.path],
          address: `${ip}:${port}`,
        });
      }
    }
    return out;
  };

  const start = (task: SimTask, endpoint: ActiveEndpoint) => {
    if (total >= maxEndpoints) {
      if (!warnedCap) log?.warn({ maxEndpoints }, "sim workloads: endpoint cap reached; further endpoints not started");
      warnedCap = true;
      return false;
    }
    total++;
    if (endpoint.failure === "refused") return true;
    const separator = endpoint.address.lastIndexOf(":");
    const listener = options.host
      ? openListener(`${task.taskArn}/${endpoint.key}`, options.host, 0)
      : openListener(
          endpoint.address,
          endpoint.address.slice(0, separator),
          Number(endpoint.address.slice(separator + 1)),
        );
    endpoint.listenerKey = options.host ? `${task.taskArn}/${endpoint.key}` : endpoint.address;
    const route: MetricsRoute = {
      failure: endpoint.failure,
      profile: {
        seed: `${task.taskArn}/${endpoint.key}`,
        series: endpoint.series,
        startedAtMs: task.startedAt?.getTime() ?? Date.now(),
        info: { sim_task_id: task.id, sim_container: endpoint.containerName, sim_endpoint: endpoint.key },
      },
    };
    for (const path of endpoint.paths) listener.routes.set(path, route);
    void listener.server.then((server) => {
      if (listener.error) endpoint.error = listener.error;
      else if (server && options.host) endpoint.url = `${server.url}${endpoint.paths[0]}`;
    });
    return true;
  };

  const stop = (endpoint: ActiveEndpoint) => {
    total--;
    if (endpoint.listenerKey) releaseListener(endpoint.listenerKey, endpoint.paths);
  };

  const reconcile = (task: SimTask) => {
    if (closed) return;
    const current = byTask.get(task.taskArn) ?? new Map<string, ActiveEndpoint>();
    const desired = new Map(desiredEndpoints(task).map((e) => [e.key, e]));
    for (const [key, endpoint] of current) {
      const next = desired.get(key);
      if (
        !next ||
        next.address !== endpoint.address ||
        next.failure !== endpoint.failure ||
        next.series !== endpoint.series
      ) {
        stop(endpoint);
        current.delete(key);
      }
    }
    for (const [key, endpoint] of desired) {
      if (!current.has(key) && start(task, endpoint)) current.set(key, endpoint);
    }
    if (current.size > 0) byTask.set(task.taskArn, current);
    else byTask.delete(task.taskArn);
  };

  const onEvent = (event: SimStateEvent) => {
    if (event.type === "taskChanged") reconcile(event.task);
    else if (event.instance.ec2State === "terminated" || event.instance.status === "INACTIVE") {
      for (const task of store.tasksOnInstance(event.instance.containerInstanceArn)) {
        const current = byTask.get(task.taskArn);
        if (!current) continue;
        for (const endpoint of current.values()) stop(endpoint);
        byTask.delete(task.taskArn);
      }
    }
  };
  // The store calls listeners synchronously inside its mutations: a workload problem must never escape into it.
  const unsubscribe = store.subscribe((event) => {
    try {
      onEvent(event);
    } catch (error) {
      log?.error({ err: error, event: event.type }, "sim workloads: failed to apply a state event");
    }
  });
  for (const task of store.tasks()) {
    try {
      if (task.lastStatus === "RUNNING") reconcile(task);
    } catch (error) {
      log?.error({ err: error, taskArn: task.taskArn }, "sim workloads: failed to start a task's workloads");
    }
  }

  return {
    endpoints: () =>
      [...byTask.values()].flatMap((m) =>
        [...m.values()].map(({ taskArn, containerName, url, failure, series, error }) => ({
          taskArn,
          containerName,
          url,
          failure,
          series,
          ...(error ? { error } : {}),
        })),
      ),
    ready: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    close: async () => {
      closed = true;
      unsubscribe();
      for (const timer of responder.timers) clearTimeout(timer);
      responder.timers.clear();
      const servers = [...listeners.values()].map((l) => l.server);
      listeners.clear();
      byTask.clear();
      await Promise.allSettled([...pending]);
      await Promise.all(servers.map((s) => s.then((server) => server?.close())));
    },
  };
}
