import type { Logger } from "./logger.js";

export interface ShutdownOptions {
  /** From the first SIGINT/SIGTERM to the process's exit, at most this long (ECSMON_SHUTDOWN_TIMEOUT). */
  timeoutMs: number;
  logger: Logger;
  /** Names the process in log lines: "agent", "controller". */
  what: string;
  /** @defaultValue process.exit */
  exit?: (code: number) => void;
}

export interface Shutdown {
  /** Resolves with the first SIGINT/SIGTERM, which also starts the hard deadline. */
  readonly signalled: Promise<NodeJS.Signals>;
  /**
   * Runs the graceful stop, then exits the process: 0 when the stop finished, 1 when it threw. The exit is
   * explicit, so a handle the stop left behind (a Redis client still reconnecting) cannot keep the process alive.
   */
  stopAndExit(stop: () => Promise<void>): Promise<void>;
}

/**
 * Bounds a long-running command's shutdown. Installed before start-up, so a signal at any moment counts: the
 * first SIGINT/SIGTERM starts a deadline of `timeoutMs`; past it, or on a second signal, the process logs what
 * happened and exits with code 1 whatever its connections are doing (an orchestrator would SIGKILL it anyway:
 * ECS does 30 s after SIGTERM). The deadline timer is deliberately not `unref`'d: it is what ends the process.
 */
export function boundShutdown(options: ShutdownOptions): Shutdown {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let signalledOnce = false;
  let deadline: NodeJS.Timeout | undefined;
  let exited = false;
  const finish = (code: number) => {
    if (exited) return;
    exited = true;
    clearTimeout(deadline);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    exit(code);
  };
  const giveUp = (reason: string) => {
    options.logger.error(
      { timeoutMs: options.timeoutMs },
      `${options.what} did not stop within ${options.timeoutMs} ms (${reason}); exiting now`,
    );
    finish(1);
  };
  let resolveSignal: (signal: NodeJS.Signals) => void = () => {};
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    resolveSignal = resolve;
  });
  function onSignal(signal: NodeJS.Signals) {
    if (signalledOnce) return giveUp(`second signal ${signal}`);
    signalledOnce = true;
    options.logger.info({ signal, timeoutMs: options.timeoutMs }, `stopping ${options.what}`);
    deadline = setTimeout(() => giveUp("deadline passed"), options.timeoutMs);
    resolveSignal(signal);
  }
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  return {
    signalled,
    async stopAndExit(stop) {
      let code = 0;
      try {
        await stop();
      } catch (error) {
        options.logger.error({ err: error }, `error while stopping the ${options.what}`);
        code = 1;
      }
      options.logger.info({ code }, `${options.what}: exiting`);
      finish(code);
    },
  };
}

/**
 * Waits for `work` at most `ms`; returns whether it settled in time (a rejection counts as settled). For steps of
 * a graceful stop that talk to a dependency which may never answer (a stalled Redis).
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    work.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return settled;
}
