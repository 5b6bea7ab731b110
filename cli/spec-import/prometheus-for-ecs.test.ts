import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fromRoot } from "../../lib/paths.js";
import { ImportParseError } from "./import-plan.js";
import { importPrometheusForEcs } from "./prometheus-for-ecs.js";
import { buildValid, seedText } from "./spec-import.test-helpers.js";

/** Seed 001's ECS-Prometheus-Configuration (its deploy template) with a comment and a job of the user's own. */
const userConfig = () =>
  `# team prometheus\n${readFileSync(fromRoot("test/fixtures/seeds/001-prometheus.yaml"), "utf8")}  - job_name: node # on every instance
    static_configs:
      - targets: ["10.0.0.1:9100"]
`;
/** The README: "parameter named ECS-ServiceDiscovery-Namespaces … with the value set to ecs-services". */
const README_NAMESPACES =
  /ECS-ServiceDiscovery-Namespaces\*\* and of type \*String\* with the value set to \*\*([\w.-]+)\*\*/;

describe("spec import --from prometheus-for-ecs (seed 001)", () => {
  it("namespaces and the global interval/timeout go to the spec; the companion config reads http_sd and keeps the rest", () => {
    const namespaces = README_NAMESPACES.exec(seedText("001-prometheus-for-ecs"))?.[1] as string;
    expect(namespaces).toBe("ecs-services");
    const plan = importPrometheusForEcs(
      [
        { name: "namespaces.txt", text: `${namespaces}\n` },
        { name: "prometheus.yaml", text: userConfig() },
      ],
      { sdUrl: "http://ecsmon:9470/sd/prometheus" },
    );
    const { spec, text } = buildValid(plan, { cluster: "prod" });
    expect(spec.spec.clusters[0]?.cloudMap.namespaces).toEqual(["ecs-services"]);
    expect(spec.spec.clusters[0]?.scrape).toMatchObject({ interval: "30s", timeout: "10s" });
    expect(text).toContain("# Prometheus global.scrape_interval (prometheus.yaml:4)");

    const companion = plan.companions[0];
    expect(companion?.fileName).toBe("ecsmon-prometheus.yml");
    expect(companion?.text).toContain("# team prometheus");
    expect(companion?.text).toContain("- job_name: node # on every instance");
    const rewritten = parse(companion?.text as string);
    const original = parse(userConfig());
    expect(rewritten.global).toEqual(original.global);
    expect(rewritten.remote_write).toEqual(original.remote_write);
    expect(rewritten.scrape_configs[1]).toEqual(original.scrape_configs[1]);
    expect(rewritten.scrape_configs[0]).toEqual({
      job_name: "ecs_services",
      http_sd_configs: [{ url: "http://ecsmon:9470/sd/prometheus", refresh_interval: "30s" }],
      relabel_configs: [
        { source_labels: ["__meta_ecs_cloudmap_namespace"], regex: "ecs-services", action: "keep" },
        { source_labels: ["__meta_ecs_ip_address"], regex: "(.+)", target_label: "instance" },
        { source_labels: ["__meta_ecs_cloudmap_attribute_ECS_CLUSTER_NAME"], regex: "(.+)", target_label: "cluster" },
        { source_labels: ["__meta_ecs_cloudmap_attribute_ECS_SERVICE_NAME"], regex: "(.+)", target_label: "service" },
        {
          source_labels: ["__meta_ecs_cloudmap_attribute_ECS_TASK_DEFINITION_FAMILY"],
          regex: "(.+)",
          target_label: "taskdefinition",
        },
      ],
    });
  });

  it("the user's own relabel rules on the sidecar's job come after ecsmon's, and several namespaces are OR-ed", () => {
    const config = `global: {}\nscrape_configs:\n  - job_name: ecs\n    file_sd_configs: [{files: [/etc/config/ecs-services.json]}]\n    relabel_configs:\n      - {source_labels: [service], regex: web, action: drop}\n`;
    const plan = importPrometheusForEcs([
      { name: "p.yml", text: config },
      { name: "ns", text: "a.local, b.local" },
    ]);
    const { spec } = buildValid(plan);
    expect(spec.spec.clusters[0]?.scrape).toMatchObject({ interval: "1m", timeout: "10s" });
    const job = parse(plan.companions[0]?.text as string).scrape_configs[0];
    expect(job.relabel_configs[0]).toEqual({
      source_labels: ["__meta_ecs_cloudmap_namespace"],
      regex: "a\\.local|b\\.local",
      action: "keep",
    });
    expect(job.relabel_configs.at(-1)).toEqual({ source_labels: ["service"], regex: "web", action: "drop" });
    expect(job.file_sd_configs).toBeUndefined();
  });

  it("a config whose jobs never read ecs-services.json is listed, not guessed at", () => {
    const plan = importPrometheusForEcs([
      { name: "p.yml", text: "scrape_configs:\n  - job_name: x\n    static_configs: [{targets: [a:1]}]\n" },
      { name: "ns", text: "ecs-services" },
    ]);
    buildValid(plan);
    expect(plan.unconverted[0]?.value).toBe("p.yml: no job reads ecs-services.json");
  });

  it.each([
    ["broken YAML", "global:\n  scrape_interval: 30s\n scrape_configs: [\n", 3],
    ["scrape_configs that is not a list", "global: {}\nscrape_configs:\n  job_name: x\n", 3],
  ])("%s in the Prometheus config: exit 1 naming the line", (_name, text, line) => {
    let error: ImportParseError | undefined;
    try {
      importPrometheusForEcs([
        { name: "p.yml", text },
        { name: "ns", text: "ecs-services" },
      ]);
    } catch (e) {
      error = e as ImportParseError;
    }
    expect(error).toBeInstanceOf(ImportParseError);
    expect(error?.input).toBe("p.yml");
    expect(error?.line).toBe(line);
  });
});
