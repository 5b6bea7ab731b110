/**
 * An observation cycle failed (an AWS call failed after the SDK's retries, or a response was unusable).
 * The observer keeps its last good view; the caller raises the `ObservationComplete=False` condition with
 * {@link ObservationError.reason} and keeps publishing the last good targets.
 */
export class ObservationError extends Error {
  constructor(
    message: string,
    /** CamelCase condition reason: "Throttled", "AccessDenied", "ClusterNotFound", "NetworkError", "AwsError". */
    readonly reason: string,
    /** The AWS operation that failed, e.g. "ecs:DescribeTasks". */
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ObservationError";
  }
}
