import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningAgent, startAgent } from "../../agents/agent.js";
import { loadConfig } from "../../lib/config.js";
import { startTargetServer, type TargetServer } from "../helpers/metrics-targets.js";
import { type PrometheusServer, startPrometheus } from "../helpers/prometheus-server.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { syncJob, target } from "../helpers/sync-job.js";
import { until } from "../helpers/until.js";

const logger = pino({ level: "silent" });
const TEXT = `# HELP orders_total Orders.
# TYPE orders_total counter
orders_total{status="ok",cluster="theirs"} 12
# HELP latency_seconds Latency.
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 3
latency_seconds_bucket{le="+Inf"} 4
latency_seconds_sum 0.9
latency_seconds_count 4
`;
const OM = `# TYPE orders counter
# HELP orders Orders.
orders_total{status="failed"} 2 # {trace_id="abc"} 1.0
orders_created{status="failed"} 1700000000
# TYPE build info
build_info{version="2.0"} 1
# EOF
`;

describe("a real Prometheus scrapes the agent", () => {
  let redis: RedisServer;
  let targets: TargetServer;
  let agent: RunningAgent;
  let prometheus: PrometheusServer | undefined;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    targets = await startTargetServer({
      "/metrics": { body: TEXT },
      "/om": { body: OM, headers: { "content-type": "application/openmetrics-text; version=1.0.0" } },
    });
    const nodeId = `node-${randomUUID().slice(0, 8)}`;
    const config = loadConfig({
      REDIS_URL: redis.url,
      ECSMON_CLUSTER: "prom-cluster",
      ECSMON_NODE_ID: nodeId,
      ECSMON_AGENT_BIND: "127.0.0.1:0",
      LOG_LEVEL: "silent",
    });
    agent = await startAgent({ config, logger, firstScrapeDelayMs: () => 0 });
    await agent.scrape.apply(
      syncJob(
        nodeId,
        1,
        [
          target("svc-a/app/8080/metrics", targets.address, "/metrics", {
            cluster: "prom-cluster",
            service: "svc-a",
            task_family: "fam",
            task_revision: "3",
            team: "blue",
          }),
          target("svc-b/app/9090/om", targets.address, "/om", {
            cluster: "prom-cluster",
            service: "svc-b",
            task_family: "fam",
            task_revision: "3",
          }),
        ],
        { intervalMs: 500, timeoutMs: 400 },
        "prom-cluster",
      ),
    );
    await agent.scrape.scrapeAll();

    dir = await mkdtemp(join(tmpdir(), "ecsmon-prom-"));
    const agentTarget = new URL(agent.metricsUrl).host;
    prometheus = await startPrometheus(
      dir,
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: ecsmon-agent\n    static_configs:\n      - targets: ["${agentTarget}"]\n`,
    );
  });

  afterAll(async () => {
    await prometheus?.stop();
    await agent?.stop();
    await targets?.close();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const response = await fetch(`${prometheus!.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as {
      status: string;
      data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
    return body.data.result;
  }

  it("the merged /metrics, including the agent's own metrics, passes promtool check metrics", async () => {
    const text = await (await fetch(agent.metricsUrl)).text();
    const result = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(`${result.stdout}${result.stderr}`).toBe("");
    expect(result.status).toBe(0);
    expect(text.match(/^# TYPE orders_total counter$/gm)).toHaveLength(1);
  });

  it("gzips /metrics for clients that accept it", async () => {
    const plain = await (await fetch(agent.metricsUrl, { headers: { "accept-encoding": "identity" } })).text();
    const { encoding, body } = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      get(agent.metricsUrl, { headers: { "accept-encoding": "gzip" } }, (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () => resolve({ encoding: res.headers["content-encoding"], body: Buffer.concat(parts) }));
      }).on("error", reject);
    });
    expect(encoding).toBe("gzip");
    const unzipped = gunzipSync(body).toString("utf8");
    expect(unzipped.match(/^# TYPE orders_total counter$/gm)).toHaveLength(1);
    expect(unzipped.length).toBeGreaterThan(plain.length / 2);
  });

  it("Prometheus sees up == 1 per target and the injected labels", async () => {
    const ups = await until(
      "up series in Prometheus",
      async () => {
        const r = await query('up{cluster="prom-cluster",service=~"svc-.*"} == 1');
        return r.length === 2 ? r : undefined;
      },
      30_000,
      250,
    );
    expect(ups.map((r) => r.metric.service).sort()).toEqual(["svc-a", "svc-b"]);
    expect(ups[0]?.metric).toMatchObject({
      job: "ecsmon-agent",
      task_family: "fam",
      task_revision: "3",
      container_name: "app",
    });
    const orders = await query('orders_total{service="svc-a"}');
    expect(orders).toHaveLength(1);
    expect(orders[0]?.metric).toMatchObject({
      exported_cluster: "theirs",
      cluster: "prom-cluster",
      team: "blue",
      status: "ok",
    });
    expect(orders[0]?.value[1]).toBe("12");
    const om = await query('orders_total{service="svc-b"}');
    expect(om[0]?.value[1]).toBe("2");
    const agentUp = await query('up{job="ecsmon-agent",service=""}');
    expect(agentUp[0]?.value[1]).toBe("1");
  });
});
