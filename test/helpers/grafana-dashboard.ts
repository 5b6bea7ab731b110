/**
 * Structural checks of a Grafana dashboard JSON against the model its `schemaVersion` declares. Grafana cannot run
 * here, so this encodes what Grafana's DashboardMigrator (public/app/features/dashboard/state/DashboardMigrator.ts)
 * guarantees for a dashboard at or above each version, i.e. what a dashboard that declares the version must
 * already satisfy, since Grafana will not migrate it again:
 * - 16: `rows` are gone; every panel sits in `panels` with an integer `gridPos` {x,y,w,h} on the 24-column grid;
 * - 33: a panel's `datasource` is a reference object {type, uid}, not a data source name;
 * - 36: every query target carries a datasource reference too; template variables of type `query` as well.
 * Plus what holds at every version: a `uid` of at most 40 characters of [A-Za-z0-9-_], unique panel ids,
 * unique `refId`s within a panel, and every `$variable` used in a query defined in `templating.list`.
 */

/** The version these dashboards target (Grafana 10.4 / 11.x) and the oldest this checker understands. */
export const MIN_SCHEMA_VERSION = 36;

/** Grafana's built-in panel plugins the dashboards may use (no external plugin needed). */
const CORE_PANEL_TYPES = new Set(["row", "timeseries", "stat", "table", "bargauge", "gauge", "text", "state-timeline"]);

/** Variables Grafana itself defines. */
const BUILTIN_VARIABLES = new Set(["__rate_interval", "__interval", "__range", "__interval_ms", "__range_s"]);

export interface GrafanaTarget {
  refId: string;
  expr: string;
  datasource?: unknown;
}
export interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: unknown;
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
}
export interface GrafanaDashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: GrafanaPanel[];
  rows?: unknown;
  templating: { list: { name: string; type: string; query?: unknown; datasource?: unknown }[] };
}

function isDatasourceRef(value: unknown): boolean {
  const ref = value as { type?: unknown; uid?: unknown } | null;
  return typeof ref === "object" && ref !== null && typeof ref.type === "string" && typeof ref.uid === "string";
}

/** Panels, with the children of rows flattened in. */
export function allPanels(dashboard: GrafanaDashboard): GrafanaPanel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every problem found, each naming the dashboard and panel; empty when the dashboard conforms. */
export function dashboardProblems(dashboard: GrafanaDashboard): string[] {
  const problems: string[] = [];
  const at = (where: string, message: string) => problems.push(`${dashboard.uid ?? "?"} ${where}: ${message}`);
  if (!Number.isInteger(dashboard.schemaVersion) || dashboard.schemaVersion < MIN_SCHEMA_VERSION) {
    at("schemaVersion", `must be an integer >= ${MIN_SCHEMA_VERSION}, got ${dashboard.schemaVersion}`);
  }
  if (typeof dashboard.uid !== "string" || !/^[A-Za-z0-9_-]{1,40}$/.test(dashboard.uid)) at("uid", "invalid");
  if (!dashboard.title) at("title", "missing");
  if (dashboard.rows !== undefined) at("rows", "removed at schemaVersion 16; use panels");
  const variables = new Set(dashboard.templating?.list?.map((v) => v.name) ?? []);
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type === "query" && !isDatasourceRef(v.datasource))
      at(`variable ${v.name}`, "datasource must be a {type, uid} reference");
  }
  const ids = new Set<number>();
  const cells: { id: number; x: number; y: number; w: number; h: number }[] = [];
  for (const panel of allPanels(dashboard)) {
    const where = `panel ${panel.id} "${panel.title}"`;
    if (!Number.isInteger(panel.id) || ids.has(panel.id)) at(where, "id must be a unique integer");
    ids.add(panel.id);
    if (!CORE_PANEL_TYPES.has(panel.type)) at(where, `type ${panel.type} is not a core panel`);
    const g = panel.gridPos;
    const grid = g && [g.x, g.y, g.w, g.h].every((n) => Number.isInteger(n) && n >= 0);
    if (!grid || g.w < 1 || g.h < 1 || g.x + g.w > 24)
      at(where, `gridPos ${JSON.stringify(g)} is off the 24-column grid`);
    else {
      for (const other of cells) {
        if (g.x < other.x + other.w && other.x < g.x + g.w && g.y < other.y + other.h && other.y < g.y + g.h) {
          at(where, `overlaps panel ${other.id}`);
        }
      }
      cells.push({ id: panel.id, ...g });
    }
    if (panel.type === "row") continue;
    if (!isDatasourceRef(panel.datasource)) at(where, "datasource must be a {type, uid} reference (schemaVersion 33)");
    const refIds = new Set<string>();
    if (!panel.targets?.length) at(where, "has no query");
    for (const target of panel.targets ?? []) {
      if (!target.refId || refIds.has(target.refId)) at(where, `refId ${target.refId} missing or repeated`);
      refIds.add(target.refId);
      if (!isDatasourceRef(target.datasource))
        at(where, `target ${target.refId} needs a datasource reference (schemaVersion 36)`);
      if (typeof target.expr !== "string" || target.expr.trim() === "") at(where, `target ${target.refId} has no expr`);
      for (const [, name] of (target.expr ?? "").matchAll(/\$\{?(\w+)/g)) {
        if (!variables.has(name!) && !BUILTIN_VARIABLES.has(name!)) at(where, `uses undefined variable $${name}`);
      }
    }
  }
  return problems;
}

/**
 * A panel query as Prometheus would receive it with every variable at "All" (`.*`) and `$__rate_interval` at
 * four scrape intervals of the local stack (Grafana's own rule: at least 4 × the scrape interval).
 */
export function expandForPrometheus(expr: string, rateInterval = "20s"): string {
  return expr.replace(/\$__rate_interval/g, rateInterval).replace(/\$\{?\w+\}?/g, ".*");
}
