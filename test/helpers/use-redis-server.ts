import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { type RedisServer, startRedisServer } from "./redis-server.js";

/** A suite's redis-server, and an ioredis client of it made on first use. */
export interface RedisFixture {
  readonly server: RedisServer;
  /** A client with `maxRetriesPerRequest: null` (what BullMQ requires), disconnected after the suite. */
  readonly redis: Redis;
}

/**
 * Registers the suite's `beforeAll`/`afterAll`: starts a redis-server on a free port before the suite and, after it,
 * disconnects the client (if one was made) and stops the server. Read the fields inside tests and hooks only.
 */
export function useRedisServer(): RedisFixture {
  let server: RedisServer | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });
  return {
    get server() {
      if (!server) throw new Error("useRedisServer: the redis-server starts in beforeAll");
      return server;
    },
    get redis() {
      client ??= new Redis(this.server.url, { maxRetriesPerRequest: null });
      return client;
    },
  };
}
