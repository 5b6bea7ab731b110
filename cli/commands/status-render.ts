import { conditionIsAbnormal } from "../../controller/reconcile/conditions.js";
import type {
  AgentView,
  StaleNote,
  StatusDocument,
  TargetList,
  TaskExplanation,
} from "../../crds-like-schemas/contracts/status-api.js";

/** Renders rows as an aligned plain-text table (no colours, safe to pipe). */
export function table(headers: string[], rows: (string | number | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === undefined || c === "" ? "-" : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), ...cells.map(line)].join("\n");
}

const counts = (record: Record<string, number> | undefined) =>
  Object.entries(record ?? {})
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}=${n}`)
    .join(" ");

/** One line per stale part of an answer: what, how old, and why (empty when everything is current). */
export function renderStale(notes: StaleNote[] | undefined): string[] {
  return (notes ?? []).map((n) =>
    n.ageMs === null
      ? `! STALE ${n.what}: never read (${n.reason})`
      : `! STALE ${n.what}: ${(n.ageMs / 1_000).toFixed(1)} s old, as of ${n.asOf} (${n.reason})`,
  );
}

export function renderStatus(doc: StatusDocument): string {
  const out: string[] = [];
  out.push(`replica   ${doc.replica} (${doc.ready ? "ready" : "not ready"})`);
  const stale = renderStale(doc.stale);
  if (stale.length > 0) out.push(...stale);
  const s = doc.spec;
  out.push(s.loaded ? `spec      ${s.name} version ${s.version} generation ${s.generation}` : "spec      not loaded");
  if (s.conditions.length > 0) {
    out.push("");
    out.push(
      table(
        ["CONDITION", "STATUS", "REASON", "MESSAGE"],
        s.conditions.map((c) => [c.type, c.status, c.reason, c.message]),
      ),
    );
  }
  out.push("");
  out.push(
    table(
      ["CLUSTER", "HOLDER", "TOKEN", "TARGETS", "AGENTS", "NODES W/O AGENT", "INVALID", "OBSERVED"],
      doc.clusters.map((c) =>
        "pending" in c
          ? [c.cluster, c.holder, undefined, "(no summary yet)", undefined, undefined, undefined, undefined]
          : [
              c.cluster,
              c.holder,
              c.fencingToken,
              counts(c.targets),
              counts(c.agents),
              c.nodesWithoutAgent?.length,
              c.invalidTargets,
              c.observedAt,
            ],
      ),
    ),
  );
  out.push(...renderClusterProblems(doc));
  return out.join("\n");
}

/**
 * One `!` line per cluster condition that reports a problem (by its type's polarity: `NodesWithoutAgent=True`
 * is one, `ObservationComplete=False` another), optionally for one cluster only.
 */
export function renderClusterProblems(doc: StatusDocument, cluster?: string): string[] {
  const out: string[] = [];
  for (const c of doc.clusters) {
    if ("pending" in c || (cluster !== undefined && c.cluster !== cluster)) continue;
    for (const x of c.conditions.filter(conditionIsAbnormal)) {
      out.push(`! ${c.cluster}: ${x.type}=${x.status} ${x.reason}: ${x.message}`);
    }
  }
  return out;
}

export function renderTargets(body: Pick<TargetList, "count" | "targets">): string {
  if (body.targets.length === 0) return "no targets";
  const rows = body.targets.map((t) => [
    t.cluster,
    t.serviceName,
    t.containerName,
    t.state,
    t.address ? `${t.scheme ?? "http"}://${t.address}${t.metricsPath ?? ""}` : undefined,
    t.nodeId ?? (t.state === "invalid" ? undefined : "pool"),
    t.reason ?? t.lastError,
  ]);
  return `${table(["CLUSTER", "SERVICE", "CONTAINER", "STATE", "ENDPOINT", "NODE", "REASON"], rows)}\n\n${body.count} target(s)`;
}

export function renderAgents(agents: AgentView[]): string {
  return table(
    ["CLUSTER", "NODE", "STATE", "MODE", "ASSIGNMENT", "LAST SEEN"],
    agents.map((a) => [a.cluster, a.nodeId, a.state, a.mode, a.assignment, a.lastSeen]),
  );
}

export function renderExplain(e: TaskExplanation): string {
  const out = [
    `task      ${e.taskArn ?? e.query}`,
    `cluster   ${e.cluster}`,
    `status    ${e.lastStatus ?? "-"}${e.serviceName ? `   service ${e.serviceName}` : ""}${e.nodeId ? `   node ${e.nodeId}` : ""}`,
    e.message,
    "",
  ];
  out.push(
    table(
      ["CONTAINER", "TARGET", "REASON", "DETAIL"],
      e.containers.map((c) => [c.containerName, c.isTarget ? "yes" : "no", c.reason, c.message]),
    ),
  );
  for (const c of e.containers) for (const i of c.invalid) out.push(`  invalid ${i.id}: ${i.reason}`);
  return out.join("\n");
}
