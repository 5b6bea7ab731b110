/** One raw stats read of one container, or why there is none. Payloads are validated later, by the handler. */
export type RawRead =
  | { ok: true; runtimeId: string; payload: unknown; collectedAtMs: number }
  | { ok: false; reason: ReadFailure; error: string };

/**
 * Why a read failed: `not_found` (no such container), `not_running` (it exists but is stopped or restarting:
 * Docker answers with an empty payload), `unreachable` (the Docker Engine itself could not be reached: its socket
 * is gone or refuses connections, e.g. while it restarts), `timeout`, or any other `error`.
 */
export type ReadFailure = "timeout" | "not_found" | "not_running" | "unreachable" | "error";

/** Connection-level error codes that mean the Docker Engine (not one container) is away. */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOENT", "ECONNRESET", "EPIPE", "EHOSTUNREACH", "ETIMEDOUT"]);

/** True for an error from a request that never reached a running engine. */
export function isEngineUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && UNREACHABLE_CODES.has(code);
}

/** Rejects after `ms` with a {@link TimeoutError}; the caller's promise keeps running but is ignored. */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  abort?: AbortController,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          abort?.abort();
          reject(new TimeoutError(`${what}: no answer within ${ms} ms`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
