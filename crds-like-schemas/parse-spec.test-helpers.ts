/** Lines 1-5 are fixed; `body` lines (indented 6 spaces, fields of the first cluster) start at line 6. */
export const HEADER = "apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters:\n    - name: prod\n";
export const cluster = (...body: string[]) => HEADER + body.map((line) => `${line}\n`).join("");
