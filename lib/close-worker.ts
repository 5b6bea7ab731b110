import type { Worker } from "bullmq";
import { settlesWithin } from "./bounded-stop.js";
import type { Logger } from "./logger.js";

/** How long a BullMQ worker may take to close before its owner moves on. */
export const WORKER_CLOSE_TIMEOUT_MS = 3_000;

/**
 * Closes a BullMQ worker, bounded. `Worker.close()` can wait forever when its blocking connection is parked in
 * ioredis' "reconnecting" state after a Redis outage (taskforcesh/bullmq#4585, #4656), and that connection then
 * keeps reconnecting, and the process alive, after its owner has stopped. So past `timeoutMs` the worker's
 * connections are disconnected (which ends the reconnect loop), also bounded. While Redis is away (`redisReady`
 * false) no job can complete, so the close does not wait for active jobs. Returns whether the close finished.
 */
export async function closeWorker(
  worker: Worker,
  logger: Logger,
  timeoutMs = WORKER_CLOSE_TIMEOUT_MS,
  redisReady = true,
): Promise<boolean> {
  const closing = worker.close(!redisReady).catch((error: unknown) => {
    logger.warn({ err: error, queue: worker.name }, "error while closing a queue worker");
  });
  const closed = await settlesWithin(closing, timeoutMs);
  if (!closed) {
    logger.warn({ queue: worker.name, timeoutMs }, "queue worker did not close in time; disconnecting it");
    await settlesWithin(worker.disconnect(), 500);
  }
  return closed;
}
