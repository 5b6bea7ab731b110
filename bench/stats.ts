import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import Dockerode from "dockerode";
import { pino } from "pino";
import { Registry } from "prom-client";
import { createStatsHandler } from "../agents/stats/stats-handler.js";
import { type NodeSyncJob, STATS_METRICS, type StatsAssignment } from "../crds-like-schemas/index.js";
import { benchQuick } from "../lib/config.js";
import { benchSyncJob } from "./support/sync-job.js";
import type { BenchResult } from "./types.js";

/**
 * Issue 6 bench: 50 containers on one node, 1 s period, against a loopback endpoint that speaks both the
 * Docker stats API and CloudWatch PutMetricData (AWS JSON 1.0). The endpoint runs in a child process so that
 * the agent's CPU figure is the agent's alone. Baseline, measured in the same run: seed 000 (ESP), one
 * PutMetricData per container per second.
 */

const CONTAINERS = 50;

/**
 * The child: synthetic, monotonic Docker stats per container on one port, and CloudWatch on another: the
 * simulator's (sim/aws/server.ts + services/cloudwatch.ts, which validates every datum like AWS) when it is
 * built next to this file, else a bare endpoint that accepts PutMetricData. GET /_count on the Docker port
 * reports PutMetricData calls and accepted datums.
 */
const ENDPOINT_SOURCE = `
import http from "node:http";
import { gunzipSync } from "node:zlib";
const [serverModule, cloudwatchModule] = JSON.parse(process.argv[1] || "[]");
let calls = 0, datums = 0, rejected = 0;
let count = () => ({ calls, datums, rejected });
let cloudwatchUrl;
if (serverModule) {
  const { startAwsServer } = await import(serverModule);
  const { createCloudWatchService } = await import(cloudwatchModule);
  const cw = createCloudWatchService();
  const aws = await startAwsServer({ services: [cw], host: "127.0.0.1", port: 0 });
  cloudwatchUrl = aws.url;
  count = () => ({
    calls: aws.counters.total({ service: "monitoring", operation: "PutMetricData" }),
    datums: cw.store.acceptedCount(),
    rejected: aws.counters.total({ service: "monitoring", operation: "PutMetricData", outcome: "client_error" }),
    simulator: true,
  });
}
const boot = Date.now() - 3_600_000;
function stats(id, now) {
  const t = (now - boot) / 1000;
  const n = Number(id.slice(1)) || 0;
  return {
    read: new Date(now).toISOString(), preread: "0001-01-01T00:00:00Z",
    cpu_stats: { cpu_usage: { total_usage: Math.round(t * 1e9 * (0.05 + n / 500)) }, system_cpu_usage: Math.round(t * 2e9), online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: 0 } },
    memory_stats: { usage: 100e6 + n * 1e6, limit: 8e9, stats: { inactive_file: 10e6 } },
    networks: { eth0: { rx_bytes: Math.round(t * 1000 * (n + 1)), tx_bytes: Math.round(t * 500 * (n + 1)) } },
    blkio_stats: { io_service_bytes_recursive: [{ op: "read", value: Math.round(t * 4096) }, { op: "write", value: Math.round(t * 8192) }] },
  };
}
const server = http.createServer((req, res) => {
  const m = /^\\/containers\\/([^/]+)\\/stats/.exec(req.url);
  if (m) { res.writeHead(200, { "content-type": "application/json" }); res.end(JSON.stringify(stats(m[1], Date.now()))); return; }
  if (req.url === "/_count") { res.writeHead(200); res.end(JSON.stringify(count())); return; }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    calls++;
    let body = Buffer.concat(chunks);
    if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
    try { datums += (JSON.parse(body.toString()).MetricData || []).length; } catch {}
    res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
    res.end("{}");
  });
});
server.listen(0, "127.0.0.1", () => {
  const docker = "http://127.0.0.1:" + server.address().port;
  console.log(JSON.stringify({ docker, cloudwatch: cloudwatchUrl || docker }));
});
`;

/** The simulator's CloudWatch modules next to this (compiled) file, when present. */
function simulatorModules(): string[] {
  const server = new URL("../sim/aws/server.js", import.meta.url);
  const cloudwatch = new URL("../sim/aws/services/cloudwatch.js", import.meta.url);
  return existsSync(fileURLToPath(server)) && existsSync(fileURLToPath(cloudwatch))
    ? [server.href, cloudwatch.href]
    : [];
}

async function startEndpoint(): Promise<{ child: ChildProcess; docker: string; cloudwatch: string }> {
  const child = spawn(
    process.execPath,
    ["--input-type=module", "-e", ENDPOINT_SOURCE, JSON.stringify(simulatorModules())],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, "line")) as [string];
  const urls = JSON.parse(line) as { docker: string; cloudwatch: string };
  return { child, ...urls };
}

interface Counts {
  calls: number;
  datums: number;
  rejected: number;
  simulator?: boolean;
}

async function counts(dockerUrl: string): Promise<Counts> {
  return (await (await fetch(`${dockerUrl}/_count`)).json()) as Counts;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function cloudwatchFor(url: string): CloudWatchClient {
  return new CloudWatchClient({
    region: "us-east-1",
    endpoint: url,
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    maxAttempts: 3,
  });
}

const assignments: StatsAssignment[] = Array.from({ length: CONTAINERS }, (_, i) => ({
  taskArn: `arn:aws:ecs:us-east-1:000000000000:task/bench/t${i}`,
  taskId: `t${i}`,
  family: "bench",
  revision: 1,
  serviceName: `svc-${i % 5}`,
  taskCpuUnits: 256,
  taskMemoryMiB: 512,
  containers: [{ name: "app", runtimeId: `c${i}`, cpuUnits: 256, memoryLimitMiB: 512 }],
}));

function job(): NodeSyncJob {
  return benchSyncJob({
    stats: {
      enabled: true,
      namespace: "Bench/Stats",
      periodMs: 1_000,
      metrics: [...STATS_METRICS],
      dimensions: ["ClusterName", "ServiceName", "TaskId", "ContainerName"],
      cpuMode: "reserved",
      containers: [],
      assignments,
    },
  });
}

/** ecsmon: one agent, all containers, folded into about one call per second. */
async function runEcsmon(endpoint: { docker: string; cloudwatch: string }, seconds: number) {
  const latencies: number[] = [];
  const cloudwatch = cloudwatchFor(endpoint.cloudwatch);
  const handler = createStatsHandler({
    cloudwatch,
    docker: new Dockerode({ protocol: "http", host: "127.0.0.1", port: Number(new URL(endpoint.docker).port) }),
    logger: pino({ level: "silent" }),
    registry: new Registry(),
    publisher: {
      onPublished: (samples, at) => {
        for (const s of samples) latencies.push(at - s.collectedAtMs);
      },
    },
  });
  await handler.apply(job());
  // Warm-up: the first read of each container has no CPU/rate baseline.
  await sleep(2_000);
  const before = await counts(endpoint.docker);
  latencies.length = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await sleep(seconds * 1000);
  const elapsedS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const after = await counts(endpoint.docker);
  await handler.stop();
  cloudwatch.destroy();
  latencies.sort((a, b) => a - b);
  return {
    callsPerMinute: ((after.calls - before.calls) / elapsedS) * 60,
    datumsPerCall: (after.datums - before.datums) / Math.max(1, after.calls - before.calls),
    rejected: after.rejected - before.rejected,
    simulator: after.simulator === true,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuPercent: ((cpu.user + cpu.system) / 1000 / (elapsedS * 1000)) * 100,
  };
}

/** Seed 000: every container's sidecar sends its own PutMetricData every second. */
async function runEspBaseline(url: string, seconds: number) {
  const cloudwatch = cloudwatchFor(url);
  let sent = 0;
  const timers = assignments.map((a, i) =>
    setInterval(() => {
      sent++;
      void cloudwatch
        .send(
          new PutMetricDataCommand({
            Namespace: "ESP",
            MetricData: [
              {
                MetricName: "CPUUtilization",
                Value: i,
                Unit: "Percent",
                StorageResolution: 1,
                Dimensions: [{ Name: "ContainerName", Value: a.taskId }],
              },
              {
                MetricName: "MemoryUtilization",
                Value: i,
                Unit: "Percent",
                StorageResolution: 1,
                Dimensions: [{ Name: "ContainerName", Value: a.taskId }],
              },
            ],
          }),
        )
        .catch(() => {});
    }, 1_000),
  );
  // Same warm-up as ecsmon's run, then a steady-state window.
  await sleep(2_000);
  const sentBefore = sent;
  const started = performance.now();
  await sleep(seconds * 1000);
  const elapsedS = (performance.now() - started) / 1000;
  const calls = sent - sentBefore;
  for (const t of timers) clearInterval(t);
  cloudwatch.destroy();
  return { callsPerMinute: (calls / elapsedS) * 60 };
}

export async function run(): Promise<BenchResult[]> {
  const quick = benchQuick();
  const seconds = quick ? 15 : 60;
  const { child, ...endpoint } = await startEndpoint();
  try {
    const ours = await runEcsmon(endpoint, seconds);
    const esp = await runEspBaseline(endpoint.cloudwatch, quick ? 5 : 10);
    const target = ours.simulator ? "simulator CloudWatch" : "loopback PutMetricData endpoint";
    const note = `${CONTAINERS} containers × 6 metrics, 1 s period, ${seconds} s, ${target}${quick ? " (BENCH_QUICK)" : ""}`;
    return [
      {
        area: "stats",
        name: "PutMetricData calls per minute (one node)",
        value: Math.round(ours.callsPerMinute),
        unit: "calls/min",
        goal: "≤ 60",
        note,
      },
      {
        area: "stats",
        name: "ESP baseline calls per minute (same run)",
        value: Math.round(esp.callsPerMinute),
        unit: "calls/min",
        note: "seed 000: one call per container per second",
      },
      {
        area: "stats",
        name: "calls vs ESP baseline",
        value: Number((ours.callsPerMinute / esp.callsPerMinute).toFixed(4)),
        unit: "ratio",
        note: `${(esp.callsPerMinute / Math.max(1, ours.callsPerMinute)).toFixed(0)}× fewer calls`,
      },
      {
        area: "stats",
        name: "datums per PutMetricData call",
        value: Math.round(ours.datumsPerCall),
        unit: "datums",
        note: `≤ 1000 per call; ${ours.rejected} call(s) rejected by CloudWatch`,
      },
      { area: "stats", name: "sample-to-publish latency p50", value: Math.round(ours.p50), unit: "ms" },
      { area: "stats", name: "sample-to-publish latency p99", value: Math.round(ours.p99), unit: "ms", goal: "≤ 2000" },
      {
        area: "stats",
        name: "agent CPU",
        value: Number(ours.cpuPercent.toFixed(2)),
        unit: "% of one core",
        note: "stats handler + publisher only",
      },
    ];
  } finally {
    child.kill();
  }
}
