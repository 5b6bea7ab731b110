import { type Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { type Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { createGunzip } from "node:zlib";
import type { ScrapeTarget } from "../../crds-like-schemas/index.js";
import { formatFromContentType } from "../exposition/parse-body.js";
import { ExpositionParser } from "../exposition/parser.js";
import { type Snapshot, SnapshotBuilder } from "../exposition/snapshot.js";
import { ExpositionParseError } from "../exposition/types.js";
import { refusePath, refuseReason, splitAddress } from "./address-policy.js";
import { classify, ScrapeError } from "./scrape-error.js";

/** What Prometheus sends: OpenMetrics 1.0 preferred, then text 0.0.4. */
export const SCRAPE_ACCEPT =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

export interface FetchOptions {
  timeoutMs: number;
  /** Applies to the bytes received AND, for gzip, to the decompressed size. */
  maxBodyBytes: number;
  httpAgent?: HttpAgent;
  httpsAgent?: HttpsAgent;
  userAgent?: string;
}

/**
 * Scrapes one target and parses the body while it streams, returning a snapshot with the target's labels
 * injected. Throws {@link ScrapeError} (classified) on any failure; never follows a redirect to another
 * host, scheme or port. A same-origin redirect is followed once (to a path that passes the path policy);
 * a second redirect fails with `http_status`.
 * TLS certificates are not verified: targets are addressed by the IP the controller assigned, for which
 * task certificates rarely exist (Prometheus users set `insecure_skip_verify` for the same reason).
 */
export async function fetchExposition(target: ScrapeTarget, options: FetchOptions): Promise<Snapshot> {
  const refused = refuseReason(target);
  if (refused !== undefined) throw new ScrapeError("forbidden_address", refused);
  const { host, port } = splitAddress(target.address)!;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new ScrapeError("timeout", `no complete response within ${options.timeoutMs} ms`)),
    options.timeoutMs,
  );
  try {
    let path = target.metricsPath;
    for (let hop = 0; ; hop++) {
      const response = await send(target.scheme, host, port, path, options, controller.signal);
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        response.resume();
        const location = response.headers.location;
        const next = location === undefined ? undefined : sameOriginPath(target.scheme, host, port, path, location);
        if (next === undefined) {
          throw new ScrapeError(
            "forbidden_address",
            `redirect to ${JSON.stringify(String(location).slice(0, 128))} refused (other origin)`,
          );
        }
        const bad = refusePath(next);
        if (bad !== undefined) throw new ScrapeError("forbidden_address", `redirect refused: ${bad}`);
        if (hop >= 1) throw new ScrapeError("http_status", `too many redirects (HTTP ${status})`);
        path = next;
        continue;
      }
      if (status !== 200) {
        response.resume();
        throw new ScrapeError("http_status", `HTTP ${status}`);
      }
      return await readBody(response, target.labels, options, controller);
    }
  } catch (error) {
    if (controller.signal.aborted && controller.signal.reason instanceof ScrapeError) throw controller.signal.reason;
    throw classify(error);
  } finally {
    clearTimeout(timer);
    if (!controller.signal.aborted) controller.abort();
  }
}

function send(
  scheme: "http" | "https",
  host: string,
  port: number,
  path: string,
  options: FetchOptions,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers = {
      accept: SCRAPE_ACCEPT,
      "accept-encoding": "gzip",
      "user-agent": options.userAgent ?? "ecsmon-agent",
      "x-prometheus-scrape-timeout-seconds": String(options.timeoutMs / 1000),
    };
    const common = { host, port, path, method: "GET", headers, signal };
    const req =
      scheme === "https"
        ? httpsRequest({ ...common, agent: options.httpsAgent, rejectUnauthorized: false, servername: "" })
        : httpRequest({ ...common, agent: options.httpAgent });
    req.once("response", (response: IncomingMessage) => {
      // Errors while the body streams surface through the reader; this listener keeps a late one from crashing us.
      response.on("error", () => {});
      resolve(response);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Resolves a Location header; returns the new path only when scheme, host and port are unchanged. */
function sameOriginPath(
  scheme: string,
  host: string,
  port: number,
  path: string,
  location: string,
): string | undefined {
  let url: URL;
  try {
    url = new URL(location, `${scheme}://${host}:${port}${path}`);
  } catch {
    return undefined;
  }
  const defaultPort = scheme === "https" ? 443 : 80;
  const urlPort = url.port === "" ? defaultPort : Number(url.port);
  if (url.protocol !== `${scheme}:` || url.hostname !== host || urlPort !== port || url.username || url.password)
    return undefined;
  return url.pathname + url.search;
}

async function readBody(
  response: IncomingMessage,
  labels: Record<string, string>,
  options: FetchOptions,
  controller: AbortController,
): Promise<Snapshot> {
  const format = formatFromContentType(response.headers["content-type"]);
  const builder = new SnapshotBuilder(labels);
  const parser = new ExpositionParser(format, builder);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const limit = options.maxBodyBytes;
  const declared = Number(response.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    response.destroy();
    throw new ScrapeError("body_too_large", `Content-Length ${declared} exceeds ${limit} bytes`);
  }
  const encoding = String(response.headers["content-encoding"] ?? "").toLowerCase();
  let stream: AsyncIterable<Buffer> = response;
  if (encoding === "gzip" || encoding === "x-gzip") {
    let received = 0;
    response.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit)
        controller.abort(new ScrapeError("body_too_large", `compressed body exceeds ${limit} bytes`));
    });
    const gunzip = createGunzip();
    response.on("error", (e) => gunzip.destroy(e));
    controller.signal.addEventListener("abort", () => gunzip.destroy(), { once: true });
    response.pipe(gunzip);
    stream = gunzip;
  } else if (encoding !== "" && encoding !== "identity") {
    response.destroy();
    throw new ScrapeError("other", `unsupported Content-Encoding ${JSON.stringify(encoding.slice(0, 32))}`);
  }
  let decoded = 0;
  try {
    for await (const chunk of stream) {
      decoded += chunk.length;
      if (decoded > limit) throw new ScrapeError("body_too_large", `decompressed body exceeds ${limit} bytes`);
      parser.push(decoder.decode(chunk, { stream: true }));
    }
    parser.push(decoder.decode());
    parser.end();
  } catch (error) {
    response.destroy();
    if (error instanceof ExpositionParseError) throw new ScrapeError("parse", `${format}: ${error.message}`);
    throw error;
  }
  return builder.build();
}
