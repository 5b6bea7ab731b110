import { readdirSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fromRoot } from "../../lib/paths.js";
import { useDemoLocalStack } from "../helpers/demo-local-stack.js";
import {
  allPanels,
  dashboardProblems,
  expandForPrometheus,
  type GrafanaDashboard,
} from "../helpers/grafana-dashboard.js";
import { until } from "../helpers/until.js";

/**
 * The Grafana dashboards in deploy/grafana: each conforms to the model of the schemaVersion it declares, and every
 * PromQL expression in them (panels and variables) returns data from the real Prometheus of the local stack, so no
 * panel ships silently empty. The alert rules' metrics are checked against the same Prometheus: a renamed metric
 * would leave an alert that can never fire; the stack's Prometheus loads the rules (`ecsmon local` does) and each
 * evaluates without error.
 */

const DIR = fromRoot("deploy/grafana");
const dashboards = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .map((file) => ({ file, dashboard: JSON.parse(readFileSync(`${DIR}/${file}`, "utf8")) as GrafanaDashboard }));

interface QueryResult {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

function alertRules(): { alert: string; expr: string }[] {
  const file = parse(readFileSync(fromRoot("deploy/prometheus/ecsmon-alerts.yml"), "utf8")) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  return file.groups.flatMap((g) => g.rules);
}

const finite = (result: QueryResult["data"]["result"]) => result.some((r) => Number.isFinite(Number(r.value[1])));

describe("Grafana dashboards: structure", () => {
  it("ships the fleet, controller, agents and capacity dashboards", () => {
    expect(dashboards.map((d) => d.dashboard.uid).sort()).toEqual([
      "ecsmon-agents",
      "ecsmon-capacity",
      "ecsmon-controller",
      "ecsmon-fleet",
    ]);
  });

  it.each(dashboards)("$file conforms to its declared schemaVersion", ({ dashboard }) => {
    expect(dashboardProblems(dashboard)).toEqual([]);
  });

  it("the structural check can fail", () => {
    const broken = structuredClone(dashboards[0]!.dashboard);
    const panel = allPanels(broken).find((p) => p.type !== "row")!;
    panel.datasource = "Prometheus";
    panel.gridPos.x = 20;
    panel.targets![0]!.expr = 'up{cluster=~"$nope"}';
    const problems = dashboardProblems(broken).join("\n");
    expect(problems).toContain("datasource must be a {type, uid} reference");
    expect(problems).toContain("off the 24-column grid");
    expect(problems).toContain("undefined variable $nope");
  });
});

describe("Grafana dashboards and alert rules against the local stack's Prometheus", () => {
  const demo = useDemoLocalStack("dashboards");

  async function instant(expr: string): Promise<QueryResult["data"]["result"]> {
    const url = `${demo.stack.urls.prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`;
    const response = await fetch(url);
    const body = (await response.json()) as QueryResult & { error?: string };
    if (!response.ok) throw new Error(`${expr}: HTTP ${response.status} ${body.error}`);
    return body.data.result;
  }

  beforeAll(() => {
    expect(demo.stack.urls.prometheus, "the prometheus binary (Debian package prometheus) is required").toBeDefined();
  });

  it("every panel expression returns data", async () => {
    const queries = dashboards.flatMap(({ dashboard }) =>
      allPanels(dashboard).flatMap((panel) =>
        (panel.targets ?? []).map((t) => ({
          where: `${dashboard.uid} / ${panel.title} / ${t.refId}`,
          expr: expandForPrometheus(t.expr),
        })),
      ),
    );
    expect(queries.length).toBeGreaterThan(30);
    const empty = await until(
      "every dashboard expression to return data",
      async () => {
        const missing: string[] = [];
        for (const q of queries) if (!finite(await instant(q.expr))) missing.push(`${q.where}: ${q.expr}`);
        return missing.length === 0 ? [] : undefined;
      },
      150_000,
      5_000,
    ).catch(async () => {
      const missing: string[] = [];
      for (const q of queries) if (!finite(await instant(q.expr))) missing.push(`${q.where}: ${q.expr}`);
      return missing;
    });
    expect(empty).toEqual([]);
  });

  it("every template variable's query finds values", async () => {
    for (const { dashboard } of dashboards) {
      for (const variable of dashboard.templating.list.filter((v) => v.type === "query")) {
        const query = (variable.query as { query: string }).query;
        const match = /^label_values\((.+),\s*(\w+)\)$/.exec(query);
        expect(match, `${dashboard.uid} $${variable.name}: ${query}`).not.toBeNull();
        const result = await instant(`count by (${match![2]}) (${match![1]})`);
        expect(result.length, `${dashboard.uid} $${variable.name}: ${query}`).toBeGreaterThan(0);
      }
    }
  });

  it("the local stack's Prometheus loaded every alert rule and evaluates each without error", async () => {
    const shipped = alertRules().map((r) => r.alert);
    const loaded = await until(
      "the alert rules evaluated once",
      async () => {
        const response = await fetch(`${demo.stack.urls.prometheus}/api/v1/rules?type=alert`);
        const body = (await response.json()) as {
          data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
        };
        const rules = body.data.groups.flatMap((g) => g.rules);
        return rules.length > 0 && rules.every((r) => r.health !== "unknown") ? rules : undefined;
      },
      60_000,
      1_000,
    );
    expect(loaded.map((r) => r.name).sort()).toEqual([...shipped].sort());
    for (const rule of loaded)
      expect(`${rule.name}: ${rule.health} ${rule.lastError ?? ""}`.trim()).toBe(`${rule.name}: ok`);
  });

  it("every metric the alert rules use is exported by the stack", async () => {
    const response = await fetch(`${demo.stack.urls.prometheus}/api/v1/label/__name__/values`);
    const names = new Set(((await response.json()) as { data: string[] }).data);
    for (const rule of alertRules()) {
      const metrics = [...rule.expr.matchAll(/\b(ecsmon_[a-z_]+)/g)].map((m) => m[1]!);
      expect(metrics.length, rule.alert).toBeGreaterThan(0);
      for (const metric of metrics) expect(names.has(metric), `${rule.alert} uses ${metric}`).toBe(true);
    }
  });
});
