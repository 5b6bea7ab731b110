import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { get } from "node:http";
import { createInterface } from "node:readline";
import { pino } from "pino";
import { Registry } from "prom-client";
import { renderMergedMetrics, startMetricsServer } from "../agents/runtime/metrics-server.js";
import { createScrapeHandler } from "../agents/scrape/scrape-handler.js";
import type { ScrapeTarget } from "../crds-like-schemas/index.js";
import { benchQuick } from "../lib/config.js";
import { measureMerge, mergeFigures } from "./support/merge-vs-concat.js";
import { benchSyncJob } from "./support/sync-job.js";
import type { BenchResult } from "./types.js";

/**
 * Issue 5 bench: one agent's scrape stack (the scrape handler plus the merged /metrics server, exactly what
 * `startAgent` runs, without Redis) scraping 200 targets × 500 series. The targets are 200 HTTP servers on
 * 127.0.1.1–127.0.1.200 in a child process, so the CPU figure is the agent's alone. Baseline for the merge,
 * measured in the same run: plain concatenation of the same 200 bodies into one buffer
 * (bench/support/merge-vs-concat.ts).
 */

const TARGETS = 200;
const SERIES = 500;

const TARGETS_SOURCE = `
import http from "node:http";
const targets = Number(process.argv[1]);
const series = Number(process.argv[2]);
function body(t) {
  let out = "";
  const families = series / 50;
  for (let f = 0; f < families; f++) {
    const name = "bench_family_" + f + "_total";
    out += "# HELP " + name + " Synthetic counter " + f + ".\\n# TYPE " + name + " counter\\n";
    for (let i = 0; i < 50; i++) {
      out += name + '{path="/api/v1/resource/' + i + '",method="GET",code="' + (200 + (i % 5)) + '"} ' + (t * 1000 + f * 50 + i) + "\\n";
    }
  }
  return Buffer.from(out);
}
const addresses = [];
for (let t = 0; t < targets; t++) {
  const payload = body(t);
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4", "content-length": payload.length });
    res.end(payload);
  });
  server.keepAliveTimeout = 60000;
  const host = "127.0.1." + (t + 1);
  await new Promise((r) => server.listen(0, host, r));
  addresses.push(host + ":" + server.address().port);
}
process.stdout.write(JSON.stringify(addresses) + "\\n");
`;

/** GET with a minimal client (counts bytes, decodes nothing) so that the figure is the server's latency. */
function getBytes(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let n = 0;
      res.on("data", (chunk: Buffer) => {
        n += chunk.length;
      });
      res.on("end", () => resolve(n));
      res.on("error", reject);
    }).on("error", reject);
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
}

async function startTargets(): Promise<{ child: ChildProcess; addresses: string[] }> {
  const child = spawn(
    process.execPath,
    ["--input-type=module", "-e", TARGETS_SOURCE, String(TARGETS), String(SERIES)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, "line")) as [string];
  return { child, addresses: JSON.parse(line) as string[] };
}

export async function run(): Promise<BenchResult[]> {
  const quick = benchQuick();
  const cycles = quick ? 3 : 10;
  const requests = quick ? 20 : 100;
  const { child, addresses } = await startTargets();
  const logger = pino({ level: "silent" });
  const registry = new Registry();
  const handler = createScrapeHandler({ logger, concurrency: 32, registry, firstScrapeDelayMs: () => 3_600_000 });
  const targets: ScrapeTarget[] = addresses.map((address, i) => ({
    // Every task's container listens on 8080 (bridge mode maps it to a dynamic host port), as on a real node.
    id: `arn:aws:ecs:us-east-1:123456789012:task/bench/${i.toString(16).padStart(32, "0")}/app/8080/metrics`,
    address,
    scheme: "http",
    metricsPath: "/metrics",
    labels: {
      cluster: "bench",
      service: `svc-${i % 20}`,
      task_family: `fam-${i % 20}`,
      task_revision: "7",
      task_id: i.toString(16).padStart(32, "0"),
      container_name: "app",
    },
  }));
  const job = benchSyncJob({
    scrape: { intervalMs: 300_000, timeoutMs: 10_000, maxBodyBytes: 10 * 1024 * 1024, targets },
  });
  const server = await startMetricsServer({
    host: "127.0.0.1",
    port: 0,
    registry,
    scrape: handler,
    notReadyReason: () => undefined,
  });
  try {
    await handler.apply(job);
    await handler.scrapeAll(); // warm-up: connections, JIT
    const cycleCpu: number[] = [];
    const cycleWall: number[] = [];
    for (let c = 0; c < cycles; c++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await handler.scrapeAll();
      cycleWall.push(performance.now() - t0);
      const cpu = process.cpuUsage(cpu0);
      cycleCpu.push((cpu.user + cpu.system) / 1e6);
    }
    const up = handler.views().filter((v) => v.up === 1).length;

    const latencies: number[] = [];
    let bytes = 0;
    for (let i = 0; i < requests; i++) {
      const t0 = performance.now();
      bytes = await getBytes(server.url);
      latencies.push(performance.now() - t0);
    }
    const rss = process.memoryUsage().rss;

    // The merge against plain concatenation of the same input bodies (issue 19 part 7), interleaved round by
    // round so that load on the shared machine hits all of them alike; medians. See mergeFigures.
    const bodies = await Promise.all(
      addresses.map(async (a) => Buffer.from(await (await fetch(`http://${a}/metrics`)).arrayBuffer())),
    );
    await handler.scrapeAll();
    const snapshots = handler.snapshots();
    if (snapshots.length !== TARGETS + 1)
      throw new Error(`expected ${TARGETS} fresh snapshots, got ${snapshots.length - 1}`);
    const merge = measureMerge(bodies, snapshots, quick ? 15 : 61);
    const renderStart = performance.now();
    await renderMergedMetrics(registry, handler);
    const renderMs = performance.now() - renderStart;

    const note = `${TARGETS} targets × ${SERIES} series, ${up}/${TARGETS} up`;
    return [
      {
        area: "scrape",
        name: "merged /metrics latency p50",
        value: median(latencies),
        unit: "ms",
        note: `${(bytes / 1e6).toFixed(1)} MB body; ${note}`,
      },
      {
        area: "scrape",
        name: "merged /metrics latency p99",
        value: percentile(latencies, 99),
        unit: "ms",
        note: `${requests} sequential GETs`,
      },
      {
        area: "scrape",
        name: "agent CPU per scrape cycle",
        value: median(cycleCpu),
        unit: "cpu-s",
        note: `median of ${cycles} cycles; ${note}`,
      },
      {
        area: "scrape",
        name: "scrape cycle wall time",
        value: median(cycleWall),
        unit: "ms",
        note: "all 200 targets, concurrency 32",
      },
      {
        area: "scrape",
        name: "agent RSS",
        value: Math.round(rss / 1024 / 1024),
        unit: "MiB",
        note: "after the cycles and /metrics requests",
      },
      ...mergeFigures(merge, renderMs),
    ];
  } finally {
    await handler.stop();
    await server.app.close();
    child.kill("SIGTERM");
  }
}
