import { createServer, request, type Server } from "node:http";

/** One stats response the proxy passed through, with what the test read around it. */
export interface ProxiedStats<T> {
  containerId: string;
  /** Epoch ms when the response arrived. */
  atMs: number;
  payload: unknown;
  /** `observe(containerId)` right before the request was forwarded and right after the response arrived. */
  before: T | undefined;
  after: T | undefined;
}

export interface DockerStatsProxy<T> {
  /** `unix://…`: the DOCKER_HOST to give the client. */
  host: string;
  /** Every stats response so far, in arrival order. */
  records: ProxiedStats<T>[];
  /**
   * Holds the next stats request for `containerId` (a prefix of the id is enough) until `release()` is called;
   * `arrived` resolves when the client's request is being held. For "container removed mid-sample".
   */
  hold(containerId: string): { arrived: Promise<void>; release: () => void };
  close(): Promise<void>;
}

/**
 * A transparent Docker API pass-through on a unix socket, in front of a real engine's socket. It records each
 * `GET /containers/{id}/stats` response together with `observe(id)` (e.g. the container's cgroup files) taken
 * just before and just after it, so a test can compare a client's figures, the engine's payload and the kernel's
 * counters on the very same sample. When the engine is away, the client's connection is dropped, as it would be.
 */
export async function startDockerStatsProxy<T>(options: {
  socketPath: string;
  upstreamSocketPath: string;
  observe: (containerId: string) => Promise<T | undefined>;
}): Promise<DockerStatsProxy<T>> {
  const records: ProxiedStats<T>[] = [];
  const holds: { prefix: string; arrived: () => void; released: Promise<void> }[] = [];
  const observe = (id: string) => options.observe(id).catch(() => undefined);

  const server: Server = createServer(async (req, res) => {
    const stats = /^(?:\/v[\d.]+)?\/containers\/([^/]+)\/stats/.exec(req.url ?? "");
    const id = stats?.[1];
    if (id) {
      const held = holds.findIndex((h) => id.startsWith(h.prefix));
      if (held >= 0) {
        const [hold] = holds.splice(held, 1);
        hold?.arrived();
        await hold?.released;
      }
    }
    const before = id ? await observe(id) : undefined;
    const upstream = request(
      { socketPath: options.upstreamSocketPath, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        if (!id || up.statusCode !== 200) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        up.on("data", (chunk: Buffer) => chunks.push(chunk));
        up.on("end", async () => {
          const body = Buffer.concat(chunks);
          const atMs = Date.now();
          const after = await observe(id);
          try {
            records.push({ containerId: id, atMs, payload: JSON.parse(body.toString("utf8")), before, after });
          } catch {
            // Not JSON: passed through unrecorded.
          }
          res.writeHead(200, up.headers);
          res.end(body);
        });
      },
    );
    upstream.on("error", () => req.socket.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.socketPath, resolve);
  });
  return {
    host: `unix://${options.socketPath}`,
    records,
    hold(containerId) {
      let release = () => {};
      let arrived = () => {};
      const arrivedP = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      holds.push({ prefix: containerId, arrived, released });
      return { arrived: arrivedP, release };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
