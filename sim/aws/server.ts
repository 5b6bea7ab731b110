import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { gunzipSync } from "node:zlib";
import type { Logger } from "../../lib/logger.js";
import { encodeJsonBody, encodeJsonError } from "./codecs/json.js";
import { decodeQueryParams } from "./codecs/query-input.js";
import { encodeEc2Error, encodeEc2Response, encodeQueryError, encodeQueryResponse } from "./codecs/xml.js";
import { RequestCounters, type RequestOutcome } from "./counters.js";
import { FaultInjector, internalError } from "./faults.js";
import { AwsError, type AwsProtocol, type SimRequestContext, type SimService } from "./service.js";

export interface AwsServerOptions {
  services: SimService[];
  /** Loopback address to bind. @defaultValue "127.0.0.1" */
  host?: string;
  /** Port to bind; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /** Region used when a request carries no SigV4 credential scope. @defaultValue "us-east-1" */
  defaultRegion?: string;
  /** Handles non-AWS requests (e.g. /_sim/*); return true when handled. Called before AWS routing for paths starting with "/_sim". */
  fallback?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  /** Shared fault injector (e.g. owned by the control API). @defaultValue a new one, seed 1 */
  faults?: FaultInjector;
  /** Shared counters. @defaultValue new counters */
  counters?: RequestCounters;
  /** Receives handler crashes (they are answered as 500 InternalFailure). */
  logger?: Logger;
  /** Largest accepted request body in bytes. @defaultValue 16 MiB */
  maxBodyBytes?: number;
}

export interface AwsServer {
  /** e.g. "http://127.0.0.1:4566"; use as every SDK client's endpoint. */
  url: string;
  port: number;
  faults: FaultInjector;
  counters: RequestCounters;
  close(): Promise<void>;
}

const ACCOUNT_ID = "000000000000";
const XMLNS_FALLBACK = "http://monitoring.amazonaws.com/doc/2010-08-01/";

/** Routing tables built once per server. */
interface Routes {
  bySigningName: Map<string, SimService>;
  byTargetPrefix: Map<string, SimService>;
  byQueryVersion: Map<string, SimService[]>;
}

function buildRoutes(services: SimService[]): Routes {
  const routes: Routes = { bySigningName: new Map(), byTargetPrefix: new Map(), byQueryVersion: new Map() };
  for (const s of services) {
    routes.bySigningName.set(s.signingName, s);
    if (s.targetPrefix) routes.byTargetPrefix.set(s.targetPrefix, s);
    if (s.queryVersion) {
      const list = routes.byQueryVersion.get(s.queryVersion) ?? [];
      list.push(s);
      routes.byQueryVersion.set(s.queryVersion, list);
    }
  }
  return routes;
}

/** Region and signing name from a SigV4 `Credential=AKID/date/region/service/aws4_request`. */
export function parseCredentialScope(value: string | undefined): { region: string; service: string } | undefined {
  if (!value) return undefined;
  const at = value.indexOf("Credential=");
  const scope = at >= 0 ? value.slice(at + 11) : value;
  const end = scope.indexOf(",");
  const parts = (end >= 0 ? scope.slice(0, end) : scope).trim().split("/");
  if (parts.length < 5) return undefined;
  const region = parts[2];
  const service = parts[3];
  if (!region || !service) return undefined;
  return { region, service };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new AwsError("RequestEntityTooLarge", `Request body exceeds ${limit} bytes`, 413));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** A decoded call, ready for dispatch. */
interface Call {
  service: SimService | undefined;
  protocol: AwsProtocol;
  operation: string;
  input: Record<string, unknown>;
  region: string;
}

function decodeCall(req: IncomingMessage, body: Buffer, routes: Routes, defaultRegion: string): Call {
  const url = req.url ?? "/";
  const qIndex = url.indexOf("?");
  const search = qIndex >= 0 ? url.slice(qIndex + 1) : "";
  const scope =
    parseCredentialScope(req.headers.authorization) ??
    (search.includes("X-Amz-Credential")
      ? parseCredentialScope(new URLSearchParams(search).get("X-Amz-Credential") ?? undefined)
      : undefined);
  const region = scope?.region ?? defaultRegion;
  let service = scope ? routes.bySigningName.get(scope.service) : undefined;
  const contentType = req.headers["content-type"] ?? "";
  const target = req.headers["x-amz-target"];
  const targetStr = Array.isArray(target) ? target[0] : target;

  if (targetStr || contentType.includes("application/x-amz-json")) {
    const protocol: AwsProtocol = contentType.includes("1.0") ? "json1.0" : "json1.1";
    const dot = targetStr ? targetStr.lastIndexOf(".") : -1;
    const prefix = dot >= 0 && targetStr ? targetStr.slice(0, dot) : "";
    const operation = dot >= 0 && targetStr ? targetStr.slice(dot + 1) : (targetStr ?? "");
    service ??= routes.byTargetPrefix.get(prefix);
    let input: Record<string, unknown> = {};
    if (body.length > 0) {
      try {
        const parsed: unknown = JSON.parse(body.toString("utf8"));
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) input = parsed as Record<string, unknown>;
        else throw new Error("not an object");
      } catch {
        throw Object.assign(new AwsError("SerializationException", "Request body is not a valid JSON object"), {
          call: { service, protocol, operation, input, region },
        });
      }
    }
    return { service, protocol, operation, input, region };
  }

  const params = new URLSearchParams(search);
  if (body.length > 0) for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params.append(k, v);
  const operation = params.get("Action") ?? "";
  if (!service) {
    const version = params.get("Version");
    const candidates = version ? routes.byQueryVersion.get(version) : undefined;
    service = candidates?.find((s) => operation in s.operations) ?? candidates?.[0];
  }
  const protocol: AwsProtocol = service?.signingName === "ec2" ? "ec2query" : "query";
  return { service, protocol, operation, input: decodeQueryParams(params), region };
}

/**
 * Starts the simulator's AWS endpoint on node:http. Requests are routed by SigV4 credential scope
 * (signatures are not verified), then `X-Amz-Target` (JSON 1.0/1.1) or `Action` (query form bodies).
 */
export async function startAwsServer(options: AwsServerOptions): Promise<AwsServer> {
  const host = options.host ?? "127.0.0.1";
  const defaultRegion = options.defaultRegion ?? "us-east-1";
  const routes = buildRoutes(options.services);
  const faults = options.faults ?? new FaultInjector();
  const counters = options.counters ?? new RequestCounters();
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  let baseUrl = "";

  const send = (
    res: ServerResponse,
    status: number,
    contentType: string,
    body: string,
    extra?: Record<string, string>,
  ) => {
    const headers: Record<string, string | number> = {
      "content-type": contentType,
      "content-length": Buffer.byteLength(body),
      ...extra,
    };
    res.writeHead(status, headers);
    res.end(body);
  };

  const sendError = (res: ServerResponse, call: Call, err: AwsError, requestId: string) => {
    if (call.protocol === "ec2query") {
      send(res, err.status, "text/xml;charset=UTF-8", encodeEc2Error(err, requestId), {
        "x-amzn-RequestId": requestId,
      });
    } else if (call.protocol === "query") {
      const code = call.service?.queryCompatErrors?.[err.code] ?? err.code;
      const xmlns = call.service?.xmlNamespace ?? XMLNS_FALLBACK;
      send(res, err.status, "text/xml", encodeQueryError(err, code, xmlns, requestId), {
        "x-amzn-RequestId": requestId,
      });
    } else {
      const e = encodeJsonError(err, call.service);
      send(res, e.status, `application/x-amz-${call.protocol === "json1.0" ? "json-1.0" : "json-1.1"}`, e.body, {
        ...e.headers,
        "x-amzn-RequestId": requestId,
      });
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (options.fallback && req.url?.startsWith("/_sim")) {
      if (await options.fallback(req, res)) return;
    }
    const requestId = randomUUID();
    let call: Call = { service: undefined, protocol: "json1.1", operation: "", input: {}, region: defaultRegion };
    let body: Buffer;
    try {
      body = await readBody(req, maxBody);
      call = decodeCall(req, inflate(req, body, maxBody), routes, defaultRegion);
    } catch (err) {
      const partial = (err as { call?: Call }).call;
      if (partial) call = partial;
      const awsErr = err instanceof AwsError ? err : new AwsError("SerializationException", String(err));
      counters.record(call.service?.signingName ?? "unknown", call.operation || "unknown", "client_error");
      sendError(res, call, awsErr, requestId);
      return;
    }
    const service = call.service;
    const serviceName = service?.signingName ?? "unknown";
    const handler = service?.operations[call.operation];
    if (!service || !handler || !Object.hasOwn(service.operations, call.operation)) {
      counters.record(serviceName, call.operation || "unknown", "client_error");
      const err =
        call.protocol === "json1.0" || call.protocol === "json1.1"
          ? new AwsError("UnknownOperationException", `Unknown operation ${call.operation || "(none)"}`)
          : new AwsError(
              "InvalidAction",
              `The action ${call.operation || "(none)"} is not valid for this web service.`,
            );
      sendError(res, call, err, requestId);
      return;
    }

    const decision = faults.decide(serviceName, call.operation);
    if (decision) {
      if (decision.latencyMs > 0) await sleep(decision.latencyMs);
      if (decision.error) {
        counters.record(serviceName, call.operation, isThrottle(decision.error) ? "throttled" : "injected");
        sendError(res, call, decision.error, requestId);
        return;
      }
    }

    const ctx: SimRequestContext = {
      region: call.region,
      accountId: ACCOUNT_ID,
      protocol: call.protocol,
      bodyBytes: body.length,
      endpoint: req.headers.host ? `http://${req.headers.host}` : baseUrl,
    };
    let output: unknown;
    try {
      output = await handler(call.input, ctx);
    } catch (err) {
      let awsErr: AwsError;
      if (err instanceof AwsError) awsErr = err;
      else {
        options.logger?.error({ err, service: serviceName, operation: call.operation }, "simulated operation crashed");
        awsErr = internalError(serviceName);
      }
      const outcome: RequestOutcome = awsErr.status >= 500 ? "server_error" : "client_error";
      counters.record(serviceName, call.operation, outcome);
      sendError(res, call, awsErr, requestId);
      return;
    }
    counters.record(serviceName, call.operation, "ok");
    switch (call.protocol) {
      case "ec2query":
        send(
          res,
          200,
          "text/xml;charset=UTF-8",
          encodeEc2Response(
            call.operation,
            service.xmlNamespace ?? `http://ec2.amazonaws.com/doc/${service.queryVersion}/`,
            requestId,
            output,
          ),
        );
        return;
      case "query":
        send(
          res,
          200,
          "text/xml",
          encodeQueryResponse(call.operation, service.xmlNamespace ?? XMLNS_FALLBACK, requestId, output),
          { "x-amzn-RequestId": requestId },
        );
        return;
      default:
        send(
          res,
          200,
          `application/x-amz-${call.protocol === "json1.0" ? "json-1.0" : "json-1.1"}`,
          encodeJsonBody(output),
          {
            "x-amzn-RequestId": requestId,
          },
        );
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.logger?.error({ err }, "simulator request failed");
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end("internal error");
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host}:${port}`;
  return {
    url: baseUrl,
    port,
    faults,
    counters,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Request bodies may be gzip-compressed (the SDK compresses CloudWatch PutMetricData above 10 KiB). */
function inflate(req: IncomingMessage, body: Buffer, limit: number): Buffer {
  const encoding = req.headers["content-encoding"];
  if (!encoding || encoding === "identity") return body;
  if (encoding !== "gzip")
    throw new AwsError("UnsupportedContentEncoding", `Content-Encoding ${encoding} is not supported`, 415);
  try {
    return gunzipSync(body, { maxOutputLength: limit });
  } catch {
    throw new AwsError("InvalidRequestContent", "The request body could not be decompressed", 400);
  }
}

function isThrottle(err: AwsError): boolean {
  return err.code === "RequestLimitExceeded" || err.code === "RequestThrottled" || err.code.includes("Throttl");
}
