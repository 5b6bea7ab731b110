import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "./redis-server.js";

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

it("starts a real redis-server that answers commands, and restarts it on the same port", async () => {
  const client = new Redis(server.url);
  await client.set("k", "v");
  expect(await client.get("k")).toBe("v");
  client.disconnect();
  await server.stop(true);
  await server.restart();
  const again = new Redis(server.url);
  expect(await again.ping()).toBe("PONG");
  again.disconnect();
});
