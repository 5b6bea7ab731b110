import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ClusterSpec } from "../../crds-like-schemas/index.js";
import type { ObservedCluster } from "../model.js";
import { toTargetGroups } from "../outputs/target-groups.js";
import { awsShapedCluster, awsShapedPlan } from "./aws-shaped.test-helpers.js";
import { plan } from "./plan.js";

/**
 * docs/labels.md and the code cannot drift: each table's ecsmon column lists exactly the label names ecsmon puts
 * in its SD groups, and the Prometheus column lists exactly the names of Prometheus's `role: ecs`.
 */

/** Every label constant of Prometheus's discovery/aws/ecs.go (v3.10), tag families as `<key>`. */
const PROMETHEUS_ECS_LABELS = [
  "cluster",
  "cluster_arn",
  "service",
  "service_arn",
  "service_status",
  "task_group",
  "task_arn",
  "task_definition",
  "region",
  "availability_zone",
  "subnet_id",
  "ip_address",
  "launch_type",
  "desired_status",
  "last_status",
  "health_status",
  "platform_family",
  "platform_version",
  "tag_cluster_<key>",
  "tag_service_<key>",
  "tag_task_<key>",
  "tag_ec2_<key>",
  "network_mode",
  "container_instance_arn",
  "ec2_instance_id",
  "ec2_instance_type",
  "ec2_instance_private_ip",
  "ec2_instance_public_ip",
  "public_ip",
].map((name) => `__meta_ecs_${name}`);

interface DocRow {
  name: string;
  ecsmon: boolean;
  prometheus: boolean;
}

/** The rows of the table under `## <heading>`: label name in backticks, then the ecsmon and Prometheus cells. */
function docTable(heading: string): DocRow[] {
  const text = readFileSync(new URL("../../docs/labels.md", import.meta.url), "utf8");
  const section = text.split(/^## /m).find((s) => s.startsWith(heading));
  if (!section) throw new Error(`docs/labels.md has no "## ${heading}" section`);
  return section
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => {
      const cells = line.split(" | ").map((c) => c.replace(/^\| |\|$/g, "").trim());
      const name = /^`([^`]+)`$/.exec(cells[0] ?? "")?.[1];
      if (!name || cells.length < 3) throw new Error(`docs/labels.md: cannot read row ${line}`);
      return { name, ecsmon: cells[1] !== "—", prometheus: cells[2] !== "—" };
    });
}

/** A label name as the docs write it: tag and attribute families with their placeholder. */
function documentedName(name: string): string {
  const family = /^(__meta_ecs_tag_(?:cluster|service|task|ec2)_)/.exec(name)?.[1];
  if (family) return `${family}<key>`;
  if (name.startsWith("__meta_ecs_cloudmap_attribute_")) return "__meta_ecs_cloudmap_attribute_<name>";
  return name;
}

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

function namesIn(groups: { labels: Record<string, string> }[]): string[] {
  return sorted(groups.flatMap((g) => Object.keys(g.labels).map(documentedName)));
}

describe("docs/labels.md", () => {
  it("ECS table: the ecsmon column is exactly what the SD groups carry", async () => {
    const rows = docTable("ECS container targets");
    const groups = toTargetGroups((await awsShapedPlan()).targets);
    expect(groups.length).toBe(4);
    expect(namesIn(groups)).toEqual(sorted(rows.filter((r) => r.ecsmon).map((r) => r.name)));
  });

  it("ECS table: the Prometheus column is exactly Prometheus's role: ecs label set", () => {
    const rows = docTable("ECS container targets");
    expect(sorted(rows.filter((r) => r.prometheus).map((r) => r.name))).toEqual(sorted(PROMETHEUS_ECS_LABELS));
  });

  it("Cloud Map table: the ecsmon column is exactly what the SD groups carry", async () => {
    const rows = docTable("Cloud Map instance targets");
    const observed: ObservedCluster = {
      ...(await awsShapedCluster()),
      tasks: [],
      cloudMap: [
        {
          namespace: "prod.local",
          serviceName: "billing",
          serviceId: "srv-abcdefghijklmnop",
          instanceId: "billing-1",
          ipv4: "10.0.4.9",
          port: 9102,
          metricsPath: "/metrics",
          attributes: { AWS_INSTANCE_IPV4: "10.0.4.9", METRICS_PORT: "9102" },
        },
      ],
    };
    const spec = ClusterSpec.parse({ name: "prod", cloudMap: { namespaces: ["prod.local"] } });
    const result = plan(spec, observed, { liveAgents: new Set(), sidecarTasks: new Set() });
    const groups = toTargetGroups(result.targets);
    expect(groups.length).toBe(1);
    expect(namesIn(groups)).toEqual(sorted(rows.filter((r) => r.ecsmon).map((r) => r.name)));
    expect(rows.filter((r) => r.prometheus)).toEqual([]);
  });
});
