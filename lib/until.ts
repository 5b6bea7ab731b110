import { setTimeout as sleep } from "node:timers/promises";

/** A condition polled by {@link until}: a falsy or undefined result means "not yet"; a thrown error too. */
export type Probe<T> = () => T | undefined | false | Promise<T | undefined | false>;

/**
 * Polls `probe` every `intervalMs` until it returns a truthy value, which is returned. After `timeoutMs` it fails
 * with a message naming `what` and the probe's last error, so a timed-out test says what it was waiting for.
 */
export async function until<T>(what: string, probe: Probe<T>, timeoutMs = 15_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await sleep(intervalMs);
  }
}
