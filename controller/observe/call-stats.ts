import { awsErrorCode, classifyAwsError } from "../../lib/aws/instrument.js";
import { ObservationError } from "../errors/observation-error.js";

/** AWS calls made by one observation cycle, by `service:Operation` (each SDK call once, retries not counted). */
export interface CycleStats {
  startedAt: string;
  durationMs: number;
  ok: boolean;
  /** e.g. `{ "ecs:ListTasks": 3, "ecs:DescribeTasks": 1 }`. */
  calls: Record<string, number>;
  /** Whether this cycle listed tasks (a resync) or worked from the event-fed cache. */
  resync: boolean;
  error?: string | undefined;
}

/** Counts calls of one cycle and turns any failure into an {@link ObservationError}. */
export class CallRecorder {
  readonly calls: Record<string, number> = {};

  /** Runs `fn` as one AWS call named `operation` ("ecs:ListTasks"); a failure becomes an ObservationError. */
  async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
    try {
      return await fn();
    } catch (error) {
      throw toObservationError(error, operation);
    }
  }
}

/** Maps an SDK error to an ObservationError with a condition reason. */
export function toObservationError(error: unknown, operation: string): ObservationError {
  if (error instanceof ObservationError) return error;
  const code = awsErrorCode(error);
  const outcome = classifyAwsError(error);
  const reason =
    outcome === "throttled"
      ? "Throttled"
      : outcome === "network_error"
        ? "NetworkError"
        : /AccessDenied|UnauthorizedOperation|UnrecognizedClient|InvalidClientTokenId/.test(code)
          ? "AccessDenied"
          : code === "ClusterNotFoundException"
            ? "ClusterNotFound"
            : "AwsError";
  const message = (error as Error | undefined)?.message ?? String(error);
  return new ObservationError(`${operation} failed: ${code}: ${message}`, reason, operation, { cause: error });
}

/** Runs `fn` over `items` with at most `limit` in flight; rejects on the first failure. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  async function worker(): Promise<void> {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, () => worker()));
  return results;
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
