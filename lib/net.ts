import { createServer } from "node:net";

/** Asks the kernel for a free TCP port on `host` (loopback by default). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not allocate a port"));
      });
    });
  });
}

/** Splits "host:port" (as used by the *_BIND settings). */
export function parseHostPort(bind: string): { host: string; port: number } {
  const index = bind.lastIndexOf(":");
  const port = Number(bind.slice(index + 1));
  if (index <= 0 || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`expected host:port, got ${JSON.stringify(bind)}`);
  }
  return { host: bind.slice(0, index), port };
}
