import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";
import type { Logger } from "../../lib/logger.js";
import { parseHostPort } from "../../lib/net.js";
import { TARGET_STATES } from "../machines/target-machine.js";
import { registerStatusPage, STATUS_PAGE_PATHS } from "../ui/status-page.js";
import { apiError, BadRequest, errorName, rawErrorResponse } from "./api-error.js";
import { bearerChecker } from "./auth.js";
import type { StatusView } from "./status-view.js";

export interface ApiServerOptions {
  view: StatusView;
  /** `host:port`; the host must be a loopback or explicitly configured address. */
  bind: string;
  /** Read-only bearer token; when set every route except /healthz and /readyz requires it. */
  token?: string | undefined;
  logger: Logger;
  /**
   * A request still unanswered after this is answered 503 (a safety net: the view's Redis reads are bounded
   * well below it). @defaultValue 2000
   */
  deadlineMs?: number | undefined;
}

export interface ApiServer {
  /** `http://host:port` actually bound (port 0 resolved). */
  url: string;
  close(): Promise<void>;
  app: FastifyInstance;
}

const text = (name: string, max = 256, hint = "") =>
  z
    .string({
      error: (issue) =>
        issue.input === undefined ? `${name} is required${hint}` : `${name} must be a single string, given once`,
    })
    .min(1, `${name} must not be empty`)
    .max(max, `${name} is longer than ${max} characters`);

const TARGET_STATE_NAMES = [...TARGET_STATES, "active"] as const;

const TargetsQuery = z.strictObject({
  cluster: text("cluster").optional(),
  service: text("service").optional(),
  state: z.enum(TARGET_STATE_NAMES, { error: `state must be one of ${TARGET_STATE_NAMES.join(", ")}` }).optional(),
});
const ExplainQuery = z.strictObject({
  task: text(
    "task",
    2048,
    ": a task ARN or task id, e.g. /api/v1/explain?task=arn:aws:ecs:us-east-1:123456789012:task/demo/0abc",
  ),
});
const AgentsQuery = z.strictObject({ cluster: text("cluster").optional() });
const EmptyQuery = z.strictObject({});

/** Methods the API answers; any other on a known path is a 405 with `Allow`. */
const ALLOWED_METHODS = "GET, HEAD";
const OTHER_METHODS = ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

const gunzipAsync = promisify(gunzip);

/** Whether an Accept-Encoding header admits gzip (a `q=0` refuses it). Prometheus's HTTP client sends gzip. */
export function acceptsGzip(header: string | undefined): boolean {
  for (const part of (header ?? "").split(",")) {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (coding !== "gzip" && coding !== "*") continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

function parseQuery<T>(schema: z.ZodType<T>, query: unknown): T {
  const parsed = schema.safeParse(query ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = issue?.path.join(".") ?? "";
  // The messages of `text()` name their parameter already.
  const where = key && !issue?.message.startsWith(`${key} `) ? `${key}: ` : "";
  const message =
    issue?.code === "unrecognized_keys"
      ? `unknown query parameter(s): ${issue.keys.join(", ")}`
      : `${where}${issue?.message}`;
  throw new BadRequest(message);
}

/**
 * The controller's status API (Fastify). Read-only; GET (and HEAD) only; one JSON error shape everywhere
 * ({@link apiError}): a bad query is a 400 naming the parameter, an unknown path or id a 404, another method on
 * a known path a 405 with `Allow`, a missing/wrong token a 401, and an internal failure a 503, never a 500.
 * Every answer comes from the replica's memory or a time-bounded Redis read (see the view); past `deadlineMs`
 * a request is answered 503 whatever it waits on. No CORS headers are sent.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { view } = options;
  const { host, port } = parseHostPort(options.bind);
  const deadlineMs = options.deadlineMs ?? 2_000;
  let closing = false;
  const app = Fastify({
    logger: false,
    bodyLimit: 1_024,
    routerOptions: { maxParamLength: 4_096, ignoreTrailingSlash: true },
    // Fastify's own 503 while closing has its own body shape; the onRequest hook answers with ours instead.
    return503OnClosing: false,
    frameworkErrors: (error, _request, reply) => {
      const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
      (reply as FastifyReply).code(status).send(apiError(status, `malformed request: ${error.message}`));
    },
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (error.code === "ECONNRESET" || socket.destroyed) return;
      const [status, message] =
        error.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? [408, "the request was not received in time"]
          : error.code === "HPE_HEADER_OVERFLOW"
            ? [431, "the request headers are too large"]
            : [400, `malformed HTTP request (${error.code ?? error.message})`];
      if (socket.writable) socket.end(rawErrorResponse(status, message));
      else socket.destroy();
    },
  });
  const authorized = options.token ? bearerChecker(options.token) : undefined;

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("cache-control", "no-store");
    if (closing) return reply.code(503).header("connection", "close").send(apiError(503, "the controller is stopping"));
    if (!authorized) return;
    const path = request.url.split("?")[0];
    if (path === "/healthz" || path === "/readyz" || STATUS_PAGE_PATHS.has(path ?? "")) return;
    if (!authorized(request.headers.authorization)) {
      reply.header("www-authenticate", 'Bearer realm="ecsmon"');
      return reply.code(401).send(apiError(401, "a valid bearer token is required"));
    }
  });

  app.setErrorHandler((error: { statusCode?: number; message?: string }, _request, reply) => {
    const status = typeof error.statusCode === "number" ? error.statusCode : 503;
    if (status >= 400 && status < 500)
      return reply.code(status).send(apiError(status, error.message ?? errorName(status)));
    options.logger.warn({ err: error }, "status API request failed");
    return reply.code(503).send(apiError(503, "the controller could not answer; retry shortly"));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(apiError(404, `no route for ${request.method} ${request.url.split("?")[0]}`)),
  );

  /** A GET route, bounded by `deadlineMs`, plus a 405 for the other methods on the same path. */
  const get = (url: string, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) => {
    app.get(url, (request, reply) => withDeadline(handler(request, reply), deadlineMs));
    app.route({
      method: [...OTHER_METHODS],
      url,
      // Answered before body parsing, so that a body of any type or size gets the 405 too.
      onRequest: async (request, reply) => {
        reply.header("allow", ALLOWED_METHODS);
        return reply
          .code(405)
          .send(apiError(405, `${request.method} is not allowed on ${request.url.split("?")[0]}; use GET`));
      },
      handler: async () => undefined,
    });
  };

  registerStatusPage(get);
  get("/healthz", async () => ({ ok: true }));
  get("/readyz", async (_request, reply) =>
    view.ready()
      ? { ready: true }
      : reply.code(503).send({ ...apiError(503, "spec or leases not ready yet"), ready: false }),
  );
  get("/api/v1/status", async (request) => {
    parseQuery(EmptyQuery, request.query);
    return view.status();
  });
  get("/api/v1/targets", async (request) => {
    const filter = parseQuery(TargetsQuery, request.query);
    const { items, stale } = await view.targets(filter);
    return { count: items.length, targets: items, stale };
  });
  get("/api/v1/targets/*", async (request, reply) => {
    const id = (request.params as Record<string, string | undefined>)["*"] ?? "";
    if (id.length === 0 || id.length > 4_096) throw new BadRequest("target id must be 1 to 4096 characters");
    const target = await view.target(id);
    if (!target) return reply.code(404).send(apiError(404, `no target with id ${JSON.stringify(id)}`));
    return target;
  });
  get("/api/v1/agents", async (request) => {
    const { cluster } = parseQuery(AgentsQuery, request.query);
    const { items, stale } = await view.agents(cluster);
    return { count: items.length, agents: items, stale };
  });
  get("/api/v1/capacity", async (request) => {
    parseQuery(EmptyQuery, request.query);
    const { items, stale } = await view.capacity();
    return { clusters: items, stale };
  });
  get("/api/v1/explain", async (request, reply) => {
    const { task } = parseQuery(ExplainQuery, request.query);
    const answer = await view.explain(task);
    return reply.code(answer.status).send(answer.body);
  });
  get("/sd/prometheus", async (request, reply) => {
    const gzipped = view.sd();
    reply.type("application/json; charset=utf-8").header("vary", "accept-encoding");
    if (acceptsGzip(request.headers["accept-encoding"])) return reply.header("content-encoding", "gzip").send(gzipped);
    return reply.send(await gunzipAsync(gzipped));
  });
  get("/metrics", async (_request, reply) => {
    const { contentType, body } = await view.metrics();
    return reply.type(contentType).send(body);
  });

  await app.listen({ host, port });
  const address = app.server.address();
  const boundPort = address && typeof address === "object" ? address.port : port;
  return {
    url: `http://${host}:${boundPort}`,
    app,
    close: () => {
      closing = true;
      return app.close();
    },
  };
}

/** The handler's answer, or a 503 error once `ms` has passed. */
async function withDeadline<T>(answer: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { statusCode: 503 })), ms);
  });
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}
