/** The outcome of one doctor check. `skip` and `warn` do not make the deployment "not ready"; `fail` does. */
export type CheckStatus = "ok" | "warn" | "fail" | "skip";

/** One row of the doctor's report. */
export interface CheckResult {
  /** What was checked, named after the call or resource, e.g. `ECS DescribeClusters demo`. */
  name: string;
  status: CheckStatus;
  /** What was found, e.g. `ACTIVE, 3 container instances`, or what went wrong. */
  detail: string;
  /** How to fix a `fail` or `warn`. */
  fix?: string | undefined;
  /** How long the check took. */
  durationMs: number;
}

/** What a check body returns; the runner adds the name and the duration. */
export type CheckOutcome = Omit<CheckResult, "name" | "durationMs">;

/**
 * Runs one check body, timing it. A thrown error becomes a `fail` whose detail is `describe(error)`, so a body
 * only handles the outcomes it can explain better.
 */
export async function runCheck(
  name: string,
  body: () => Promise<CheckOutcome>,
  describe: (error: unknown) => CheckOutcome = (error) => ({
    status: "fail",
    detail: (error as Error)?.message ?? String(error),
  }),
): Promise<CheckResult> {
  const started = performance.now();
  let outcome: CheckOutcome;
  try {
    outcome = await body();
  } catch (error) {
    outcome = describe(error);
  }
  return { name, ...outcome, durationMs: Math.round(performance.now() - started) };
}

/** A check that could not run because an earlier one failed (e.g. no spec to read cluster names from). */
export function skipped(name: string, why: string): CheckResult {
  return { name, status: "skip", detail: why, durationMs: 0 };
}

/** Ready when no check failed. */
export function isReady(results: readonly CheckResult[]): boolean {
  return results.every((result) => result.status !== "fail");
}
