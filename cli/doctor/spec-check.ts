import {
  checkSsmSize,
  formatSpecError,
  type MonitoringSpec,
  parseSpec,
  type SpecFormat,
} from "../../crds-like-schemas/index.js";
import { type CheckResult, runCheck } from "./check.js";

/**
 * The spec the controller will load: valid (schema and cross-field rules) and within SSM's size limits (4 KB
 * Standard, 8 KB Advanced). Returns the parsed spec for the per-cluster checks.
 */
export async function specCheck(
  text: string,
  source: string,
  format: SpecFormat,
): Promise<{ result: CheckResult; spec: MonitoringSpec | undefined }> {
  let spec: MonitoringSpec | undefined;
  const result = await runCheck(`spec ${source}`, async () => {
    const parsed = parseSpec(text, { source, format });
    const size = checkSsmSize(text, "Advanced");
    if (!parsed.ok) {
      const first = parsed.errors.slice(0, 3).map(formatSpecError).join("; ");
      const more = parsed.errors.length > 3 ? ` (and ${parsed.errors.length - 3} more)` : "";
      return {
        status: "fail",
        detail: `invalid: ${first}${more}`,
        fix: `fix the spec (\`ecsmon spec validate <file>\` lists every error), then \`ecsmon spec apply\``,
      };
    }
    spec = parsed.spec;
    const clusters = `${parsed.spec.spec.clusters.length} cluster${parsed.spec.spec.clusters.length === 1 ? "" : "s"}`;
    const bytes = `${size.bytes.toLocaleString("en-US")} bytes`;
    if (!size.ok) return { status: "fail", detail: `valid, ${clusters}, but ${size.message}`, fix: "shorten the spec" };
    const tier = size.requiredTier === "Standard" ? "fits the Standard tier" : "needs the Advanced tier";
    return { status: "ok", detail: `valid, ${clusters}, ${bytes} (${tier})` };
  });
  return { result, spec };
}
