import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** A request handler that may be async; a throw becomes a 500 with a JSON `message`. */
export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

/** A listening loopback HTTP server. */
export interface LoopbackServer {
  server: Server;
  host: string;
  port: number;
  /** "http://host:port" */
  url: string;
  /** Stops listening and destroys open connections (streams, slow responses), so close never hangs. */
  close(): Promise<void>;
}

/** Thrown when asked to bind outside 127.0.0.0/8. */
export class NonLoopbackBindError extends Error {
  constructor(host: string) {
    super(`refusing to bind ${host}: simulator servers bind only to 127.0.0.0/8`);
    this.name = "NonLoopbackBindError";
  }
}

/** Whether `host` is an IPv4 address in 127.0.0.0/8. */
export function isLoopbackV4(host: string): boolean {
  const parts = host.split(".");
  return parts.length === 4 && parts[0] === "127" && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** Starts an HTTP server on `host:port` (port 0: an ephemeral port) that routes every request to `handler`. */
export function listenLoopback(host: string, port: number, handler: Handler): Promise<LoopbackServer> {
  if (!isLoopbackV4(host)) return Promise.reject(new NonLoopbackBindError(host));
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://${host}`);
    Promise.resolve()
      .then(() => handler(req, res, url))
      .catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { message: error instanceof Error ? error.message : String(error) });
        else res.destroy();
      });
  });
  server.keepAliveTimeout = 5_000;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      const actualPort = address && typeof address === "object" ? address.port : port;
      resolve({
        server,
        host,
        port: actualPort,
        url: `http://${host}:${actualPort}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    });
  });
}

/** Writes a JSON body. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Writes a plain-text body. */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
