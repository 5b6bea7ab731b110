import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import Fastify, { type FastifyInstance } from "fastify";
import { z } from "zod";
import type { Logger } from "../../lib/logger.js";
import { parseHostPort } from "../../lib/net.js";
import { TARGET_STATES } from "../machines/target-machine.js";
import { bearerChecker } from "./auth.js";
import type { StatusView } from "./status-view.js";

export interface ApiServerOptions {
  view: StatusView;
  /** `host:port`; the host must be a loopback or explicitly configured address. */
  bind: string;
  /** Read-only bearer token; when set every route except /healthz and /readyz requires it. */
  token?: string | undefined;
  logger: Logger;
}

export interface ApiServer {
  /** `http://host:port` actually bound (port 0 resolved). */
  url: string;
  close(): Promise<void>;
  app: FastifyInstance;
}

const text = (name: string, max = 256) =>
  z
    .string({ error: `${name} must be a single string` })
    .min(1, `${name} must not be empty`)
    .max(max, `${name} is longer than ${max} characters`);

const TARGET_STATE_NAMES = [...TARGET_STATES, "active"] as const;

const TargetsQuery = z.strictObject({
  cluster: text("cluster").optional(),
  service: text("service").optional(),
  state: z.enum(TARGET_STATE_NAMES, { error: `state must be one of ${TARGET_STATE_NAMES.join(", ")}` }).optional(),
});
const ExplainQuery = z.strictObject({ task: text("task", 2048) });
const AgentsQuery = z.strictObject({ cluster: text("cluster").optional() });
const EmptyQuery = z.strictObject({});

class BadRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadRequest";
  }
}

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
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  const message =
    issue?.code === "unrecognized_keys"
      ? `unknown query parameter(s): ${issue.keys.join(", ")}`
      : `${where}${issue?.message}`;
  throw new BadRequest(message);
}

/**
 * The controller's status API (Fastify). Read-only; GET only; JSON errors everywhere: a bad query is a 400 with
 * a message, an unknown path or id a 404, a missing/wrong token a 401, and an internal failure (e.g. Redis
 * unreachable) a 503, never a 500. No CORS headers are sent.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { view } = options;
  const { host, port } = parseHostPort(options.bind);
  const app = Fastify({
    logger: false,
    bodyLimit: 1_024,
    routerOptions: { maxParamLength: 4_096, ignoreTrailingSlash: true },
    return503OnClosing: true,
  });
  const authorized = options.token ? bearerChecker(options.token) : undefined;

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("cache-control", "no-store");
    if (!authorized) return;
    const path = request.url.split("?")[0];
    if (path === "/healthz" || path === "/readyz") return;
    if (!authorized(request.headers.authorization)) {
      reply.header("www-authenticate", 'Bearer realm="ecsmon"');
      return reply.code(401).send({ error: "Unauthorized", message: "a valid bearer token is required" });
    }
  });

  app.setErrorHandler((error: { statusCode?: number; message?: string; name?: string }, _request, reply) => {
    if (error instanceof BadRequest) return reply.code(400).send({ error: "BadRequest", message: error.message });
    const status = typeof error.statusCode === "number" ? error.statusCode : 503;
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ error: error.name ?? "BadRequest", message: error.message ?? "bad request" });
    }
    options.logger.warn({ err: error }, "status API request failed");
    return reply.code(503).send({ error: "Unavailable", message: "the controller could not answer; retry shortly" });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: "NotFound", message: `no route for ${request.method} ${request.url.split("?")[0]}` }),
  );

  app.get("/healthz", async () => ({ ok: true }));
  app.get("/readyz", async (_request, reply) =>
    view.ready() ? { ready: true } : reply.code(503).send({ ready: false, message: "spec or leases not ready yet" }),
  );
  app.get("/api/v1/status", async (request) => {
    parseQuery(EmptyQuery, request.query);
    return view.status();
  });
  app.get("/api/v1/targets", async (request) => {
    const filter = parseQuery(TargetsQuery, request.query);
    const targets = await view.targets(filter);
    return { count: targets.length, targets };
  });
  app.get("/api/v1/targets/*", async (request, reply) => {
    const id = (request.params as Record<string, string | undefined>)["*"] ?? "";
    if (id.length === 0 || id.length > 4_096) throw new BadRequest("target id must be 1 to 4096 characters");
    const target = await view.target(id);
    if (!target) return reply.code(404).send({ error: "NotFound", message: `no target with id ${JSON.stringify(id)}` });
    return target;
  });
  app.get("/api/v1/agents", async (request) => {
    const { cluster } = parseQuery(AgentsQuery, request.query);
    const agents = await view.agents(cluster);
    return { count: agents.length, agents };
  });
  app.get("/api/v1/capacity", async (request) => {
    parseQuery(EmptyQuery, request.query);
    return { clusters: await view.capacity() };
  });
  app.get("/api/v1/explain", async (request, reply) => {
    const { task } = parseQuery(ExplainQuery, request.query);
    const answer = await view.explain(task);
    return reply.code(answer.status).send(answer.body);
  });
  app.get("/sd/prometheus", async (request, reply) => {
    const gzipped = view.sd();
    reply.type("application/json; charset=utf-8").header("vary", "accept-encoding");
    if (acceptsGzip(request.headers["accept-encoding"])) return reply.header("content-encoding", "gzip").send(gzipped);
    return reply.send(await gunzipAsync(gzipped));
  });
  app.get("/metrics", async (_request, reply) => {
    const { contentType, body } = await view.metrics();
    return reply.type(contentType).send(body);
  });

  await app.listen({ host, port });
  const address = app.server.address();
  const boundPort = address && typeof address === "object" ? address.port : port;
  return { url: `http://${host}:${boundPort}`, app, close: () => app.close() };
}
