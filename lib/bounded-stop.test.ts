import { afterEach, describe, expect, it, vi } from "vitest";
import { boundShutdown, settlesWithin } from "./bounded-stop.js";
import { createLogger } from "./logger.js";

const logger = createLogger({ level: "silent", name: "test" });

afterEach(() => {
  process.removeAllListeners("SIGINT");
  process.removeAllListeners("SIGTERM");
});

describe("boundShutdown", () => {
  it("exits 0 once the stop finishes, and 1 when it throws, removing its signal handlers", async () => {
    for (const [stop, code] of [
      [async () => {}, 0],
      [() => Promise.reject(new Error("boom")), 1],
    ] as const) {
      const exit = vi.fn();
      const shutdown = boundShutdown({ timeoutMs: 1_000, logger, what: "test", exit });
      process.emit("SIGTERM", "SIGTERM");
      expect(await shutdown.signalled).toBe("SIGTERM");
      await shutdown.stopAndExit(stop);
      expect(exit).toHaveBeenCalledExactlyOnceWith(code);
      expect(process.listenerCount("SIGTERM")).toBe(0);
    }
  });

  it("exits 1 at the deadline, counted from the signal, even though the stop never finishes", async () => {
    const exit = vi.fn();
    const shutdown = boundShutdown({ timeoutMs: 80, logger, what: "test", exit });
    process.emit("SIGINT", "SIGINT");
    const started = Date.now();
    void shutdown.stopAndExit(() => new Promise<void>(() => {}));
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1), { timeout: 2_000, interval: 5 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    expect(exit).toHaveBeenCalledOnce();
  });

  it("bounds a start-up that hangs: the deadline runs from a signal that arrives before stopAndExit", async () => {
    const exit = vi.fn();
    boundShutdown({ timeoutMs: 50, logger, what: "test", exit });
    process.emit("SIGTERM", "SIGTERM");
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1), { timeout: 2_000, interval: 5 });
  });

  it("exits 1 at once on a second signal", async () => {
    const exit = vi.fn();
    const shutdown = boundShutdown({ timeoutMs: 10_000, logger, what: "test", exit });
    process.emit("SIGTERM", "SIGTERM");
    let finish: () => void = () => {};
    const stopping = shutdown.stopAndExit(() => new Promise<void>((resolve) => (finish = resolve)));
    process.emit("SIGINT", "SIGINT");
    expect(exit).toHaveBeenCalledExactlyOnceWith(1);
    finish();
    await stopping;
    expect(exit).toHaveBeenCalledOnce();
    expect(process.listenerCount("SIGTERM")).toBe(0);
  });
});

describe("settlesWithin", () => {
  it("says whether the work settled in time; a rejection counts as settled", async () => {
    expect(await settlesWithin(Promise.resolve(1), 50)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error("x")), 50)).toBe(true);
    expect(await settlesWithin(new Promise(() => {}), 30)).toBe(false);
  });
});
