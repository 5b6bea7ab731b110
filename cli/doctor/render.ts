import type { CheckResult, CheckStatus } from "./check.js";
import { isReady } from "./check.js";

const MARK: Record<CheckStatus, string> = { ok: "ok", warn: "warn", fail: "FAIL", skip: "skip" };

/**
 * A plain-text table, one row per check, then one line per problem with its fix:
 *
 *     CHECK                              RESULT  DETAIL
 *     credentials                        ok      AKIA…MPLE via the default chain, region us-east-1
 *     SSM GetParameter /ecsmon/spec      FAIL    not found in eu-west-3
 *
 *     not ready: 1 problem
 *       SSM GetParameter /ecsmon/spec: not found in eu-west-3
 *         fix: …
 */
export function renderDoctorTable(results: readonly CheckResult[]): string {
  const width = Math.max(5, ...results.map((result) => result.name.length));
  const lines = [`${"CHECK".padEnd(width)}  RESULT  DETAIL`];
  for (const result of results) {
    lines.push(`${result.name.padEnd(width)}  ${MARK[result.status].padEnd(6)}  ${result.detail}`);
  }
  const problems = results.filter((result) => result.status === "fail" || result.status === "warn");
  const failures = results.filter((result) => result.status === "fail").length;
  lines.push("");
  lines.push(
    isReady(results)
      ? `ready${problems.length > 0 ? ` (${problems.length} warning${problems.length === 1 ? "" : "s"})` : ""}`
      : `not ready: ${failures} problem${failures === 1 ? "" : "s"}`,
  );
  for (const problem of problems) {
    lines.push(`  ${problem.status === "fail" ? "✗" : "!"} ${problem.name}: ${problem.detail}`);
    if (problem.fix) lines.push(`      fix: ${problem.fix}`);
  }
  return `${lines.join("\n")}\n`;
}

/** `{ ready, checks: [...] }` for `--json`. */
export function renderDoctorJson(results: readonly CheckResult[]): string {
  return `${JSON.stringify({ ready: isReady(results), checks: results }, null, 2)}\n`;
}
