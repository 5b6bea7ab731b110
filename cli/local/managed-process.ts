import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A child process of the local stack, leader of its own process group (`detached`), so that Ctrl-C in the
 * terminal reaches only `ecsmon local`, which stops the stack in order, and so that a reaper can end the whole
 * group if `ecsmon local` dies. Output goes to its own log file; stop() is SIGTERM, then SIGKILL, to the group.
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private log: WriteStream | undefined;
  private exitInfo: string | undefined;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly options: { env: NodeJS.ProcessEnv; logFile: string; cwd?: string },
  ) {}

  start(): void {
    this.log = createWriteStream(this.options.logFile, { flags: "a" });
    const child = spawn(this.command, this.args, {
      env: this.options.env,
      cwd: this.options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    child.on("error", (error) => {
      this.exitInfo = error.message;
    });
    child.on("exit", (code, signal) => {
      this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
    });
    this.child = child;
  }

  /** Why the process ended, or undefined while it runs. */
  get exited(): string | undefined {
    return this.exitInfo;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(graceMs = 5_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.log?.end();
      return;
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    signalGroup(child, "SIGTERM");
    const outcome = await Promise.race([
      exited.then(() => "exited" as const),
      sleep(graceMs).then(() => "timeout" as const),
    ]);
    if (outcome === "timeout") {
      signalGroup(child, "SIGKILL");
      await exited;
    }
    this.log?.end();
  }
}

/** Signals the child's process group (it leads one), or the child alone if the group is already gone. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** Polls `url` until it answers 2xx, the process dies, `signal` aborts, or `timeoutMs` passes. */
export async function waitForHttp(
  url: string,
  process: ManagedProcess | undefined,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "no answer";
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new Error("start-up interrupted");
    if (process?.exited) throw new Error(`${process.name} ${process.exited} before ${url} answered`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`${url} did not become ready within ${timeoutMs} ms (${lastError})`);
}
