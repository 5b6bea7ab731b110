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

/** Bounded concurrency and batching live in lib/map-limit.ts; re-exported for the observer's modules. */
export { chunk, mapLimit } from "../../lib/map-limit.js";
