import { createInterface } from "node:readline";

/**
 * The local stack's reaper: a tiny process that outlives `ecsmon local` in every case, including SIGKILL, and
 * then ends the stack. It reads its parent's stdin pipe: `+<pgid>` registers a child's process group,
 * `-<pgid>` forgets it (stopped cleanly). When the pipe closes, which the kernel does whenever the parent dies,
 * every registered group gets SIGTERM, and SIGKILL after {@link GRACE_MS}. It runs in a process group of its own,
 * so Ctrl-C in the terminal does not reach it. Run as `node reaper.js`.
 */
const GRACE_MS = 3_000;

const groups = new Set<number>();

function signalAll(signal: NodeJS.Signals): number {
  let alive = 0;
  for (const pgid of groups) {
    try {
      process.kill(-pgid, signal);
      alive++;
    } catch {
      groups.delete(pgid); // ESRCH: the group is gone
    }
  }
  return alive;
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const pgid = Number(line.slice(1));
  if (!Number.isInteger(pgid) || pgid <= 1) return;
  if (line.startsWith("+")) groups.add(pgid);
  else if (line.startsWith("-")) groups.delete(pgid);
});
lines.on("close", () => {
  if (signalAll("SIGTERM") === 0) process.exit(0);
  setTimeout(() => {
    signalAll("SIGKILL");
    process.exit(0);
  }, GRACE_MS);
});
// The parent's terminal signals are not ours to act on: only the pipe's end ends the stack.
process.on("SIGINT", () => {});
process.on("SIGHUP", () => {});
