import type { Logger } from "./logger.js";

/**
 * Runs a process's graceful stop, bounded. A stop can hang when a dependency is gone (Redis unreachable: queued
 * commands never settle), and an orchestrator then kills the process anyway (ECS: SIGKILL 30 s after SIGTERM), so
 * past `timeoutMs`, or on a second SIGINT/SIGTERM, this logs what happened and exits with code 1.
 */
export async function stopWithin(
  stop: () => Promise<void>,
  options: { timeoutMs: number; logger: Logger; what: string; exit?: (code: number) => void },
): Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let timer: NodeJS.Timeout | undefined;
  const giveUp = (reason: string) => {
    options.logger.error({ timeoutMs: options.timeoutMs }, `${options.what} did not stop cleanly (${reason}); exiting`);
    exit(1);
  };
  const onSecondSignal = (signal: NodeJS.Signals) => giveUp(`second ${signal}`);
  process.once("SIGINT", onSecondSignal);
  process.once("SIGTERM", onSecondSignal);
  try {
    await Promise.race([
      stop().catch((error: unknown) =>
        options.logger.error({ err: error }, `error while stopping the ${options.what}`),
      ),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          giveUp(`still stopping after ${options.timeoutMs} ms`);
          resolve();
        }, options.timeoutMs);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
    process.off("SIGINT", onSecondSignal);
    process.off("SIGTERM", onSecondSignal);
  }
}
