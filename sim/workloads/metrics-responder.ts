import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createGzip, gzipSync } from "node:zlib";
import type { WorkloadFailure } from "../state/model.js";
import {
  negotiateFormat,
  OPENMETRICS_CONTENT_TYPE,
  renderExposition,
  TEXT_CONTENT_TYPE,
  type WorkloadMetricsProfile,
} from "./exposition.js";

/** How one metrics path answers. `refused` never reaches here: it has no listener. */
export interface MetricsRoute {
  failure: WorkloadFailure;
  profile: WorkloadMetricsProfile;
}

export interface ResponderOptions {
  /** Delay of the `slow` failure mode, in ms. @defaultValue 12000 (past a 10 s scrape timeout) */
  slowDelayMs: number;
  /** Body size of the `oversized` failure mode, in bytes (before compression). @defaultValue 22020096 (21 MiB) */
  oversizedBytes: number;
  /** Timers of pending slow answers, cleared on shutdown. */
  timers: Set<NodeJS.Timeout>;
}

function wantsGzip(req: IncomingMessage): boolean {
  return /\bgzip\b/i.test(String(req.headers["accept-encoding"] ?? ""));
}

function sendBody(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: Buffer): void {
  const gzip = wantsGzip(req);
  const payload = gzip ? gzipSync(body) : body;
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": payload.length,
    ...(gzip ? { "content-encoding": "gzip" } : {}),
    vary: "Accept-Encoding",
  });
  res.end(req.method === "HEAD" ? undefined : payload);
}

function serveMetrics(req: IncomingMessage, res: ServerResponse, route: MetricsRoute): void {
  const format = negotiateFormat(req.headers.accept);
  const body = renderExposition(route.profile, Date.now(), format);
  sendBody(req, res, 200, format === "openmetrics" ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE, Buffer.from(body));
}

let oversizedBody: { size: number; body: Buffer } | undefined;

/** At least `total` bytes of distinct, well-formed sample lines; built once and shared by every oversized target. */
function oversizedBodyOf(total: number): Buffer {
  if (oversizedBody && oversizedBody.size === total) return oversizedBody.body;
  const parts = [
    "# HELP sim_oversized_padding Padding that makes the body oversized.\n# TYPE sim_oversized_padding gauge\n",
  ];
  let written = parts[0]!.length;
  for (let series = 0; written < total; series++) {
    const line = `sim_oversized_padding{series="${series}"} ${series % 97}\n`;
    parts.push(line);
    written += line.length;
  }
  oversizedBody = { size: total, body: Buffer.from(parts.join("")) };
  return oversizedBody.body;
}

/** Streams the oversized body in 1 MiB slices, honouring backpressure and client aborts. */
async function streamOversized(req: IncomingMessage, res: ServerResponse, total: number): Promise<void> {
  const gzip = wantsGzip(req);
  const body = oversizedBodyOf(total);
  res.writeHead(200, {
    "content-type": TEXT_CONTENT_TYPE,
    ...(gzip ? { "content-encoding": "gzip" } : {}),
  });
  const sink = gzip ? createGzip() : res;
  if (gzip) sink.pipe(res);
  let aborted = false;
  res.on("close", () => {
    aborted = true;
  });
  const slice = 1024 * 1024;
  for (let offset = 0; offset < body.length && !aborted; offset += slice) {
    const chunk = body.subarray(offset, offset + slice);
    if (!sink.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          sink.off("drain", done);
          res.off("close", done);
          resolve();
        };
        sink.once("drain", done);
        res.once("close", done);
      });
    }
  }
  sink.end();
}

/** Answers one request for a metrics route, applying its failure mode. */
export function respond(
  req: IncomingMessage,
  res: ServerResponse,
  route: MetricsRoute,
  options: ResponderOptions,
): void {
  switch (route.failure) {
    case "http500":
      sendBody(req, res, 500, "text/plain; charset=utf-8", Buffer.from("simulated internal server error\n"));
      return;
    case "garbage":
      sendBody(req, res, 200, TEXT_CONTENT_TYPE, randomBytes(4_096));
      return;
    case "oversized":
      void streamOversized(req, res, options.oversizedBytes).catch(() => res.destroy());
      return;
    case "slow": {
      const timer = setTimeout(() => {
        options.timers.delete(timer);
        if (!res.destroyed) serveMetrics(req, res, route);
      }, options.slowDelayMs);
      options.timers.add(timer);
      res.on("close", () => {
        clearTimeout(timer);
        options.timers.delete(timer);
      });
      return;
    }
    default:
      serveMetrics(req, res, route);
  }
}
