import { networkInterfaces } from "node:os";
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import Fastify, { type FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import { type MergeStats, mergeSnapshotsToChunks } from "../exposition/merge.js";
import { parseBody } from "../exposition/parse-body.js";
import type { Snapshot } from "../exposition/snapshot.js";
import type { ScrapeHandler } from "../scrape/scrape-handler.js";

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Smaller bodies are sent uncompressed. */
const GZIP_MIN_BYTES = 1024;

export interface MetricsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  scrape: ScrapeHandler;
  /** Readiness: the reason the agent is not ready, or undefined when it is. */
  notReadyReason: () => string | undefined;
}

/**
 * Renders the merged exposition: the per-target synthetic series first (their gauge types win), then the
 * agent's own prom-client metrics, then every fresh target snapshot sorted by target id. Each family and each
 * series appears once (see mergeSnapshotsToChunks); what the merge dropped or changed is counted in the scrape
 * handler's series counters.
 */
export async function renderMergedMetrics(
  registry: Registry,
  scrape: ScrapeHandler,
): Promise<{ chunks: Buffer[]; bytes: number; stats: MergeStats }> {
  const own = parseBody(await registry.metrics(), "text", {});
  const [synthetic, ...targets] = scrape.snapshots();
  const sources: Snapshot[] = synthetic ? [synthetic, own, ...targets] : [own, ...targets];
  const { chunks, bytes, stats } = mergeSnapshotsToChunks(sources);
  scrape.seriesCounters.countMerge(stats);
  return { chunks, bytes, stats };
}

/** The agent's HTTP server: `/metrics` (merged), `/healthz` (process alive), `/readyz` (identity + assignment source). */
export async function startMetricsServer(
  options: MetricsServerOptions,
): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false, bodyLimit: 1024 });
  app.get("/metrics", async (req, reply) => {
    const { chunks, bytes } = await renderMergedMetrics(options.registry, options.scrape);
    reply.header("content-type", EXPOSITION_CONTENT_TYPE).header("vary", "accept-encoding");
    const body = Readable.from(chunks, { objectMode: false });
    // Prometheus asks for gzip; the merged body of a busy node is tens of MB, so compress (fastest level).
    if (bytes >= GZIP_MIN_BYTES && /\bgzip\b/i.test(String(req.headers["accept-encoding"] ?? ""))) {
      return reply.header("content-encoding", "gzip").send(body.pipe(createGzip({ level: 1 })));
    }
    return reply.header("content-length", bytes).send(body);
  });
  app.get("/healthz", async (_req, reply) => reply.send({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    const reason = options.notReadyReason();
    if (reason !== undefined) return reply.code(503).send({ status: "not ready", reason });
    return reply.send({ status: "ready", generation: options.scrape.generation });
  });
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const advertised = advertisedHost(options.host);
  const host = advertised.includes(":") ? `[${advertised}]` : advertised;
  return { app, url: `http://${host}:${port}/metrics` };
}

/**
 * The host to put in the heartbeat's metricsUrl: the bind host, or for a wildcard bind (0.0.0.0, ::) the first
 * non-internal IPv4 address of the machine (the instance IP on EC2 host networking, the ENI IP in awsvpc).
 */
export function advertisedHost(bindHost: string): string {
  if (bindHost !== "0.0.0.0" && bindHost !== "::" && bindHost !== "") return bindHost;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}
