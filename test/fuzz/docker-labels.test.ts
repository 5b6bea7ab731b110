import { describe, expect, it } from "vitest";
import { refuseReason } from "../../agents/scrape/address-policy.js";
import { current, instance, observed, spec, task, taskDef } from "../../controller/plan/fixtures.test-helpers.js";
import { plan } from "../../controller/plan/plan.js";
import { seededRandom } from "../../lib/rng.js";

/**
 * Issue 9, "Docker labels": random and hostile label values pushed through the whole plan() (not only the
 * label parsers, which labels.test.ts fuzzes). plan() never throws; a container whose labels are wrong becomes an
 * `invalid` target with a reason naming the label; every valid target points at the node's own IP and a port
 * from the label, with a path the agent's SSRF guard accepts.
 */

const PIECES = [
  "8080",
  "9100",
  "0",
  "65536",
  "-1",
  "80a",
  "/",
  "/metrics",
  "..",
  "%2e%2e",
  "@",
  "evil",
  ":",
  "://",
  "http://169.254.169.254/latest",
  "169.254.169.254",
  "localhost:6379",
  ",",
  "=",
  "__address__",
  "__scheme__=https",
  "__scheme__=gopher",
  "__metrics_path__=/x",
  "__metrics_path__=//evil/x",
  "job=a",
  "a b",
  "\u0000",
  "\n",
  "é",
  "😀",
  "\\",
  "#",
  "?",
  "x".repeat(300),
];

const node = instance(1);

function planOne(labels: Record<string, string>) {
  const def = taskDef("fuzz", "host", [{ name: "app", dockerLabels: labels }]);
  const t = task("t1", def, { on: node });
  return { result: plan(spec(), observed({ tasks: [t], defs: [def], instances: [node] }), current([node.nodeId])), t };
}

describe("docker label fuzz through plan()", () => {
  it("never throws; bad labels become invalid targets with a reason; valid targets are safe", () => {
    const random = seededRandom(9);
    const pick = () => PIECES[Math.floor(random() * PIECES.length)] as string;
    const value = () => Array.from({ length: 1 + Math.floor(random() * 4) }, pick).join(random() < 0.5 ? "" : ",");
    let invalid = 0;
    let valid = 0;
    for (let i = 0; i < 3_000; i++) {
      const labels: Record<string, string> = {};
      if (random() < 0.8) labels.PROMETHEUS_SCRAPES = value();
      if (random() < 0.4) labels.PROMETHEUS_LABELS = value();
      const { result, t } = planOne(labels);
      for (const bad of result.invalid) {
        invalid++;
        expect(bad.taskArn).toBe(t.taskArn);
        expect(bad.reason, JSON.stringify(labels)).toMatch(/^PROMETHEUS_(SCRAPES|LABELS)/);
      }
      for (const good of result.targets) {
        valid++;
        const [ip, port] = good.target.address.split(":");
        expect(ip).toBe(node.privateIp);
        expect(labels.PROMETHEUS_SCRAPES).toContain(port);
        expect(refuseReason(good.target), JSON.stringify(good.target)).toBeUndefined();
      }
      if (labels.PROMETHEUS_SCRAPES === undefined) expect(result.targets).toEqual([]);
    }
    expect(invalid).toBeGreaterThan(500);
    expect(valid).toBeGreaterThan(50);
  });

  it.each([
    ["169.254.169.254/latest", undefined],
    ["localhost:6379", undefined],
    ["8080@evil", undefined],
    ["8080/../admin", undefined],
    ["8080/http://127.0.0.1:6379/x", undefined],
    ["8080//evil.example/metrics", undefined],
    ["8080", "__address__=169.254.169.254:80"],
    ["8080", "__metrics_path__=/../../etc"],
    ["8080", "__scheme__=file"],
  ])("%j (labels %j) is invalid with a reason and assigns nothing", (scrapes, userLabels) => {
    const { result } = planOne({
      PROMETHEUS_SCRAPES: scrapes,
      ...(userLabels ? { PROMETHEUS_LABELS: userLabels } : {}),
    });
    expect(result.targets).toEqual([]);
    expect(result.invalid).toHaveLength(1);
    expect(result.invalid[0]?.reason.length).toBeGreaterThan(20);
  });
});
