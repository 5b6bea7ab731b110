import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";

/**
 * Registers an `afterEach` that stops what a test started, newest first: the handler under test before the fake
 * servers it was talking to. `handler` and `server` return their argument, so they wrap a constructor call.
 */
export function stopAfterEach() {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  return {
    handler<T extends { stop(): Promise<unknown> }>(handler: T): T {
      stops.push(() => handler.stop());
      return handler;
    },
    server(server: Server): Server {
      stops.push(() => new Promise((resolve) => server.close(resolve)));
      return server;
    },
  };
}

/** Listens on an ephemeral port of 127.0.0.1 and returns the server's base URL. */
export async function listenLocal(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
