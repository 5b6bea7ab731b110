import { HEARTBEAT_CONTRACT, type Heartbeat } from "../../crds-like-schemas/index.js";
import { settlesWithin } from "../../lib/bounded-stop.js";
import type { Logger } from "../../lib/logger.js";
import type { NodeIdentity } from "../identity/resolve-identity.js";

export interface HeartbeatOptions {
  identity: NodeIdentity;
  agentId: string;
  intervalMs: number;
  ttlMs: number;
  metricsUrl: string;
  generation: () => number;
  send: (heartbeat: Heartbeat) => Promise<void>;
  logger: Logger;
}

/** Sends a Heartbeat at start (registration) and every interval; a failed send is logged and skipped. */
export class HeartbeatLoop {
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private inflight: Promise<void> | undefined;

  constructor(private readonly options: HeartbeatOptions) {}

  start(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the loop; waits for a send in flight at most `sendWaitMs` (a stalled Redis never answers it). */
  async stop(sendWaitMs = 1_000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.inflight) await settlesWithin(this.inflight, sendWaitMs);
  }

  private beat(): void {
    if (this.inflight) return;
    const { identity } = this.options;
    const heartbeat: Heartbeat = {
      contract: HEARTBEAT_CONTRACT,
      cluster: identity.cluster,
      nodeId: identity.nodeId,
      agentId: this.options.agentId,
      mode: identity.mode,
      generation: this.options.generation(),
      ttlMs: this.options.ttlMs,
      metricsUrl: this.options.metricsUrl,
      at: new Date().toISOString(),
    };
    this.inflight = this.options
      .send(heartbeat)
      .then(() => {
        this.failures = 0;
      })
      .catch((error: Error) => {
        if (this.failures++ % 30 === 0) this.options.logger.warn({ err: error.message }, "heartbeat not sent");
      })
      .finally(() => {
        this.inflight = undefined;
      });
  }
}
