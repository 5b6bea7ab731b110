import type { Worker } from "bullmq";
import type { Logger } from "./logger.js";

/** How long a BullMQ worker may take to close before its owner moves on. */
export const WORKER_CLOSE_TIMEOUT_MS = 3_000;

/**
 * Closes a BullMQ worker, bounded. `Worker.close()` can wait forever when its blocking connection is parked in
 * ioredis' "reconnecting" state after a Redis outage (taskforcesh/bullmq#4585, #4656); the owner disconnects
 * its connections next, which ends that loop, so it only has to stop waiting. Returns whether the close finished.
 */
export async function closeWorker(
  worker: Worker,
  logger: Logger,
  timeoutMs = WORKER_CLOSE_TIMEOUT_MS,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    worker.close().then(
      () => true,
      (error: unknown) => {
        logger.warn({ err: error, queue: worker.name }, "error while closing a queue worker");
        return true;
      },
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (!closed) logger.warn({ queue: worker.name, timeoutMs }, "queue worker did not close in time; moving on");
  return closed;
}
