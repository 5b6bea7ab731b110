import { describe, expect, it, vi } from "vitest";
import { stopWithin } from "./bounded-stop.js";
import { createLogger } from "./logger.js";

const logger = createLogger({ level: "silent", name: "test" });

describe("stopWithin", () => {
  it("returns once the stop finishes, without exiting", async () => {
    const exit = vi.fn();
    await stopWithin(async () => {}, { timeoutMs: 1_000, logger, what: "test", exit });
    await stopWithin(() => Promise.reject(new Error("boom")), { timeoutMs: 1_000, logger, what: "test", exit });
    expect(exit).not.toHaveBeenCalled();
  });

  it("exits with 1 when the stop outlives the timeout", async () => {
    const exit = vi.fn();
    const started = Date.now();
    await stopWithin(() => new Promise<void>(() => {}), { timeoutMs: 50, logger, what: "test", exit });
    expect(exit).toHaveBeenCalledWith(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("exits with 1 on a second signal while stopping", async () => {
    const exit = vi.fn();
    let finish: () => void = () => {};
    const stopping = stopWithin(() => new Promise<void>((resolve) => (finish = resolve)), {
      timeoutMs: 10_000,
      logger,
      what: "test",
      exit,
    });
    process.emit("SIGTERM");
    expect(exit).toHaveBeenCalledWith(1);
    finish();
    await stopping;
    expect(process.listenerCount("SIGTERM")).toBe(0);
  });
});
