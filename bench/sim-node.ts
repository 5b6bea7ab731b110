import { Agent, get } from "node:http";
import { benchQuick } from "../lib/config.js";
import { startNodeSurfaces } from "../sim/node/node-surfaces.js";
import { ClusterStore } from "../sim/state/cluster-store.js";
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
  // The simulator's own store, with synchronous lifecycle steps: one m5.4xlarge, 50 bridge tasks on it.
  const store = new ClusterStore({ transitionDelayMs: 0 });
  store.createCluster("bench");
  const instance = store.registerContainerInstance({ cluster: "bench", instanceType: "m5.4xlarge" });
  store.registerTaskDefinition({
    family: "web",
    networkMode: "bridge",
    containerDefinitions: [
      {
        name: "app",
        image: "example/web:latest",
        memory: 256,
        portMappings: [{ containerPort: 8080, hostPort: 0, protocol: "tcp" }],
        dockerLabels: { PROMETHEUS_SCRAPES: "8080", SIM_SERIES: "500" },
      },
      { name: "sidecar", image: "example/web:latest", memory: 64 },
    ],
  });
  const tasks = Array.from({ length: 5 }, () =>
    store.runTask({ cluster: "bench", taskDefinition: "web", count: 10 }),
  ).flatMap((r) => r.tasks);
  if (tasks.length !== 50) throw new Error(`sim-node bench: placed ${tasks.length} of 50 tasks`);
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
  store.close();
  results.push({
    area: AREA,
    name: "workloads start, 50 targets",
    value: Number(median(startTimes).toFixed(1)),
    unit: "ms",
    goal: "quick for ~100 targets",
  });
  return results;
}
