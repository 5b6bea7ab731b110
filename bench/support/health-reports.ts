import { Redis } from "ioredis";
import { ReportStore } from "../../controller/dispatch/report-store.js";
import type { TargetView } from "../../controller/machines/views.js";
import { HEARTBEAT_CONTRACT, type TargetHealth } from "../../crds-like-schemas/index.js";

/**
 * Stands in for the agents' target health reports during the steady phase: every `periodMs`, one successful result
 * per target, stored per node through the controller's own ReportStore as its report consumer would. Without it a
 * controller benchmark leaves out a load every real fleet puts on it (10,000 results per period). Each node's agent
 * also heartbeats: a target counts as healthy only while its node has a live agent (ADR 0049).
 */
export async function emulateHealthReports(options: {
  api: string;
  redisUrl: string;
  cluster: string;
  periodMs: number;
}): Promise<{ stop(): Promise<void> }> {
  const response = await fetch(`${options.api}/api/v1/targets?cluster=${encodeURIComponent(options.cluster)}`);
  const { targets } = (await response.json()) as { targets: TargetView[] };
  const byNode = new Map<string, string[]>();
  for (const target of targets) {
    const node = target.nodeId ?? `pool-${options.cluster}`;
    byNode.set(node, [...(byNode.get(node) ?? []), target.id]);
  }
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
  const store = new ReportStore(redis);
  const report = async () => {
    const at = new Date().toISOString();
    for (const [nodeId, ids] of byNode) {
      const pool = nodeId === `pool-${options.cluster}`;
      await store.putHeartbeat(
        {
          contract: HEARTBEAT_CONTRACT,
          cluster: options.cluster,
          nodeId,
          agentId: `bench-${nodeId}`,
          mode: pool ? "pool" : "daemon",
          generation: 1,
          ttlMs: options.periodMs * 3,
          at,
        },
        Date.now(),
      );
      const results: TargetHealth[] = ids.map((targetId) => ({ targetId, ok: true, durationMs: 5, samples: 500, at }));
      await store.putHealth(options.cluster, nodeId, results, Date.now());
    }
  };
  await report();
  let running = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(report).catch(() => {});
  }, options.periodMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      redis.disconnect();
    },
  };
}
