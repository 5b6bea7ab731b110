/** One raw stats read of one container, or why there is none. Payloads are validated later, by the handler. */
export type RawRead =
  | { ok: true; runtimeId: string; payload: unknown; collectedAtMs: number }
  | { ok: false; reason: "timeout" | "not_found" | "error"; error: string };

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
