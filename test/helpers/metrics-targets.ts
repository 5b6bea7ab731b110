import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A route of an in-process metrics target: status, headers and body (or a custom handler). */
export type TargetRoute =
  | { status?: number; headers?: Record<string, string>; body: string | Buffer; delayMs?: number }
  | ((req: IncomingMessage, res: ServerResponse) => void);

/** In-process HTTP metrics targets on a loopback address (any of 127.0.0.0/8), for scrape tests. */
export interface TargetServer {
  host: string;
  port: number;
  address: string;
  /** Requests received, by path. */
  hits: Map<string, number>;
  /** Accept / Accept-Encoding headers of the last request. */
  lastHeaders: IncomingMessage["headers"] | undefined;
  close(): Promise<void>;
}

export async function startTargetServer(
  routes: Record<string, TargetRoute>,
  host = "127.0.0.1",
): Promise<TargetServer> {
  const hits = new Map<string, number>();
  const state: { lastHeaders: IncomingMessage["headers"] | undefined } = { lastHeaders: undefined };
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    hits.set(path, (hits.get(path) ?? 0) + 1);
    state.lastHeaders = req.headers;
    const route = routes[path];
    if (route === undefined) {
      res.writeHead(404).end("not found");
      return;
    }
    if (typeof route === "function") {
      route(req, res);
      return;
    }
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(route.status ?? 200, { "content-type": "text/plain; version=0.0.4", ...route.headers });
      res.end(route.body);
    };
    if (route.delayMs) setTimeout(send, route.delayMs).unref();
    else send();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    host,
    port,
    address: `${host}:${port}`,
    hits,
    get lastHeaders() {
      return state.lastHeaders;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
