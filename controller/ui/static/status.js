// ecsmon status page: polls the controller's JSON API and renders it. No framework and no build step; every
// value reaches the DOM through textContent, never as HTML. The bearer token (when the API asks for one) is kept
// in sessionStorage, so it lives as long as the tab.

const POLL_MS = 5000;
const TOKEN_KEY = "ecsmon-api-token";
const $ = (selector) => document.querySelector(selector);

/** State names → [symbol, tone]. The symbol and the name are always shown, so colour is never the only cue. */
const TONES = {
  "active.healthy": ["✓", "good"],
  ready: ["✓", "good"],
  True: ["✓", "good"],
  "active.failing": ["✗", "bad"],
  lost: ["✗", "bad"],
  invalid: ["✗", "bad"],
  False: ["✗", "bad"],
  orphaned: ["!", "warn"],
  suspect: ["!", "warn"],
  Unknown: ["?", "warn"],
};

class Unauthorized extends Error {}

async function api(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (response.status === 401) throw new Unauthorized();
  const body = await response.json().catch(() => ({}));
  return { status: response.status, body };
}

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, v);
  return node;
}

function state(name) {
  const [symbol, tone] = TONES[name] ?? ["•", "neutral"];
  const span = el("span", `${symbol} ${name}`, { class: `state ${tone}`, "data-state": name });
  return span;
}

function time(iso) {
  if (!iso) return el("span", "never", { class: "muted" });
  const t = el("time", new Date(iso).toLocaleString(), { datetime: iso });
  const ago = Math.round((Date.now() - Date.parse(iso)) / 1000);
  t.title = Number.isFinite(ago) ? `${ago} s ago` : iso;
  return t;
}

function counts(record) {
  const entries = Object.entries(record ?? {}).filter(([, n]) => n > 0);
  return entries.length ? entries.map(([k, n]) => `${k}: ${n}`).join(", ") : "none";
}

function cell(row, content, attrs = {}) {
  const td = el("td", undefined, attrs);
  if (content instanceof Node) td.append(content);
  else td.textContent = content ?? "";
  row.append(td);
  return td;
}

/** A table with its caption, one header row of `columns` and an empty body. */
function dataTable(id, caption, columns) {
  const table = el("table", undefined, { id });
  const head = el("tr");
  for (const column of columns) head.append(el("th", column, { scope: "col" }));
  const thead = el("thead");
  thead.append(head);
  table.append(el("caption", caption), thead, el("tbody"));
  return table;
}

function fill(tbody, items, render, empty) {
  const rows = items.map(render);
  if (rows.length === 0) {
    const row = el("tr");
    cell(row, empty, { colspan: String(tbody.closest("table").tHead.rows[0].cells.length), class: "muted" });
    rows.push(row);
  }
  tbody.replaceChildren(...rows);
}

/** A meter with the figures in text beside it (and in its label), so the bar is never the only cue. */
function headroom(free, total, unit) {
  const wrap = el("span", undefined, { class: "bar" });
  const text = total ? `${free} of ${total} ${unit} free` : `${free} ${unit} free`;
  if (total) {
    wrap.append(
      el("meter", undefined, {
        min: "0",
        max: String(total),
        low: String(total * 0.2),
        high: String(total * 0.5),
        optimum: String(total),
        value: String(free),
        "aria-label": text,
      }),
    );
  }
  wrap.append(el("span", text));
  return wrap;
}

function renderStatus(status) {
  $("#replica").textContent = `replica ${status.replica} · ${status.ready ? "ready" : "not ready"}`;
  const spec = status.spec ?? {};
  const facts = $("#spec-summary");
  facts.replaceChildren();
  for (const [term, value] of [
    ["Name", spec.name ?? "not loaded"],
    ["Version", spec.version ?? "–"],
    ["Generation", spec.generation ?? "–"],
  ])
    facts.append(el("dt", term), el("dd", value));
  fill(
    $("#spec-conditions tbody"),
    spec.conditions ?? [],
    (c) => {
      const row = el("tr");
      cell(row, c.type);
      cell(row, state(c.status));
      cell(row, c.reason);
      cell(row, c.message);
      cell(row, time(c.lastTransitionTime));
      return row;
    },
    "No conditions yet.",
  );
  fill(
    $("#cluster-table tbody"),
    status.clusters ?? [],
    (c) => {
      const row = el("tr", undefined, { "data-cluster": c.cluster });
      row.append(el("th", c.cluster, { scope: "row" }));
      cell(row, c.holder ?? "nobody");
      cell(row, c.pending ? "pending" : time(c.lastReconcileAt));
      cell(row, c.nodes ?? "–", { class: "num" });
      cell(row, counts(c.targets));
      cell(row, counts(c.agents));
      const list = el("ul", undefined, { class: "labels" });
      for (const cond of c.conditions ?? []) {
        const item = el("li");
        item.append(state(cond.status), ` ${cond.type} (${cond.reason})`);
        item.title = cond.message;
        list.append(item);
      }
      cell(row, list);
      return row;
    },
    "No clusters in the spec.",
  );
  const clusters = (status.clusters ?? []).map((c) => c.cluster);
  syncOptions($("#filter-cluster"), clusters);
}

/** Adds options for values not listed yet; keeps the user's selection. */
function syncOptions(select, values) {
  const have = new Set([...select.options].map((o) => o.value));
  for (const value of [...new Set(values)].sort())
    if (value && !have.has(value)) select.append(el("option", value, { value }));
}

function filterQuery() {
  const params = new URLSearchParams();
  for (const name of ["cluster", "service", "state"]) {
    const value = $(`#filter-${name}`).value;
    if (value) params.set(name, value);
  }
  return params.toString();
}

function renderTargets(listing) {
  const targets = listing.targets ?? [];
  syncOptions($("#filter-service"), targets.map((t) => t.serviceName).filter(Boolean));
  $("#target-count").textContent =
    `${targets.length} target${targets.length === 1 ? "" : "s"}${filterQuery() ? " (filtered)" : ""}`;
  fill(
    $("#target-table tbody"),
    targets,
    (t) => {
      const row = el("tr", undefined, { "data-id": t.id });
      row.append(el("th", t.address ?? "–", { scope: "row" }));
      cell(row, t.cluster);
      cell(row, t.serviceName ?? "–");
      cell(row, t.containerName ?? "–");
      cell(row, state(t.state));
      cell(row, time(t.lastHealthAt));
      cell(row, [t.reason, t.lastError].filter(Boolean).join(": ") || "–");
      const labels = el("ul", undefined, { class: "labels" });
      for (const [k, v] of Object.entries(t.labels ?? {})) labels.append(el("li", `${k}="${v}"`));
      cell(row, labels);
      return row;
    },
    "No targets match.",
  );
}

function renderAgents(listing) {
  fill(
    $("#agent-table tbody"),
    listing.agents ?? [],
    (a) => {
      const row = el("tr", undefined, { "data-node": a.nodeId });
      cell(row, a.cluster);
      row.append(el("th", a.nodeId, { scope: "row" }));
      cell(row, state(a.state));
      cell(row, a.mode);
      cell(row, time(a.lastSeen));
      cell(row, a.assignment < 0 ? "none yet" : a.assignment, { class: "num" });
      return row;
    },
    "No agents have reported.",
  );
}

function renderCapacity(capacity) {
  const clusters = capacity.clusters ?? [];
  fill(
    $("#capacity-table tbody"),
    clusters,
    (c) => {
      const row = el("tr", undefined, { "data-cluster": c.cluster });
      row.append(el("th", c.cluster, { scope: "row" }));
      const nodes = c.nodes ?? [];
      const sum = (key) => nodes.reduce((n, node) => n + (node.schedulable ? (node[key] ?? 0) : 0), 0);
      cell(row, headroom(c.remainingEnis, sum("eniMax"), "ENIs"), {
        "data-field": "remainingEnis",
        "data-value": c.remainingEnis,
      });
      cell(row, headroom(c.remainingCpu, sum("registeredCpu"), "CPU units"), {
        "data-field": "remainingCpu",
        "data-value": c.remainingCpu,
      });
      cell(row, headroom(c.remainingMemory, sum("registeredMemory"), "MiB"), {
        "data-field": "remainingMemory",
        "data-value": c.remainingMemory,
      });
      const sizes = el("ul", undefined, { class: "labels" });
      for (const [size, n] of Object.entries(c.schedulable ?? {}))
        sizes.append(el("li", `${size}: ${n}`, { "data-size": size, "data-value": n }));
      cell(row, sizes);
      return row;
    },
    "No capacity computed yet.",
  );
  const nodes = clusters.flatMap((c) => (c.nodes ?? []).map((n) => ({ cluster: c.cluster, ...n })));
  fill(
    $("#node-table tbody"),
    nodes,
    (n) => {
      const row = el("tr", undefined, { "data-node": n.nodeId });
      cell(row, n.cluster);
      row.append(el("th", n.nodeId, { scope: "row" }));
      cell(row, `${n.instanceType ?? "unknown"}${n.schedulable ? "" : " (not schedulable)"}`);
      cell(row, headroom(n.eniRemaining, n.eniMax, "ENIs"), {
        "data-field": "eniRemaining",
        "data-value": n.eniRemaining,
      });
      cell(row, headroom(n.remainingCpu, n.registeredCpu, "CPU units"), {
        "data-field": "remainingCpu",
        "data-value": n.remainingCpu,
      });
      cell(row, headroom(n.remainingMemory, n.registeredMemory, "MiB"), {
        "data-field": "remainingMemory",
        "data-value": n.remainingMemory,
      });
      cell(row, counts(n.fits));
      return row;
    },
    "No nodes reported.",
  );
}

async function explain(task) {
  const out = $("#explain-result");
  out.replaceChildren(el("p", "Explaining…", { class: "muted" }));
  const { status, body } = await api(`/api/v1/explain?task=${encodeURIComponent(task)}`);
  if (status !== 200) {
    out.replaceChildren(
      el("p", `${body.error ?? status}: ${body.message ?? "no answer"}`, { class: "problem", id: "explain-message" }),
    );
    return;
  }
  const table = dataTable("explain-table", `Containers of task ${body.taskArn ?? body.query}`, [
    "Container",
    "Is a target",
    "Verdict",
    "Why",
    "Target ids",
  ]);
  const tbody = table.tBodies[0];
  for (const c of body.containers ?? []) {
    const row = el("tr", undefined, { "data-container": c.containerName });
    row.append(el("th", c.containerName, { scope: "row" }));
    cell(row, c.isTarget ? "✓ yes" : "✗ no");
    cell(row, c.reason);
    cell(row, c.message);
    const ids = el("ul", undefined, { class: "labels" });
    for (const id of c.targetIds ?? []) ids.append(el("li", id));
    for (const i of c.invalid ?? []) ids.append(el("li", `invalid ${i.id}: ${i.reason}`));
    cell(row, ids);
    tbody.append(row);
  }
  const facts = el(
    "p",
    `${body.message} · cluster ${body.cluster}${body.serviceName ? ` · service ${body.serviceName}` : ""}${body.lastStatus ? ` · ${body.lastStatus}` : ""}`,
    { id: "explain-message" },
  );
  out.replaceChildren(facts, table);
}

let timer;
let inFlight = false;
/** Number of the latest refresh; an older answer arriving late (a filter changed meanwhile) is dropped. */
let latest = 0;

async function refresh() {
  const mine = ++latest;
  inFlight = true;
  try {
    const query = filterQuery();
    const [status, targets, agents, capacity] = await Promise.all([
      api("/api/v1/status"),
      api(`/api/v1/targets${query ? `?${query}` : ""}`),
      api("/api/v1/agents"),
      api("/api/v1/capacity"),
    ]);
    if (mine !== latest) return;
    const failed = [status, targets, agents, capacity].find((r) => r.status !== 200);
    if (status.status === 200) renderStatus(status.body);
    if (targets.status === 200) renderTargets(targets.body);
    if (agents.status === 200) renderAgents(agents.body);
    if (capacity.status === 200) renderCapacity(capacity.body);
    $("#token-form").hidden = true;
    const error = $("#error");
    error.hidden = !failed;
    error.textContent = failed ? `The API answered ${failed.status}: ${failed.body.message ?? ""}` : "";
    $("#updated").textContent = `Updated ${new Date().toLocaleTimeString()}; refreshes every ${POLL_MS / 1000} s.`;
    document.body.dataset.loaded = "true";
  } catch (error) {
    if (error instanceof Unauthorized) {
      const form = $("#token-form");
      if (form.hidden) {
        form.hidden = false;
        $("#token").focus();
      }
      $("#updated").textContent = sessionStorage.getItem(TOKEN_KEY)
        ? "The token was refused."
        : "Waiting for an API token.";
    } else {
      const box = $("#error");
      box.hidden = false;
      box.textContent = `The controller did not answer: ${error.message}`;
    }
  } finally {
    if (mine === latest) inFlight = false;
  }
}

function start() {
  // The page's tables are declared as <div data-table data-caption data-columns="A|B|…"> and built here.
  for (const slot of document.querySelectorAll("[data-table]")) {
    const { table, caption, columns } = slot.dataset;
    slot.replaceChildren(dataTable(table, caption, columns.split("|")));
  }
  $("#token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("#token").value);
    $("#token").value = "";
    void refresh();
  });
  $("#target-filters").addEventListener("change", () => void refresh());
  $("#target-filters").addEventListener("submit", (event) => event.preventDefault());
  $("#explain-form").addEventListener("submit", (event) => {
    event.preventDefault();
    explain($("#explain-task").value.trim()).catch((error) => {
      if (error instanceof Unauthorized) void refresh();
      else $("#explain-result").replaceChildren(el("p", error.message, { class: "problem" }));
    });
  });
  void refresh();
  timer = setInterval(() => {
    if (!inFlight) void refresh();
  }, POLL_MS);
}

window.addEventListener("beforeunload", () => clearInterval(timer));
start();
