import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fromRoot } from "../../lib/paths.js";

/**
 * The shipped alert rules, judged by Prometheus's own tool: `promtool check rules` (syntax, PromQL, templates) and
 * `promtool test rules` (each alert fires on the series that mean trouble, at the right time, with the right
 * labels and annotations). promtool comes from Debian's `prometheus` package; without it the test fails.
 */

const RULES = fromRoot("deploy/prometheus/ecsmon-alerts.yml");
const TESTS = fromRoot("deploy/prometheus/ecsmon-alerts.test.yml");

interface RuleFile {
  groups: { name: string; rules: { alert?: string; expr: string; annotations?: Record<string, string> }[] }[];
}
interface RuleTestFile {
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync("promtool", args, { encoding: "utf8", cwd: fromRoot("deploy/prometheus") });
  if (result.error) throw new Error(`promtool (Debian package prometheus) is required: ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const rules = (parse(readFileSync(RULES, "utf8")) as RuleFile).groups.flatMap((g) => g.rules);
const alerts = rules.filter((r) => r.alert !== undefined);

describe("deploy/prometheus alert rules", () => {
  it("pass promtool check rules", () => {
    const result = promtool("check", "rules", RULES);
    expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.status).toBe(0);
  });

  it("pass promtool test rules", () => {
    const result = promtool("test", "rules", TESTS);
    expect(result.output).toContain("SUCCESS");
    expect(result.status, result.output).toBe(0);
  });

  it("each alert has a runbook line and a summary", () => {
    for (const alert of alerts) {
      expect(alert.annotations?.runbook, `${alert.alert} runbook`).toMatch(/\S{10,}/);
      expect(alert.annotations?.summary, `${alert.alert} summary`).toBeTruthy();
    }
  });

  it("each alert is unit-tested firing at least once", () => {
    const tests = (parse(readFileSync(TESTS, "utf8")) as RuleTestFile).tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const alert of alerts) {
      const firing = tests.filter((t) => t.alertname === alert.alert && t.exp_alerts.length > 0);
      expect(firing.length, `a firing test for ${alert.alert}`).toBeGreaterThan(0);
    }
  });

  it("promtool test rules fails when an alert changes (the check can fail)", () => {
    const dir = mkdtempSync(join(tmpdir(), "ecsmon-rules-"));
    try {
      const broken = readFileSync(RULES, "utf8").replace(
        "ecsmon_capacity_schedulable_tasks < 2",
        "ecsmon_capacity_schedulable_tasks < 1",
      );
      writeFileSync(join(dir, "ecsmon-alerts.yml"), broken);
      writeFileSync(join(dir, "ecsmon-alerts.test.yml"), readFileSync(TESTS, "utf8"));
      const result = spawnSync("promtool", ["test", "rules", "ecsmon-alerts.test.yml"], { cwd: dir, encoding: "utf8" });
      expect(result.status).not.toBe(0);
      expect(`${result.stdout}${result.stderr}`).toContain("EcsmonCapacityLow");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
