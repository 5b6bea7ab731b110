import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestCounters } from "../aws/counters.js";
import { type FaultInjector, type FaultRule, FaultRuleError } from "../aws/faults.js";
import { AwsError } from "../aws/service.js";
import { shapeTask } from "../aws/services/ecs-shapes.js";
import type { ClusterStore } from "../state/cluster-store.js";
import type { SimNodeInfo } from "./node-fleet.js";

/** A stored CloudWatch datum as the control API returns it (the MetricStore's records). */
export interface DatumSource {
  datums(filter: { namespace?: string; metricName?: string; since?: Date }): unknown[];
}

/** What the control API operates on; supplied by startSim. */
export interface ControlContext {
  store: ClusterStore;
  /** Cluster used when a request names none (the scenario's). */
  defaultCluster: string;
  faults: () => FaultInjector;
  counters: () => RequestCounters;
  nodes: () => Promise<SimNodeInfo[]>;
  metrics?: DatumSource | undefined;
  scenario: () => unknown;
  reset: (options: { clearSsm?: boolean }) => Promise<void>;
}

/** A bad control request: answered 400 with the message. */
export class ControlRequestError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = "ControlRequestError";
  }
}

const MAX_BODY = 1024 * 1024;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ControlRequestError("request body too large (limit 1 MiB)", 413);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ControlRequestError(`body is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object")
    throw new ControlRequestError("body must be a JSON object or array");
  return parsed as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 0);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || v === "") throw new ControlRequestError(`${field} must be a non-empty string`);
  return v;
}

function optionalNumber(body: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    throw new ControlRequestError(`${field} must be a number between ${min} and ${max}`);
  }
  return v;
}

function faultRule(raw: unknown): FaultRule {
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    throw new ControlRequestError("each fault rule must be an object");
  const body = raw as Record<string, unknown>;
  return {
    service: optionalString(body, "service") ?? "*",
    operation: optionalString(body, "operation") ?? "*",
    throttlePct: optionalNumber(body, "throttlePct", 0, 100),
    errorPct: optionalNumber(body, "errorPct", 0, 100),
    latencyMs: optionalNumber(body, "latencyMs", 0, 600_000),
  };
}

/**
 * The `/_sim/` control API (JSON in and out), served through startAwsServer's `fallback`:
 * request counters, fault rules, task start/stop, service scaling, node kills, node listing, stored
 * CloudWatch datums, the loaded scenario, reset and a health check. Bad input → 400 with a message.
 */
export function createControlHandler(ctx: ControlContext) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? "/", "http://sim");
    if (!url.pathname.startsWith("/_sim/") && url.pathname !== "/_sim") return false;
    const path = url.pathname.replace(/\/+$/, "").split("/").slice(2).map(decodeURIComponent);
    const method = req.method ?? "GET";
    try {
      const result = await route(ctx, method, path, url, req);
      if (result === undefined) {
        send(res, 404, { error: `no control route ${method} ${url.pathname}` });
      } else {
        send(res, result.status ?? 200, result.body);
      }
    } catch (error) {
      if (error instanceof ControlRequestError) send(res, error.status, { error: error.message });
      else if (error instanceof AwsError || error instanceof FaultRuleError)
        send(res, 400, { error: error.message, code: (error as AwsError).code });
      else send(res, 500, { error: (error as Error).message ?? String(error) });
    }
    return true;
  };
}

type RouteResult = { status?: number; body: unknown } | undefined;

async function route(
  ctx: ControlContext,
  method: string,
  path: string[],
  url: URL,
  req: IncomingMessage,
): Promise<RouteResult> {
  const { store } = ctx;
  const [head, a, b, c] = path;
  switch (`${method} ${head ?? ""}`) {
    case "GET healthz":
      return {
        body: {
          ok: true,
          generation: store.generation,
          instances: store.instances().length,
          tasks: store.tasks().length,
        },
      };

    case "GET requests": {
      const counters = ctx.counters();
      const body = { requests: counters.snapshot(), total: counters.total() };
      if (url.searchParams.get("reset") === "1" || url.searchParams.get("reset") === "true") counters.reset();
      return { body };
    }
    case "DELETE requests":
      ctx.counters().reset();
      return { body: { ok: true } };

    case "GET faults":
      return { body: { rules: ctx.faults().rules() } };
    case "POST faults": {
      const body = await readJson(req);
      const rules = Array.isArray(body) ? body.map(faultRule) : [faultRule(body)];
      for (const rule of rules) ctx.faults().set(rule);
      return { body: { rules: ctx.faults().rules() } };
    }
    case "DELETE faults": {
      const service = url.searchParams.get("service");
      const operation = url.searchParams.get("operation");
      if (service || operation) ctx.faults().remove(service ?? "*", operation ?? "*");
      else ctx.faults().clear();
      return { body: { rules: ctx.faults().rules() } };
    }

    case "GET tasks": {
      const status = url.searchParams.get("desiredStatus");
      const tasks = store.tasks().filter((t) => !status || t.desiredStatus === status);
      return { body: { tasks: tasks.map((t) => shapeTask(store, t)) } };
    }
    case "POST tasks": {
      const body = await readJson(req);
      const taskDefinition = optionalString(body, "taskDefinition");
      if (!taskDefinition) throw new ControlRequestError("taskDefinition is required");
      const launchType = optionalString(body, "launchType");
      if (launchType !== undefined && launchType !== "EC2" && launchType !== "FARGATE") {
        throw new ControlRequestError("launchType must be EC2 or FARGATE");
      }
      const result = store.runTask({
        cluster: optionalString(body, "cluster") ?? ctx.defaultCluster,
        taskDefinition,
        count: optionalNumber(body, "count", 1, 1000),
        launchType,
        group: optionalString(body, "group"),
        startedBy: optionalString(body, "startedBy"),
      });
      return { body: { tasks: result.tasks.map((t) => shapeTask(store, t)), failures: result.failures } };
    }
    case "DELETE tasks": {
      if (!a) throw new ControlRequestError("DELETE /_sim/tasks/<taskId>");
      if (!store.task(a)) return { status: 404, body: { error: `task ${a} not found` } };
      const reason = url.searchParams.get("reason") ?? "Stopped through /_sim";
      return { body: { task: shapeTask(store, store.stopTask(a, reason)) } };
    }

    case "POST services": {
      if (!a || !b || c !== "scale") throw new ControlRequestError("POST /_sim/services/<cluster>/<service>/scale");
      const body = await readJson(req);
      const desiredCount = optionalNumber(body, "desiredCount", 0, 100_000);
      if (desiredCount === undefined || !Number.isInteger(desiredCount)) {
        throw new ControlRequestError("desiredCount (integer ≥ 0) is required");
      }
      const service = store.updateService({ cluster: a, service: b, desiredCount });
      return { body: { serviceName: service.serviceName, desiredCount: service.desiredCount } };
    }

    case "GET nodes":
      return { body: { nodes: await ctx.nodes() } };
    case "POST nodes": {
      if (!a || b !== "kill") throw new ControlRequestError("POST /_sim/nodes/<id>/kill");
      if (!store.instance(a)) return { status: 404, body: { error: `node ${a} not found` } };
      const body = await readJson(req);
      const mode = optionalString(body, "mode") ?? "terminate";
      if (mode !== "terminate" && mode !== "disconnect")
        throw new ControlRequestError("mode must be terminate or disconnect");
      const instance = store.killNode(a, mode);
      return { body: { id: instance.id, status: instance.status, agentConnected: instance.agentConnected } };
    }

    case "GET cloudwatch": {
      if (a !== "datums") return undefined;
      if (!ctx.metrics) return { body: { datums: [] } };
      const sinceRaw = url.searchParams.get("since");
      const since = sinceRaw ? new Date(Number.isNaN(Number(sinceRaw)) ? sinceRaw : Number(sinceRaw)) : undefined;
      if (since && Number.isNaN(since.getTime()))
        throw new ControlRequestError("since must be an ISO date or epoch ms");
      const datums = ctx.metrics.datums({
        namespace: url.searchParams.get("namespace") ?? undefined,
        metricName: url.searchParams.get("metricName") ?? undefined,
        since,
      });
      return { body: { datums } };
    }

    case "GET scenario":
      return { body: ctx.scenario() };

    case "POST reset":
      await ctx.reset({ clearSsm: url.searchParams.get("ssm") === "1" || url.searchParams.get("ssm") === "true" });
      return { body: { ok: true, generation: store.generation } };

    default:
      return undefined;
  }
}
