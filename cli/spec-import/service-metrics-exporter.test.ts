import { describe, expect, it } from "vitest";
import { ImportParseError } from "./import-plan.js";
import { importServiceMetricsExporter } from "./service-metrics-exporter.js";
import { buildValid, seedBlock } from "./spec-import.test-helpers.js";

/** The README's CDK `environment: {…}` entries, written as the KEY=VALUE file the exporter's .env.example uses. */
function readmeEnv(): string {
  const block = seedBlock("002-service-metrics-exporter", "DOCKER_LABEL_HAS_METRICS");
  const environment = /environment: \{([\s\S]*?)\}/.exec(block)?.[1] ?? "";
  return [...environment.matchAll(/(\w+): '([^']*)'/g)].map((m) => `${m[1]}=${m[2]}`).join("\n");
}

describe("spec import --from service-metrics-exporter (seed 002)", () => {
  it("the README's environment: portPath label carried, listen port and log level listed with the setting to use", () => {
    const env = readmeEnv();
    expect(env).toBe(
      "HTTP_LISTEN_PORT=9102\nRUST_LOG=info,ecs_service_metrics_exporter=debug\nDOCKER_LABEL_HAS_METRICS=container-exposes-metrics",
    );
    const plan = importServiceMetricsExporter({ name: "exporter.env", text: env });
    const { spec, text } = buildValid(plan, { cluster: "prod" });
    expect(spec.spec.clusters[0]?.scrape.labels.portPath).toBe("container-exposes-metrics");
    expect(text).toContain(
      "# ecs_service_metrics_exporter DOCKER_LABEL_HAS_METRICS (exporter.env:3): its port/path label",
    );
    expect(plan.unconverted.map((u) => u.value)).toEqual([
      "HTTP_LISTEN_PORT=9102",
      "RUST_LOG=info,ecs_service_metrics_exporter=debug",
    ]);
    expect(plan.unconverted[0]?.reason).toContain("ECSMON_AGENT_BIND=0.0.0.0:9102");
    expect(plan.notes.join(" ")).toContain("no longer need curl");
  });

  it("without the label name nothing is invented: listed, and the spec still validates", () => {
    const plan = importServiceMetricsExporter({ name: "e.env", text: "HTTP_LISTEN_PORT=9102\n" });
    expect(buildValid(plan).spec.spec.clusters[0]?.scrape.labels.portPath).toBeUndefined();
    expect(plan.unconverted[0]?.value).toBe("DOCKER_LABEL_HAS_METRICS (missing)");
  });

  it("a line that is not NAME=value exits naming it", () => {
    expect(() => importServiceMetricsExporter({ name: "e.env", text: "A=1\nHTTP_LISTEN_PORT: 9102\n" })).toThrow(
      new ImportParseError("e.env", 2, 'expected NAME=value, got "HTTP_LISTEN_PORT: 9102"'),
    );
  });
});
