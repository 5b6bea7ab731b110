import { describe, expect, it } from "vitest";
import { ClusterSpec } from "../../crds-like-schemas/index.js";
import { buildNodeSyncJob, syncJobHash } from "./sync-job.js";

const spec = ClusterSpec.parse({ name: "demo" });
const target = (n: number) => ({
  id: `task/t${n}/app/8080/metrics`,
  address: `10.0.0.${n}:8080`,
  scheme: "http" as const,
  metricsPath: "/metrics",
  labels: { team: "a", cluster: "demo" },
});
const job = (targets = [target(1), target(2)]) =>
  buildNodeSyncJob("demo", spec, { nodeId: "n1", targets, statsAssignments: [], trunking: false, awsvpcTasks: 0 });

describe("syncJobHash", () => {
  it("ignores key order and undefined members, but not array order or values", () => {
    const base = syncJobHash(job());
    const reordered = job([
      { ...target(1), labels: { cluster: "demo", team: "a" } },
      { labels: target(2).labels, metricsPath: "/metrics", scheme: "http", address: "10.0.0.2:8080", id: target(2).id },
    ]);
    expect(syncJobHash(reordered)).toBe(base);
    expect(syncJobHash({ ...job(), instanceType: undefined } as never)).toBe(base);
    expect(syncJobHash(job([target(2), target(1)]))).not.toBe(base);
    expect(syncJobHash(job([target(1), { ...target(2), labels: { team: "b", cluster: "demo" } }]))).not.toBe(base);
  });
});
