import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync, gzipSync } from "node:zlib";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { type RedisServer, startRedisServer } from "../../test/helpers/redis-server.js";
import type { DesiredTarget } from "../model.js";
import { ControllerMetrics } from "./controller-metrics.js";
import { EMPTY_FILE_SD, FileSdWriter } from "./file-sd-writer.js";
import { httpSdGzip, type SdSnapshot, SdStore, snapshotGroups } from "./sd-store.js";
import { sdDocument, type TargetGroup, toTargetGroups } from "./target-groups.js";

const run = promisify(execFile);
let server: RedisServer;
let redis: Redis;
let dir: string;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
  dir = await mkdtemp(join(tmpdir(), "ecsmon-outputs-"));
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const desired = (n: number, labels: Record<string, string> = {}): DesiredTarget => ({
  target: {
    id: `task/t${n}/app/9${n}00/metrics`,
    address: `10.0.0.${n}:9${n}00`,
    scheme: n % 2 ? "http" : "https",
    metricsPath: n % 2 ? "/metrics" : "/internal/metrics",
    labels: { cluster: "demo", container_name: "app", ...labels },
  },
  cluster: "demo",
  nodeId: "n1",
  meta: { __meta_ecs_cluster: "demo", __meta_ecs_task_arn: `task/t${n}` },
});

describe("toTargetGroups", () => {
  it("emits one group per target with meta, labels, __scheme__ and __metrics_path__, sorted by id", () => {
    const groups = toTargetGroups([desired(2), desired(1, { team: "a", "bad-name": "x", __address__: "evil:1" })]);
    expect(groups).toEqual([
      {
        targets: ["10.0.0.1:9100"],
        labels: {
          __meta_ecs_cluster: "demo",
          __meta_ecs_task_arn: "task/t1",
          cluster: "demo",
          container_name: "app",
          team: "a",
          __scheme__: "http",
          __metrics_path__: "/metrics",
        },
      },
      expect.objectContaining({
        targets: ["10.0.0.2:9200"],
        labels: expect.objectContaining({ __scheme__: "https", __metrics_path__: "/internal/metrics" }),
      }),
    ]);
  });
});

/** Every group of a snapshot, collected. */
async function parseGroups(snapshot: SdSnapshot): Promise<TargetGroup[]> {
  const groups: TargetGroup[] = [];
  for await (const group of snapshotGroups(snapshot)) groups.push(group);
  return groups;
}

describe("FileSdWriter", () => {
  it("writes atomically, only on change, and the result passes promtool", async () => {
    const path = join(dir, `sd-${randomUUID()}.yaml`);
    const writer = new FileSdWriter(path);
    // Values YAML would read as other types or reject unquoted, and characters it must see escaped.
    const tricky = {
      on: "yes",
      null: "~",
      n: "1e3",
      colon: "a: b #c",
      dash: "- x",
      ctl: "\u0085\u007f\ufeff\t\n",
      q: '"\\',
    };
    const groups = toTargetGroups([desired(1), desired(2, { team: "b", ...tricky })]);
    expect(await writer.write(groups)).toBe(true);
    const first = await stat(path);
    expect(await writer.write(groups)).toBe(false);
    expect((await stat(path)).mtimeMs).toBe(first.mtimeMs);
    expect(parse(await readFile(path, "utf8"))).toEqual(groups);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    const config = join(dir, `prom-${randomUUID()}.yml`);
    await writeFile(
      config,
      `scrape_configs:\n  - job_name: ecs\n    file_sd_configs:\n      - files: [${JSON.stringify(path)}]\n`,
    );
    const { stdout } = await run("promtool", ["check", "config", config]);
    expect(stdout).toContain("SUCCESS");

    const fresh = new FileSdWriter(path);
    expect(await fresh.write(groups)).toBe(false);
    expect(await fresh.write(toTargetGroups([desired(3)]))).toBe(true);
  });

  it("streams many groups from an async source", async () => {
    const path = join(dir, `many-${randomUUID()}.yaml`);
    const groups = toTargetGroups(Array.from({ length: 2_000 }, (_, i) => desired(i + 1, { team: `team-${i}` })));
    async function* source() {
      yield* groups;
    }
    expect(await new FileSdWriter(path).write(source())).toBe(true);
    expect(parse(await readFile(path, "utf8"))).toEqual(groups);
  });

  it("leaves the old file in place when the write fails", async () => {
    const path = join(dir, `missing-${randomUUID()}`, "sd.yaml");
    const writer = new FileSdWriter(path);
    await expect(writer.write(toTargetGroups([desired(1)]))).rejects.toThrow();

    // A source that fails halfway (a corrupt group in Redis) leaves the previous file and no temporary file.
    const kept = join(dir, `kept-${randomUUID()}.yaml`);
    const keeper = new FileSdWriter(kept);
    await keeper.write(toTargetGroups([desired(1)]));
    const before = await readFile(kept, "utf8");
    async function* failing() {
      yield* toTargetGroups(Array.from({ length: 1_000 }, (_, i) => desired(i + 1)));
      throw new Error("corrupt group");
    }
    await expect(keeper.write(failing())).rejects.toThrow("corrupt group");
    expect(await readFile(kept, "utf8")).toBe(before);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const empty = join(dir, `empty-${randomUUID()}.yaml`);
    expect(await new FileSdWriter(empty).write([])).toBe(true);
    expect(await readFile(empty, "utf8")).toBe(EMPTY_FILE_SD);
  });
});

describe("SdStore", () => {
  it("stores complete groups per cluster, fenced, and merges them for every replica", async () => {
    const prefix = `t-${randomUUID()}`;
    const store = new SdStore(redis, prefix);
    const fence = { assertHeld: async () => 1 };
    expect(await store.put("a", sdDocument([desired(1)]), fence)).toBe(true);
    expect(await store.put("a", sdDocument([desired(1)]), fence)).toBe(false);
    expect(await store.put("b", sdDocument([desired(2)]), fence)).toBe(true);
    const reader = new SdStore(redis, prefix);
    expect((await parseGroups(await reader.snapshot(["a", "b", "c"]))).map((g) => g.targets[0])).toEqual([
      "10.0.0.1:9100",
      "10.0.0.2:9200",
    ]);
    const lost = { assertHeld: async () => Promise.reject(new Error("lease lost")) };
    await expect(reader.put("a", sdDocument([]), lost)).rejects.toThrow("lease lost");
    expect(await parseGroups(await reader.snapshot(["a"]))).toHaveLength(1);

    await redis.del(store.key("a"));
    expect((await parseGroups(await reader.snapshot(["a", "b"]))).map((g) => g.targets[0])).toEqual([
      "10.0.0.1:9100",
      "10.0.0.2:9200",
    ]);
    expect(await parseGroups(await new SdStore(redis, prefix).snapshot(["a", "b"]))).toHaveLength(1);
  });

  it("serves http_sd from the stored JSON, re-reads a body only when its digest changes, and ignores corrupt ones", async () => {
    const prefix = `t-${randomUUID()}`;
    const writer = new SdStore(redis, prefix);
    const fence = { assertHeld: async () => 1 };
    await writer.put("a", sdDocument([desired(1)]), fence);
    await writer.put("empty", sdDocument([]), fence);
    await writer.put("b", sdDocument([desired(2), desired(3)]), fence);
    const reader = new SdStore(redis, prefix);
    const first = await reader.snapshot(["a", "empty", "b"]);
    const served = JSON.parse(gunzipSync(await httpSdGzip(first)).toString("utf8"));
    expect(served).toEqual(toTargetGroups([desired(1), desired(2), desired(3)]));
    expect(await parseGroups(first)).toEqual(served);
    expect(sdDocument([desired(2), desired(1)]).digest).toBe(sdDocument([desired(1), desired(2)]).digest);
    const many = Array.from({ length: 2_000 }, (_, i) => desired(i + 1, { team: `team-${i}` }));
    const streamed = gunzipSync(await sdDocument(many).gzip()).toString("utf8");
    expect(streamed).toBe(JSON.stringify(toTargetGroups(many)));
    expect(sdDocument([desired(1)]).digest).not.toBe(sdDocument([desired(1, { team: "b" })]).digest);
    expect((await reader.snapshot(["a", "empty", "b"])).revision).toBe(first.revision);

    await redis.set(writer.key("a"), "{not json");
    await redis.set(writer.digestKey("a"), "changed");
    const corrupt = await reader.snapshot(["a", "empty", "b"]);
    expect(corrupt.clusters.get("a")?.gzip).toBe(first.clusters.get("a")?.gzip);
    const valid = gzipSync(JSON.stringify(toTargetGroups([desired(5)])));
    const unusable = [
      gzipSync('{"targets": []}'), // gzip, but not a JSON array
      valid.subarray(0, valid.length - 4), // truncated: gzip's length check fails
      Buffer.concat([valid.subarray(0, valid.length - 8), Buffer.alloc(8)]), // CRC and length zeroed
    ];
    for (const [i, body] of unusable.entries()) {
      await redis.multi().set(writer.key("a"), body).set(writer.digestKey("a"), `bad-${i}`).exec();
      expect((await reader.snapshot(["a"])).clusters.get("a")?.gzip).toBe(first.clusters.get("a")?.gzip);
    }
    await redis.multi().set(writer.key("a"), valid).set(writer.digestKey("a"), "good").exec();
    expect((await parseGroups(await reader.snapshot(["a"]))).map((g) => g.targets[0])).toEqual(["10.0.0.5:9500"]);

    expect(await writer.put("a", sdDocument([desired(4)]), fence)).toBe(true);
    // The writer serves what it wrote without reading it back.
    const reads = vi.spyOn(redis, "getBuffer");
    expect((await parseGroups(await writer.snapshot(["a"]))).map((g) => g.targets[0])).toEqual(["10.0.0.4:9400"]);
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
    const changed = await reader.snapshot(["a", "empty", "b"]);
    expect(changed.revision).not.toBe(first.revision);
    expect((await parseGroups(changed)).map((g) => g.targets[0])).toEqual([
      "10.0.0.4:9400",
      "10.0.0.2:9200",
      "10.0.0.3:9300",
    ]);
  });
});

describe("ControllerMetrics", () => {
  it("initialises every reconcile label combination and replaces service gauges", async () => {
    const registry = new Registry();
    const metrics = new ControllerMetrics(registry);
    const text = await registry.metrics();
    for (const result of ["success", "requeue_after", "requeue", "error", "lease_lost"]) {
      expect(text).toContain(`ecsmon_reconcile_total{controller="cluster",result="${result}"} 0`);
      expect(text).toContain(`ecsmon_reconcile_duration_seconds_count{result="${result}"} 0`);
    }
    expect(text).toContain('ecsmon_reconcile_terminal_errors_total{controller="cluster"} 0');
    metrics.setServices("demo", [
      { cluster: "demo", service: "web", desired: 3, running: 2, pending: 1 },
      { cluster: "demo", service: "api", desired: 1, running: 1, pending: 0 },
    ]);
    metrics.setServices("demo", [{ cluster: "demo", service: "web", desired: 3, running: 3, pending: 0 }]);
    const after = await registry.metrics();
    expect(after).toContain('ecs_service_running_tasks{cluster="demo",service="web"} 3');
    expect(after).not.toContain('service="api"');
    metrics.forgetCluster("demo");
    expect(await registry.metrics()).not.toContain('cluster="demo"');
  });
});
