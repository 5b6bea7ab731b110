import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { describe, expect, it, vi } from "vitest";
import { useRedisServer } from "../test/helpers/use-redis-server.js";
import { closeWorker } from "./close-worker.js";
import { createLogger } from "./logger.js";

const logger = createLogger({ level: "silent", name: "test" });
const redis = useRedisServer();

function worker(connection: Redis): Worker {
  const w = new Worker(`q-${Math.random()}`, async () => {}, { connection });
  w.on("error", () => {});
  return w;
}

describe("closeWorker", () => {
  it("closes a worker on a healthy Redis", async () => {
    const connection = new Redis(redis.server.url, { maxRetriesPerRequest: null });
    const w = worker(connection);
    await w.waitUntilReady();
    expect(await closeWorker(w, logger)).toBe(true);
    expect(w.closing).toBeDefined();
    connection.disconnect();
  });

  it("stops waiting for a close that never finishes (a blocking connection stuck reconnecting)", async () => {
    const connection = new Redis(redis.server.url, { maxRetriesPerRequest: null });
    const w = worker(connection);
    await w.waitUntilReady();
    const hung = vi.spyOn(w, "close").mockReturnValue(new Promise<void>(() => {}));
    const started = Date.now();
    expect(await closeWorker(w, logger, 200)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(hung).toHaveBeenCalledOnce();
    hung.mockRestore();
    await w.close();
    connection.disconnect();
  });
});
