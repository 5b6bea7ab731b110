import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { freePort } from "../../lib/net.js";
import { fromRoot } from "../../lib/paths.js";
import { type Chromium, launchChromium } from "../helpers/chromium.js";
import { useDemoLocalStack } from "../helpers/demo-local-stack.js";
import { until } from "../helpers/until.js";

/**
 * The status page in a real browser (Debian's chromium, driven by playwright-core) against the local topology: the
 * page's targets, agents and capacity agree with the JSON API, the filters and the explain box work from the
 * keyboard, nothing is loaded from outside the controller, and a controller with a token shows the token prompt.
 * On failure a screenshot is written to $TMPDIR/ecsmon-status-page-failures/. With UPDATE_SCREENSHOT=1 the
 * README's screenshot (docs/status-page.png) is retaken.
 */

interface TargetJson {
  id: string;
  state: string;
  serviceName?: string;
  taskArn?: string;
}
interface AgentJson {
  nodeId: string;
  state: string;
}
interface CapacityJson {
  clusters: {
    cluster: string;
    remainingEnis: number;
    remainingCpu: number;
    remainingMemory: number;
    schedulable: Record<string, number>;
    nodes: { nodeId: string; eniRemaining: number; remainingCpu: number; remainingMemory: number }[];
  }[];
}

const FAILURES = join(tmpdir(), "ecsmon-status-page-failures");

const demo = useDemoLocalStack("status-page");
let browser: Chromium;
let page: Page;
const foreignRequests: string[] = [];

async function apiJson<T>(path: string, base = demo.stack.urls.controller): Promise<T> {
  const response = await fetch(`${base}${path}`);
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

function screenshotOnFailure(name: string, target: () => Page = () => page) {
  onTestFailed(async () => {
    mkdirSync(FAILURES, { recursive: true });
    const path = join(FAILURES, `${name}.png`);
    await target().screenshot({ path, fullPage: true });
    console.error(`status page screenshot: ${path}`);
  });
}

/** Rows of a table as `data-*` key → state text, read from the live page. */
async function rows(table: string, key: string): Promise<Record<string, string>> {
  return page.$$eval(
    `${table} tbody tr[${key}]`,
    (trs, k) =>
      Object.fromEntries(
        trs.map((tr) => [tr.getAttribute(k) ?? "", tr.querySelector("[data-state]")?.getAttribute("data-state") ?? ""]),
      ),
    key,
  );
}

const byKey = <T>(items: T[], key: (t: T) => string, value: (t: T) => string) =>
  Object.fromEntries(items.map((t) => [key(t), value(t)]));

/** Target id → state, as the API lists them for a query string. */
async function apiTargetStates(query = ""): Promise<Record<string, string>> {
  const { targets } = await apiJson<{ targets: TargetJson[] }>(`/api/v1/targets${query}`);
  return byKey(
    targets,
    (t) => t.id,
    (t) => t.state,
  );
}

/** JSON with object keys sorted, so that two values compare by content only. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v,
  );

/** Polls until the page (refreshing every 5 s) shows what the API says now. */
async function agreeWithApi<T>(what: string, fromPage: () => Promise<T>, fromApi: () => Promise<T>): Promise<void> {
  let last: { page: T; api: T } | undefined;
  await until(
    what,
    async () => {
      const [p, a] = await Promise.all([fromPage(), fromApi()]);
      last = { page: p, api: a };
      return canonical(p) === canonical(a);
    },
    30_000,
    500,
  ).catch(() => undefined);
  expect(last?.page, `${what}: the page and the API`).toEqual(last?.api);
}

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.context.newPage();
  const origin = new URL(demo.stack.urls.controller).origin;
  page.on("request", (request) => {
    if (!request.url().startsWith(origin)) foreignRequests.push(request.url());
  });
  // The healthy demo targets must have been scraped once, so that states, health times and capacity are settled.
  await until(
    "healthy targets in the API",
    async () => (await apiJson<{ targets: TargetJson[] }>("/api/v1/targets?state=active.healthy")).targets.length > 0,
    90_000,
    500,
  );
  await page.goto(`${demo.stack.urls.controller}/`);
  await page.waitForSelector("body[data-loaded=true]", { timeout: 30_000 });
}, 240_000);

afterAll(async () => {
  await browser?.close();
});

describe("status page", () => {
  it("shows the spec, its conditions and each cluster's summary", async () => {
    screenshotOnFailure("spec");
    const status = await apiJson<{ spec: { name: string; version: number }; clusters: { cluster: string }[] }>(
      "/api/v1/status",
    );
    const facts = await page.locator("#spec-summary").textContent();
    expect(facts).toContain(status.spec.name);
    expect(facts).toContain(String(status.spec.version));
    expect(await page.locator("#spec-conditions tbody tr").count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator("#spec-conditions tbody").textContent()).toContain("SpecValid");
    const clusters = await page.$$eval("#cluster-table tbody tr[data-cluster]", (trs) =>
      trs.map((tr) => tr.getAttribute("data-cluster")),
    );
    expect(clusters).toEqual(status.clusters.map((c) => c.cluster));
  });

  it("lists the same targets, in the same states, as the API", async () => {
    screenshotOnFailure("targets");
    await agreeWithApi(
      "targets",
      () => rows("#target-table", "data-id"),
      () => apiTargetStates(),
    );
  });

  it("lists the same agents, in the same states, as the API", async () => {
    screenshotOnFailure("agents");
    await agreeWithApi(
      "agents",
      () => rows("#agent-table", "data-node"),
      async () =>
        byKey(
          (await apiJson<{ agents: AgentJson[] }>("/api/v1/agents")).agents,
          (a) => a.nodeId,
          (a) => a.state,
        ),
    );
  });

  it("shows the same capacity per cluster and per node as the API, with headroom bars and figures in text", async () => {
    screenshotOnFailure("capacity");
    // Each row's figures are in data-field/data-value cells (and data-size items for SchedulableTasks).
    const figures = (selector: string, key: string) =>
      page.$$eval(
        selector,
        (trs, k) =>
          trs.map((tr) => {
            const row: Record<string, unknown> = { [k === "data-cluster" ? "cluster" : "nodeId"]: tr.getAttribute(k) };
            for (const td of tr.querySelectorAll("[data-field]")) {
              row[td.getAttribute("data-field") ?? ""] = Number(td.getAttribute("data-value"));
            }
            const sizes = [...tr.querySelectorAll("[data-size]")];
            if (k === "data-cluster") {
              row.schedulable = Object.fromEntries(
                sizes.map((li) => [li.getAttribute("data-size"), Number(li.getAttribute("data-value"))]),
              );
            }
            return row;
          }),
        key,
      );
    const fromPage = async () => ({
      clusters: await figures("#capacity-table tbody tr[data-cluster]", "data-cluster"),
      nodes: await figures("#node-table tbody tr[data-node]", "data-node"),
    });
    const fromApi = async () => {
      const capacity = await apiJson<CapacityJson>("/api/v1/capacity");
      return {
        clusters: capacity.clusters.map((c) => ({
          cluster: c.cluster,
          remainingEnis: c.remainingEnis,
          remainingCpu: c.remainingCpu,
          remainingMemory: c.remainingMemory,
          schedulable: c.schedulable,
        })),
        nodes: capacity.clusters.flatMap((c) =>
          c.nodes.map((n) => ({
            nodeId: n.nodeId,
            eniRemaining: n.eniRemaining,
            remainingCpu: n.remainingCpu,
            remainingMemory: n.remainingMemory,
          })),
        ),
      };
    };
    await agreeWithApi("capacity", fromPage, fromApi);
    expect(await page.locator("#node-table meter").count()).toBeGreaterThan(0);
    const meterLabel = await page.locator("#node-table meter").first().getAttribute("aria-label");
    expect(meterLabel).toMatch(/^\d+ of \d+ ENIs free$/);
  });

  it("states are spelled out, not only coloured", async () => {
    screenshotOnFailure("states");
    const states = await page.$$eval("[data-state]", (spans) =>
      spans.map((s) => ({ state: s.getAttribute("data-state") ?? "", text: s.textContent ?? "" })),
    );
    expect(states.length).toBeGreaterThan(0);
    for (const s of states) expect(s.text).toContain(s.state);
  });

  it("filters targets by state, cluster and service, from the keyboard, as the API does", async () => {
    screenshotOnFailure("filters");
    await page.focus("#filter-state");
    await page.selectOption("#filter-state", "active.healthy");
    await agreeWithApi(
      "healthy targets",
      () => rows("#target-table", "data-id"),
      () => apiTargetStates("?state=active.healthy"),
    );
    await page.selectOption("#filter-state", "");
    await page.selectOption("#filter-cluster", "demo");
    const services = await page.$$eval("#filter-service option", (options) =>
      options.map((o) => o.getAttribute("value") ?? "").filter(Boolean),
    );
    expect(services.length).toBeGreaterThan(0);
    const service = services[0]!;
    await page.selectOption("#filter-service", service);
    const query = `?cluster=demo&service=${encodeURIComponent(service)}`;
    await agreeWithApi(
      `targets of service ${service}`,
      () => rows("#target-table", "data-id"),
      () => apiTargetStates(query),
    );
    expect(await page.locator("#target-count").textContent()).toContain("(filtered)");
    await page.selectOption("#filter-service", "");
    await page.selectOption("#filter-cluster", "");
  });

  it("the explain box answers for a task as the API does, and names an unknown task", async () => {
    screenshotOnFailure("explain");
    const { targets } = await apiJson<{ targets: TargetJson[] }>("/api/v1/targets?state=active.healthy");
    const taskArn = targets.find((t) => t.taskArn)!.taskArn!;
    const taskId = taskArn.split("/").pop()!;
    const answer = await apiJson<{ containers: { containerName: string; isTarget: boolean; reason: string }[] }>(
      `/api/v1/explain?task=${encodeURIComponent(taskArn)}`,
    );
    // Keyboard only: type into the explain field, Enter submits.
    await page.focus("#explain-task");
    await page.keyboard.type(taskId);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#explain-table tbody tr");
    const shown = await page.$$eval("#explain-table tbody tr", (trs) =>
      trs.map((tr) => ({
        containerName: tr.getAttribute("data-container"),
        isTarget: tr.cells[1]?.textContent?.includes("yes") ?? false,
        reason: tr.cells[2]?.textContent,
      })),
    );
    expect(shown).toEqual(
      answer.containers.map((c) => ({ containerName: c.containerName, isTarget: c.isTarget, reason: c.reason })),
    );
    await page.fill("#explain-task", "no-such-task-0000");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#explain-message.problem");
    expect(await page.locator("#explain-message").textContent()).toMatch(/NotFound: .*no-such-task-0000/);
  });

  it("is keyboard navigable: the first Tab reaches the skip link, which moves focus to the content", async () => {
    screenshotOnFailure("keyboard");
    await page.reload();
    await page.waitForSelector("body[data-loaded=true]");
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(new URL(page.url()).hash).toBe("#main");
    // Every filter is a labelled native control reachable with Tab.
    for (const id of ["filter-cluster", "filter-service", "filter-state", "explain-task"]) {
      expect(await page.locator(`label[for=${id}]`).count(), id).toBe(1);
    }
  });

  it("loads nothing from outside the controller", () => {
    expect(foreignRequests).toEqual([]);
  });

  it("takes the README screenshot", async () => {
    const { targets } = await apiJson<{ targets: TargetJson[] }>("/api/v1/targets?state=active.healthy");
    await page.fill(
      "#explain-task",
      targets
        .find((t) => t.taskArn)!
        .taskArn!.split("/")
        .pop()!,
    );
    await page.keyboard.press("Enter");
    await page.waitForSelector("#explain-table tbody tr");
    const path =
      process.env.UPDATE_SCREENSHOT === "1"
        ? fromRoot("docs/status-page.png")
        : join(tmpdir(), "ecsmon-status-page.png");
    await page.screenshot({ path, fullPage: true });
  });
});

describe("status page with an API token", () => {
  let controller: ChildProcess | undefined;
  let base: string;
  let tokenPage: Page;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // A second replica of the same fleet (a standby: it reads what the lease holder persisted), with a token.
    controller = spawn(process.execPath, [fromRoot("dist/cli/ecsmon.js"), "controller"], {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: demo.stack.urls.aws,
        AWS_REGION: "us-east-1",
        REDIS_URL: demo.stack.urls.redis,
        ECSMON_API_BIND: `127.0.0.1:${port}`,
        ECSMON_API_TOKEN: "s3cret-token",
        LOG_LEVEL: "warn",
      },
      stdio: "ignore",
    });
    await until("the token controller ready", async () => (await fetch(`${base}/readyz`)).ok, 60_000, 250);
    tokenPage = await browser.context.newPage();
  }, 90_000);

  afterAll(async () => {
    await tokenPage?.close();
    controller?.kill("SIGTERM");
  });

  it("serves the page without the token, asks for it, and shows data once given", async () => {
    screenshotOnFailure("token", () => tokenPage);
    expect((await fetch(`${base}/api/v1/status`)).status).toBe(401);
    await tokenPage.goto(`${base}/`);
    await tokenPage.waitForSelector("#token-form:not([hidden])");
    expect(await tokenPage.evaluate("document.activeElement?.id")).toBe("token");
    await tokenPage.keyboard.type("wrong");
    await tokenPage.keyboard.press("Enter");
    await until("the refusal", async () =>
      ((await tokenPage.locator("#updated").textContent()) ?? "").includes("refused"),
    );
    await tokenPage.fill("#token", "s3cret-token");
    await tokenPage.keyboard.press("Enter");
    await tokenPage.waitForSelector("body[data-loaded=true]");
    expect(await tokenPage.locator("#token-form").isHidden()).toBe(true);
    expect(await tokenPage.locator("#spec-summary").textContent()).toContain("local");
  });
});
