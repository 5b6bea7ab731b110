import { Agent, get } from "node:http";
import { benchQuick } from "../lib/config.js";
import { startNodeSurfaces } from "../sim/node/node-surfaces.js";
import { FakeClusterStore } from "../sim/node/testing/fake-cluster-store.js";
import { startWorkloads } from "../sim/workloads/workload-manager.js";
import type { BenchResult } from "./types.js";

/**
 * Node surfaces and workloads (issue 3): Docker API and task metadata throughput on a node running 50 tasks
 * (100 containers), and the workload fleet's start-up and scrape latency. Baselines measured in the same run:
 * `GET /_ping` on the same server (the HTTP floor) for the Docker figures.
 */

const AREA = "sim";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function request(url: string, agent: Agent, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent, headers }, (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => {
        bytes += c.length;
      });
      res.on("end", () => resolve(bytes));
      res.on("error", reject);
    }).on("error", reject);
  });
}

/** Requests per second over `durationMs` with `concurrency` keep-alive workers. */
async function throughput(url: string, durationMs: number, concurrency = 8): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let done = 0;
  const deadline = Date.now() + durationMs;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        await request(url, agent);
        done++;
      }
    }),
  );
  agent.destroy();
  return done / ((Date.now() - started) / 1000);
}

export async function run(): Promise<BenchResult[]> {
  const quick = benchQuick();
  const durationMs = quick ? 500 : 2_000;
  const store = new FakeClusterStore("bench");
  const instance = store.addInstance(241);
  const def = store.addTaskDefinition("web", "bridge", [
    {
      name: "app",
      memory: 256,
      portMappings: [{ containerPort: 8080, protocol: "tcp" }],
      dockerLabels: { PROMETHEUS_SCRAPES: "8080", SIM_SERIES: "500" },
    },
    { name: "sidecar", memory: 64 },
  ]);
  const tasks = Array.from({ length: 50 }, (_, i) => store.addTask(def, { instance, hostPorts: { 8080: 42_000 + i } }));
  const surfaces = await startNodeSurfaces(store, instance);
  const results: BenchResult[] = [];
  try {
    const ping = await throughput(`${surfaces.dockerHttpUrl}/_ping`, durationMs);
    const filters = encodeURIComponent(JSON.stringify({ label: ["PROMETHEUS_SCRAPES"] }));
    const list = await throughput(`${surfaces.dockerHttpUrl}/containers/json?filters=${filters}`, durationMs);
    const statsUrl = `${surfaces.dockerHttpUrl}/containers/${tasks[0]!.containers[0]!.runtimeId}/stats?stream=false`;
    const stats = await throughput(statsUrl, durationMs);
    const taskStats = await throughput(`${surfaces.metadataUrl(tasks[0]!.taskArn)}/task/stats`, durationMs);
    results.push(
      { area: AREA, name: "node docker GET /_ping (baseline)", value: Math.round(ping), unit: "req/s" },
      {
        area: AREA,
        name: "node docker list containers, label filter, 100 containers",
        value: Math.round(list),
        unit: "req/s",
        note: `${(list / ping).toFixed(2)}× the /_ping baseline`,
      },
      {
        area: AREA,
        name: "node docker stats stream=false",
        value: Math.round(stats),
        unit: "req/s",
        note: `${(stats / ping).toFixed(2)}× the /_ping baseline`,
      },
      { area: AREA, name: "node task metadata /task/stats", value: Math.round(taskStats), unit: "req/s" },
    );
  } finally {
    await surfaces.close();
  }

  const startTimes: number[] = [];
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    const started = performance.now();
    const manager = startWorkloads(store);
    await manager.ready();
    startTimes.push(performance.now() - started);
    if (round === 0) {
      const agent = new Agent({ keepAlive: true });
      const url = manager.endpoints()[0]!.url;
      const latencies: number[] = [];
      const gzipLatencies: number[] = [];
      let bytes = 0;
      for (let i = 0; i < (quick ? 20 : 100); i++) {
        let t = performance.now();
        bytes = await request(url, agent);
        latencies.push(performance.now() - t);
        t = performance.now();
        await request(url, agent, { "accept-encoding": "gzip" });
        gzipLatencies.push(performance.now() - t);
      }
      agent.destroy();
      results.push(
        {
          area: AREA,
          name: "workload scrape, 500 series",
          value: Number(median(latencies).toFixed(2)),
          unit: "ms",
          note: `${bytes} bytes`,
        },
        {
          area: AREA,
          name: "workload scrape, 500 series, gzip",
          value: Number(median(gzipLatencies).toFixed(2)),
          unit: "ms",
        },
      );
    }
    await manager.close();
  }
  results.push({
    area: AREA,
    name: "workloads start, 50 targets",
    value: Number(median(startTimes).toFixed(1)),
    unit: "ms",
    goal: "quick for ~100 targets",
  });
  return results;
}
