import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../lib/net.js";
import { FakeClusterStore } from "../../test/helpers/fake-cluster-store.js";
import { startWorkloads, type WorkloadManager } from "./workload-manager.js";

// A real Prometheus scrapes the simulated workloads: healthy ones are up, each failure mode fails the scrape.
// Addresses owned by this file: instance 127.0.231.1, ENIs 127.0.232.x.
const store = new FakeClusterStore("prom");
let manager: WorkloadManager;
let prometheus: ChildProcess | undefined;
let promUrl: string;
let dir: string;
const jobs = new Map<string, string>();

interface ActiveTarget {
  scrapePool: string;
  health: "up" | "down" | "unknown";
  lastError: string;
}

beforeAll(async () => {
  const instance = store.addInstance(231);
  const port = await freePort("127.0.232.1");
  const modes = ["none", "http500", "garbage", "oversized", "slow", "refused"];
  for (const [i, failure] of modes.entries()) {
    const def = store.addTaskDefinition(`p-${failure}`, "awsvpc", [
      { name: "app", dockerLabels: { PROMETHEUS_SCRAPES: String(port), SIM_FAILURE: failure, SIM_SERIES: "200" } },
    ]);
    const task = store.addTask(def, { instance, eniIp: `127.0.232.${i + 1}` });
    jobs.set(failure, task.taskArn);
  }
  manager = startWorkloads(store, { slowDelayMs: 5_000 });
  await manager.ready();
  dir = mkdtempSync(join(tmpdir(), "ecsmon-sim-prom-"));
  const scrapeConfigs = [...jobs].map(([failure, taskArn]) => {
    const url = new URL(manager.endpoints().find((e) => e.taskArn === taskArn)!.url);
    return [
      `  - job_name: ${failure}`,
      "    scrape_interval: 2s",
      "    scrape_timeout: 2s",
      "    body_size_limit: 10MB",
      `    metrics_path: ${url.pathname}`,
      `    static_configs: [{ targets: ["${url.host}"] }]`,
    ].join("\n");
  });
  writeFileSync(join(dir, "prometheus.yml"), `scrape_configs:\n${scrapeConfigs.join("\n")}\n`);
  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  prometheus = spawn(
    "/usr/bin/prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    { stdio: "ignore" },
  );
  prometheus.on("error", () => {});
});

afterAll(async () => {
  prometheus?.kill("SIGKILL");
  await manager?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function targets(): Promise<Map<string, ActiveTarget>> {
  const res = await fetch(`${promUrl}/api/v1/targets?state=active`);
  const body = (await res.json()) as { data: { activeTargets: ActiveTarget[] } };
  return new Map(body.data.activeTargets.map((t) => [t.scrapePool, t]));
}

describe("a real Prometheus scraping the workloads", () => {
  it("reports the healthy workload up and every failure mode down", async () => {
    const failures = ["http500", "garbage", "oversized", "slow", "refused"];
    const settled = (t: Map<string, ActiveTarget>) =>
      t.get("none")?.health === "up" && failures.every((f) => t.get(f)?.health === "down");
    let seen = new Map<string, ActiveTarget>();
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline) {
      try {
        seen = await targets();
        if (settled(seen)) break;
      } catch {}
      await sleep(250);
    }
    expect(seen.get("none")?.health).toBe("up");
    for (const failure of failures) {
      expect(seen.get(failure)?.health, failure).toBe("down");
    }
    expect(seen.get("http500")?.lastError).toContain("500");
    // Past the 10 MB limit Prometheus aborts; on a loaded machine the 2 s deadline may strike first.
    expect(seen.get("oversized")?.lastError).toMatch(/body size limit|deadline/i);
    expect(seen.get("refused")?.lastError).toMatch(/connection refused/i);
    expect(seen.get("slow")?.lastError).toMatch(/deadline|timeout|context/i);
    const query = await fetch(
      `${promUrl}/api/v1/query?query=${encodeURIComponent('scrape_samples_scraped{job="none"}')}`,
    );
    const result = (await query.json()) as { data: { result: { value: [number, string] }[] } };
    expect(Number(result.data.result[0]?.value[1])).toBe(200);
  });
});
