import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { freePort } from "./net.js";
import { redisServerArgs, startRedisServer, waitForRedis } from "./redis-server.js";

describe("redisServerArgs", () => {
  it("binds to loopback without persistence, with an optional directory and password", () => {
    expect(redisServerArgs(6400)).toEqual([
      "--port",
      "6400",
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ]);
    expect(redisServerArgs(6400, { dir: "/tmp/r", password: "pw" }).slice(-4)).toEqual([
      "--dir",
      "/tmp/r",
      "--requirepass",
      "pw",
    ]);
  });
});

describe("waitForRedis", () => {
  it("names the connection's error when nothing answers", async () => {
    const port = await freePort();
    await expect(waitForRedis(`redis://127.0.0.1:${port}`, { timeoutMs: 300, intervalMs: 50 })).rejects.toThrow(
      new RegExp(`^Redis did not answer PING within 300 ms \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)$`),
    );
  });

  it("fails at once when the server process is gone", async () => {
    const started = Date.now();
    await expect(
      waitForRedis("redis://127.0.0.1:1", { timeoutMs: 30_000, exited: () => "exited with code 1" }),
    ).rejects.toThrow("redis-server exited with code 1");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("startRedisServer", () => {
  it("starts a password-protected server whose URL carries the password", async () => {
    const server = await startRedisServer({ password: "s3cret/pw" });
    try {
      expect(server.url).toBe(`redis://:s3cret%2Fpw@127.0.0.1:${server.port}`);
      await expect(
        waitForRedis(`redis://127.0.0.1:${server.port}`, { timeoutMs: 300, intervalMs: 50 }),
      ).rejects.toThrow(/NOAUTH/);
      const client = new Redis(server.url);
      expect(await client.ping()).toBe("PONG");
      client.disconnect();
    } finally {
      await server.stop();
    }
  });
});
