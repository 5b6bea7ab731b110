import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A real, isolated Docker Engine (`dockerd`) for tests: its own socket, data root, exec root, pidfile and
 * client config under one fresh temp dir, no iptables rules and no default bridge, and a random
 * `10.<n>.0.0/16` address pool that no host route uses, so engines started concurrently by different test files
 * hand out disjoint subnets. Needs root and the `docker.io` package (`.ci/run` installs it); when the daemon
 * cannot start, {@link startDockerEngine} throws — tests fail, they are never skipped.
 *
 * How to use it (one engine per test file; starting one takes ~1-3 s):
 *
 * ```ts
 * let engine: DockerEngine;
 * beforeAll(async () => { engine = await startDockerEngine(); }, 60_000);
 * afterAll(async () => { await engine?.stop(); }, 60_000);
 *
 * await engine.docker(["build", "-t", "ecsmon-test/x:1", dir]);       // rejects with stderr on non-zero exit
 * const { stdout } = await engine.docker(["ps", "-q"], { allowFail: true });
 * spawn("docker-compose", [...], { env: { ...process.env, ...engine.env } }); // DOCKER_HOST + DOCKER_CONFIG
 * ```
 *
 * Networking: with `--bridge=none` a container started without `--network` has only loopback. Create a
 * network (`docker network create x`, or let compose create one) to give containers addresses from the
 * random pool; the host reaches them directly on the bridge, and published ports work through
 * docker-proxy (userland proxy) even with iptables off. Containers reach nothing outside the networks the
 * test creates (no NAT), which is what the tests want.
 *
 * `stop()` removes every container, network, volume and image in the engine, stops the daemon (and its
 * managed containerd), unmounts anything left mounted under the temp dir and deletes it.
 */
export interface DockerEngine {
  /** `unix://<tempdir>/docker.sock`: the value for `DOCKER_HOST`. */
  host: string;
  /** The socket's filesystem path (for clients such as dockerode that take `socketPath`). */
  socketPath: string;
  /** The engine's `--data-root`. */
  dataRoot: string;
  /** Environment for child processes that talk to this engine: `DOCKER_HOST` and an isolated `DOCKER_CONFIG`. */
  env: { DOCKER_HOST: string; DOCKER_CONFIG: string };
  /**
   * Runs the docker CLI against this engine. Rejects with the command line and stderr on a non-zero exit
   * unless `allowFail`. `input` is written to stdin (e.g. a tar build context via `build -`).
   */
  docker(args: string[], options?: DockerRunOptions): Promise<DockerResult>;
  /**
   * Stops the daemon (SIGTERM, as systemd would), waits `downMs` (a deterministic outage for clients to see),
   * and starts it again on the same socket and data root.
   */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Removes everything this engine created and the daemon itself. Safe to call twice. */
  stop(): Promise<void>;
}

export interface DockerRunOptions {
  /** Resolve instead of reject on a non-zero exit. @defaultValue false */
  allowFail?: boolean;
  /** Bytes for the command's stdin. */
  input?: string | Buffer;
  /** Kill the command after this long. @defaultValue 120_000 ms */
  timeoutMs?: number;
}

export interface DockerResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface DockerEngineOptions {
  /** How long to wait for `/_ping` after starting the daemon. @defaultValue 30_000 ms */
  readyTimeoutMs?: number;
  /** More `dockerd` flags, appended after the isolating ones. */
  extraArgs?: string[];
}

/** The docker CLI: Debian's `docker.io` puts it at /usr/bin/docker; otherwise whatever is on PATH. */
export const dockerCli = existsSync("/usr/bin/docker") ? "/usr/bin/docker" : "docker";
const dockerdBinary = existsSync("/usr/sbin/dockerd") ? "/usr/sbin/dockerd" : "dockerd";

export async function startDockerEngine(options: DockerEngineOptions = {}): Promise<DockerEngine> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  // Short prefix: containerd's socket lives under exec-root and unix socket paths are limited to 108 bytes.
  const dir = await mkdtemp(join(tmpdir(), "ecsmon-dk-"));
  const socketPath = join(dir, "docker.sock");
  const dataRoot = join(dir, "data");
  const execRoot = join(dir, "exec");
  const configDir = join(dir, "client");
  await mkdir(configDir, { recursive: true });
  const host = `unix://${socketPath}`;
  const env = { DOCKER_HOST: host, DOCKER_CONFIG: configDir };
  const octet = await freeSecondOctet();
  const pool = `base=10.${octet}.0.0/16,size=24`;
  const args = [
    "--host",
    host,
    "--data-root",
    dataRoot,
    "--exec-root",
    execRoot,
    "--pidfile",
    join(dir, "dockerd.pid"),
    "--bridge=none",
    "--iptables=false",
    "--ip-masq=false",
    "--default-address-pool",
    pool,
    "--storage-driver=overlay2",
    ...(options.extraArgs ?? []),
  ];
  let daemon: ChildProcess | undefined;
  let log = "";
  let stopped = false;

  const launch = async () => {
    log = "";
    const child = spawn(dockerdBinary, args, { stdio: ["ignore", "pipe", "pipe"] });
    daemon = child;
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-8_000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      const failed = await Promise.race([spawnError, sleep(100).then(() => undefined)]);
      if (failed) throw engineError(`could not run ${dockerdBinary}: ${failed.message}`, log);
      if (child.exitCode !== null) throw engineError(`dockerd exited with code ${child.exitCode}`, log);
      if (await ping(socketPath)) return;
      if (Date.now() > deadline) {
        await terminate(child, execRoot);
        throw engineError(`dockerd did not answer /_ping within ${readyTimeoutMs} ms`, log);
      }
    }
  };

  const docker = (cliArgs: string[], runOptions: DockerRunOptions = {}) =>
    runDocker(cliArgs, { ...process.env, ...env }, runOptions);

  try {
    await launch();
  } catch (error) {
    await cleanupDir(dir);
    throw error;
  }

  return {
    host,
    socketPath,
    dataRoot,
    env,
    docker,
    async restart(restartOptions = {}) {
      if (daemon) await terminate(daemon, execRoot);
      await sleep(restartOptions.downMs ?? 0);
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (daemon && daemon.exitCode === null && (await ping(socketPath))) {
        const ids = (await docker(["ps", "-aq"], { allowFail: true })).stdout.split(/\s+/).filter(Boolean);
        if (ids.length > 0) await docker(["rm", "-f", "-v", ...ids], { allowFail: true });
        await docker(["system", "prune", "-a", "-f", "--volumes"], { allowFail: true });
      }
      if (daemon) await terminate(daemon, execRoot);
      await removeBridges(`10.${octet}.`);
      await cleanupDir(dir);
    },
  };
}

/**
 * A random `n` in 100–249 such that no route on the host (another engine's bridge, a VPN…) is inside 10.n.0.0/16,
 * so that engines started at the same time by different test files hand out disjoint subnets.
 */
async function freeSecondOctet(): Promise<number> {
  const used = new Set<number>();
  const routes = await readFile("/proc/net/route", "utf8").catch(() => "");
  for (const line of routes.split("\n").slice(1)) {
    const destination = line.split("\t")[1];
    if (destination?.length !== 8) continue;
    // Little-endian hex: the last byte pair is the first octet.
    const first = Number.parseInt(destination.slice(6, 8), 16);
    const second = Number.parseInt(destination.slice(4, 6), 16);
    if (first === 10) used.add(second);
  }
  const free = Array.from({ length: 150 }, (_, i) => 100 + i).filter((n) => !used.has(n));
  return free[Math.floor(Math.random() * free.length)] ?? 100 + Math.floor(Math.random() * 150);
}

function engineError(message: string, log: string): Error {
  return new Error(
    `test Docker Engine: ${message}. It needs root and the docker.io package (installed by .ci/run).\n--- dockerd log (tail) ---\n${log.slice(-3_000)}`,
  );
}

/** GET /_ping over the unix socket; true on "OK". */
function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping", timeout: 1_000 }, (res) => {
      let body = "";
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => resolve(res.statusCode === 200 && body === "OK"));
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

function runDocker(args: string[], env: NodeJS.ProcessEnv, options: DockerRunOptions): Promise<DockerResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      dockerCli,
      args,
      { env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        if (code !== 0 && !options.allowFail) {
          reject(new Error(`docker ${args.join(" ")} exited ${code}: ${stderr.trim() || error?.message}`));
          return;
        }
        resolve({ stdout, stderr, code });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** SIGTERM, then SIGKILL after 20 s; also kills the daemon's managed containerd if it outlived it. */
async function terminate(child: ChildProcess, execRoot: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timedOut = await Promise.race([exited.then(() => false), sleep(20_000).then(() => true)]);
    if (timedOut) {
      child.kill("SIGKILL");
      await exited;
    }
  }
  const containerdPid = await readPid(join(execRoot, "containerd", "containerd.pid"));
  if (containerdPid && isAlive(containerdPid)) {
    process.kill(containerdPid, "SIGTERM");
    for (let i = 0; i < 100 && isAlive(containerdPid); i++) await sleep(100);
    if (isAlive(containerdPid)) process.kill(containerdPid, "SIGKILL");
  }
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(path, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Deletes bridge interfaces still holding an address in this engine's pool (`prefix` = "10.n."): networks the
 * daemon could not remove itself because it died or was killed.
 */
async function removeBridges(prefix: string): Promise<void> {
  const { stdout } = await new Promise<{ stdout: string }>((resolve) =>
    execFile("ip", ["-o", "-4", "addr", "show"], (_error, out) => resolve({ stdout: out ?? "" })),
  );
  for (const line of stdout.split("\n")) {
    const [, name, , address] = line.split(/\s+/);
    if (!name || !address?.startsWith(prefix)) continue;
    await new Promise((resolve) => execFile("ip", ["link", "delete", name], () => resolve(undefined)));
  }
}

/** Unmounts (deepest first) everything still mounted under `dir` — overlay layers, shm, netns — then deletes it. */
async function cleanupDir(dir: string): Promise<void> {
  const mountinfo = await readFile("/proc/self/mountinfo", "utf8");
  const mounts = mountinfo
    .split("\n")
    .map((line) => line.split(" ")[4]?.replace(/\\040/g, " "))
    .filter((point): point is string => !!point && (point === dir || point.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) {
    await new Promise((resolve) => execFile("umount", ["-l", point], () => resolve(undefined)));
  }
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}
