import { type ChildProcess, spawn } from "node:child_process";
import { fromRoot } from "../../lib/paths.js";

/**
 * The parent's end of the reaper (./reaper.ts): a detached process, fed over a pipe, that stops the stack's
 * process groups as soon as this process dies, however it dies. Without it a SIGKILL of `ecsmon local` (or of
 * the `npx` wrapper, when it takes `ecsmon local` with it) would leave redis-server, the simulator, the
 * controller, the agents and Prometheus running.
 */
export class StackReaper {
  private readonly child: ChildProcess;

  constructor() {
    // The built script, also when this module runs from sources under vitest (as the stack's ECSMON_BIN is).
    const script = fromRoot("dist/cli/local/reaper.js");
    this.child = spawn(process.execPath, [script], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
    this.child.on("error", () => {});
    this.child.stdin?.on("error", () => {});
    // Neither the reaper nor its pipe may keep `ecsmon local` alive; the pipe closes when this process exits.
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }

  /** A child's process group (its pid: children are spawned `detached`) to stop if this process dies. */
  watch(pgid: number): void {
    this.child.stdin?.write(`+${pgid}\n`);
  }

  /** The group stopped cleanly: the reaper must not signal a pgid the kernel may reuse. */
  forget(pgid: number): void {
    this.child.stdin?.write(`-${pgid}\n`);
  }

  /** The reaper's pid (tests check that it ends too). */
  get pid(): number | undefined {
    return this.child.pid;
  }
}

/**
 * Calls `onGone` once when this process's parent dies (it is then re-parented, so `process.ppid` changes):
 * `ecsmon local` run by `npx` must stop its stack when `npx` is killed, even if `npx` passed no signal on.
 */
export function watchParent(onGone: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
