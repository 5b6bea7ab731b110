import { execFile } from "node:child_process";
import { appendFileSync, readFileSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { freePort } from "../../lib/net.js";
import { fromRoot } from "../../lib/paths.js";
import { demoScenario } from "../helpers/demo-expected.js";
import { type DockerEngine, startDockerEngine } from "../helpers/docker-engine.js";
import type { PrometheusTarget } from "../helpers/prometheus-server.js";
import { until } from "../helpers/until.js";

/**
 * `docker compose up`, for real, exactly as the README says (Deploy, "Containers"): on a test Docker Engine,
 * build the stand-in base images (scripts/images/build-standins.sh, loaded from its cache after the first run),
 * `docker-compose build`, `up -d`, wait for health, then check what test/e2e/local-stack.test.ts checks against the
 * same topology run as containers: the spec applied, every demo target up in Prometheus through http_sd except the
 * deliberately failing ones, stats datums in the simulator's CloudWatch. The image runs `ecsmon --help`, and runs
 * as uid 1000 reading the Docker socket (mounted read-only) through an added group. `down -v` leaves nothing.
 * Uses Debian's docker-compose 1.29; the file has no v2-only keys (test/static/compose.test.ts).
 */

const PROJECT = `ecsmon-e2e-${process.pid}`;
const COMPOSE = "docker-compose";
const MINUTE = 60_000;

type PromTarget = PrometheusTarget & { lastError: string };

interface ContainerState {
  service: string;
  status: string;
  exitCode: number;
  health: string | undefined;
}

let engine: DockerEngine;
let env: NodeJS.ProcessEnv;
let ports: { api: number; prometheus: number };
/** Seconds each Docker step took, printed at the end and appended to $ECSMON_CI_TIMINGS when .ci/run sets it. */
const timings: Record<string, number> = {};

/** Runs a command in the repository root with the engine's environment; rejects with its output's tail. */
function run(command: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: fromRoot("."), env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
        reject(
          new Error(
            missing
              ? `${command} not found: install docker.io, docker-compose and debootstrap (.ci/run does)`
              : `${command} ${args.join(" ")} failed: ${error.message}\n${`${stdout}\n${stderr}`.slice(-4_000)}`,
          ),
        );
      },
    );
  });
}

/** Prints a timing line; .ci/run prints the lines appended to $ECSMON_CI_TIMINGS at the end of the run. */
function report(line: string): void {
  console.log(`[docker] ${line}`);
  if (process.env.ECSMON_CI_TIMINGS) appendFileSync(process.env.ECSMON_CI_TIMINGS, `compose e2e, ${line}\n`);
}

async function timed<T>(step: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  console.log(`[docker] ${step} ...`);
  const result = await work();
  timings[step] = Math.round((Date.now() - started) / 100) / 10;
  report(`${step}: ${timings[step]} s`);
  return result;
}

const compose = async (args: string[], timeoutMs = 5 * MINUTE) =>
  (await run(COMPOSE, ["-p", PROJECT, ...args], timeoutMs)).stdout;

/** fetch with a deadline: a published port answers through docker-proxy, which may hold a connection it cannot pass on. */
const get = (url: string) => fetch(url, { signal: AbortSignal.timeout(10_000) });

async function json<T>(url: string): Promise<T> {
  const response = await get(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Every container of the project, by its compose service label. */
async function projectContainers(): Promise<ContainerState[]> {
  const ids = (await engine.docker(["ps", "-aq", "--filter", `label=com.docker.compose.project=${PROJECT}`])).stdout
    .split(/\s+/)
    .filter(Boolean);
  if (ids.length === 0) return [];
  const inspected = JSON.parse((await engine.docker(["inspect", ...ids])).stdout) as {
    Config: { Labels: Record<string, string> };
    State: { Status: string; ExitCode: number; Health?: { Status: string } };
  }[];
  return inspected.map((c) => ({
    service: c.Config.Labels["com.docker.compose.service"] ?? "",
    status: c.State.Status,
    exitCode: c.State.ExitCode,
    health: c.State.Health?.Status,
  }));
}

/** GETs a URL from inside the simulator's network namespace, where its AWS endpoint (loopback only) lives. */
async function fetchInSim<T>(url: string): Promise<T> {
  const script = `fetch(${JSON.stringify(url)}).then(async (r) => { if (!r.ok) process.exit(1); process.stdout.write(await r.text()); })`;
  return JSON.parse(await compose(["exec", "-T", "sim", "node", "-e", script], MINUTE)) as T;
}

const startedAt = Date.now();

beforeAll(async () => {
  engine = await startDockerEngine();
  ports = { api: await freePort(), prometheus: await freePort() };
  env = {
    ...process.env,
    ...engine.env,
    ECSMON_HOST_PORT_API: String(ports.api),
    ECSMON_HOST_PORT_AGENT_A: String(await freePort()),
    ECSMON_HOST_PORT_AGENT_B: String(await freePort()),
    ECSMON_HOST_PORT_AGENT_POOL: String(await freePort()),
    ECSMON_HOST_PORT_PROMETHEUS: String(ports.prometheus),
  };
  const standIns = await timed("stand-in images (build-standins.sh)", () =>
    run(fromRoot("scripts/images/build-standins.sh"), [], 20 * MINUTE),
  );
  // The script's own per-step times: debootstrap, each image's build or load from the cache.
  for (const line of standIns.stderr.split("\n"))
    if (/ done in \d+s$/.test(line)) report(`  ${line.replace(/^standins: /, "")}`);
  await timed("docker-compose build", () => compose(["build"], 20 * MINUTE));
  await timed("docker-compose up -d", () => compose(["up", "-d"]));
  await timed("up to healthy", async () => {
    const services = Object.keys(
      (parse(readFileSync(fromRoot("docker-compose.yml"), "utf8")) as { services: object }).services,
    );
    await until(
      "every service running (sim and redis healthy, spec-apply exited 0)",
      async () => {
        const states = await projectContainers();
        const failed = states.find((s) => s.status === "exited" && s.exitCode !== 0);
        if (failed) throw new Error(`${failed.service} exited with code ${failed.exitCode}`);
        const ready = (s: ContainerState) =>
          s.service === "spec-apply"
            ? s.status === "exited"
            : s.status === "running" && (s.health === undefined || s.health === "healthy");
        return services.every((name) => states.some((s) => s.service === name && ready(s)));
      },
      3 * MINUTE,
      1_000,
    );
    await until(
      "the controller's /readyz",
      async () => (await get(`http://127.0.0.1:${ports.api}/readyz`)).ok,
      2 * MINUTE,
      500,
    );
    await until(
      "Prometheus /-/ready",
      async () => (await get(`http://127.0.0.1:${ports.prometheus}/-/ready`)).ok,
      2 * MINUTE,
      500,
    );
  });
}, 45 * MINUTE);

afterAll(async () => {
  await timed("engine stop and cleanup", async () => engine?.stop());
  timings["whole compose test"] = Math.round((Date.now() - startedAt) / 100) / 10;
  console.log(`[docker] step timings (s): ${JSON.stringify(timings)}`);
  report(`whole test: ${timings["whole compose test"]} s`);
}, 5 * MINUTE);

describe("docker-compose.yml on a real Docker Engine", () => {
  it(
    "the status API shows the spec from crds-like-schemas/examples/local.yaml applied",
    async () => {
      const specFile = parse(readFileSync(fromRoot("crds-like-schemas/examples/local.yaml"), "utf8")) as {
        metadata: { name: string };
        spec: { clusters: { name: string }[] };
      };
      const status = await until(
        "the spec applied and every cluster reconciled",
        async () => {
          const body = await json<{
            spec: { loaded: boolean; name: string; generation: number; conditions: { type: string; status: string }[] };
            clusters: { cluster: string; lastReconcileAt?: string }[];
          }>(`http://127.0.0.1:${ports.api}/api/v1/status`);
          const reconciled = specFile.spec.clusters.every((c) =>
            body.clusters.some((s) => s.cluster === c.name && s.lastReconcileAt),
          );
          return body.spec.loaded && reconciled ? body : undefined;
        },
        2 * MINUTE,
        1_000,
      );
      expect(status.spec.name).toBe(specFile.metadata.name);
      expect(status.spec.generation).toBeGreaterThanOrEqual(1);
      expect(status.spec.conditions.find((c) => c.type === "SpecValid")?.status).toBe("True");
    },
    5 * MINUTE,
  );

  it(
    "Prometheus sees every demo target up through http_sd, apart from the deliberately failing ones",
    async () => {
      const sd = await until(
        "targets in http_sd",
        async () => {
          const groups = await json<{ targets: string[] }[]>(`http://127.0.0.1:${ports.api}/sd/prometheus`);
          const addresses = new Set(groups.flatMap((g) => g.targets));
          return addresses.size > 0 ? addresses : undefined;
        },
        2 * MINUTE,
        1_000,
      );
      // The failing workloads, from the scenario file itself (as test/e2e/local-stack.test.ts reads them).
      const failing = new Set(
        [...demoScenario().defs.values()].flatMap((def) =>
          (def.containers as { name: string; failure?: string }[])
            .filter((c) => c.failure && c.failure !== "none")
            .map((c) => c.name),
        ),
      );
      expect(failing.size).toBeGreaterThan(0);
      const targets = await until(
        "every http_sd target scraped by Prometheus",
        async () => {
          const body = await json<{ data: { activeTargets: PromTarget[] } }>(
            `http://127.0.0.1:${ports.prometheus}/api/v1/targets?state=active`,
          );
          const active = body.data.activeTargets.filter((t) => t.scrapePool === "ecsmon-http-sd");
          const seen = new Set(active.map((t) => new URL(t.scrapeUrl).host));
          const complete = [...sd].every((a) => seen.has(a)) && active.every((t) => t.health !== "unknown");
          return complete ? active : undefined;
        },
        3 * MINUTE,
        1_000,
      );
      expect(targets.length).toBeGreaterThanOrEqual(sd.size);
      for (const target of targets) {
        const shouldFail = failing.has(target.labels.container_name ?? "");
        expect(target.health, `${target.scrapeUrl} (${target.labels.container_name}): ${target.lastError}`).toBe(
          shouldFail ? "down" : "up",
        );
        expect(target.labels.cluster).toBe("demo");
      }
      expect(targets.some((t) => t.health === "down")).toBe(true);
    },
    5 * MINUTE,
  );

  it(
    "a stats datum reaches the simulator's CloudWatch",
    async () => {
      const datums = await until(
        "ECS/ContainerStats datums",
        async () => {
          const body = await fetchInSim<{ datums: { metricName?: string; MetricName?: string }[] }>(
            `http://127.0.0.1:4566/_sim/cloudwatch/datums?namespace=${encodeURIComponent("ECS/ContainerStats")}`,
          );
          return body.datums.length > 0 ? body.datums : undefined;
        },
        3 * MINUTE,
        2_000,
      );
      const names = new Set(datums.map((d) => d.metricName ?? d.MetricName));
      expect(names).toContain("CPUUtilization");
      expect(names).toContain("MemoryUtilization");
    },
    5 * MINUTE,
  );

  it(
    "the image runs `ecsmon --help` as the unprivileged node user",
    async () => {
      const help = await engine.docker(["run", "--rm", "ecsmon:local", "--help"]);
      expect(help.stdout).toMatch(/^Usage: ecsmon /m);
      const user = await engine.docker(["run", "--rm", "--entrypoint", "id", "ecsmon:local", "-u"]);
      expect(user.stdout.trim()).toBe("1000");
    },
    5 * MINUTE,
  );

  it(
    "the agent's Docker collector reads a read-only socket through an added group, not as root",
    async () => {
      const redis = (
        await engine.docker([
          "ps",
          "-q",
          "--no-trunc",
          "--filter",
          `label=com.docker.compose.project=${PROJECT}`,
          "--filter",
          "label=com.docker.compose.service=redis",
        ])
      ).stdout.trim();
      expect(redis).toMatch(/^[0-9a-f]{64}$/);
      // The agent's own modules from the image: dockerOptions(DOCKER_HOST) and the daemon-mode stats collector.
      const probe = [
        'import Dockerode from "dockerode";',
        'import { dockerOptions } from "/app/dist/agents/runtime/default-handlers.js";',
        'import { createDockerCollector } from "/app/dist/agents/stats/collectors/docker-collector.js";',
        'const docker = new Dockerode(dockerOptions("unix:///var/run/docker.sock"));',
        'const target = { key: "k", taskArn: "t", containerName: "redis", runtimeId: process.argv[1] };',
        'const read = (await createDockerCollector({ docker }).collect([target])).get("k");',
        "console.log(JSON.stringify({ uid: process.getuid(), ok: read.ok, error: read.error, usage: read.payload?.memory_stats?.usage }));",
      ].join("\n");
      const socketGroup = String(statSync(engine.socketPath).gid);
      const probeWith = async (groupAdd: string[]) => {
        const args = ["run", "--rm", ...groupAdd, "-v", `${engine.socketPath}:/var/run/docker.sock:ro`];
        const out = await engine.docker([
          ...args,
          "--entrypoint",
          "node",
          "ecsmon:local",
          "--input-type=module",
          "-e",
          probe,
          redis,
        ]);
        return JSON.parse(out.stdout) as { uid: number; ok: boolean; error?: string; usage?: number };
      };
      const withGroup = await probeWith(["--group-add", socketGroup]);
      expect(withGroup, JSON.stringify(withGroup)).toMatchObject({ uid: 1000, ok: true });
      expect(withGroup.usage).toBeGreaterThan(0);
      // Without the group the same user cannot open the socket: the group, not root, is what grants access.
      const withoutGroup = await probeWith([]);
      expect(withoutGroup).toMatchObject({ uid: 1000, ok: false });
      expect(withoutGroup.error).toMatch(/EACCES/);
    },
    5 * MINUTE,
  );

  it(
    "`down -v` leaves no container, network or volume of the project behind",
    async () => {
      await timed("docker-compose down -v", () => compose(["down", "-v"]));
      const label = `label=com.docker.compose.project=${PROJECT}`;
      const left = async (kind: string[]) =>
        (await engine.docker([...kind, "-q", "--filter", label])).stdout.split(/\s+/).filter(Boolean);
      expect(await left(["ps", "-a"])).toEqual([]);
      expect(await left(["network", "ls"])).toEqual([]);
      expect(await left(["volume", "ls"])).toEqual([]);
      // Compose labels what it creates; check the names too, in case an engine ever dropped the labels.
      const names =
        (await engine.docker(["network", "ls", "--format", "{{.Name}}"])).stdout +
        (await engine.docker(["volume", "ls", "--format", "{{.Name}}"])).stdout;
      expect(names).not.toContain(PROJECT);
    },
    5 * MINUTE,
  );
});
