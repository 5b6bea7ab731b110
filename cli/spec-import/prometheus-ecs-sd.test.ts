import { describe, expect, it } from "vitest";
import { ImportParseError } from "./import-plan.js";
import { ECS_SD_DEFAULT_FILE, importPrometheusEcsSd } from "./prometheus-ecs-sd.js";
import { buildSpec } from "./spec-builder.js";
import { buildValid, seedBlock } from "./spec-import.test-helpers.js";

const SEED = "003-prometheus-ecs-sd";
/** The README's `docker run … sepa/ecs-sd -h` line, with `-h` replaced by the flags its help lists. */
const dockerRun = (flags: string) =>
  (seedBlock(SEED, "sepa/ecs-sd").split("\n")[0] as string).replace(/ -h$/, ` ${flags}`);

describe("spec import --from prometheus-ecs-sd (seed 003)", () => {
  it("reads the README's docker run line: file, cluster and gauges carried, -i/-p/-l listed with reasons", () => {
    const line = dockerRun("-f /prometheus/sd/ecs_file_sd.yml -c backend -i 60 -l info -p 8080");
    expect(line).toContain("sepa/ecs-sd -f");
    const plan = importPrometheusEcsSd({ name: "cmd", text: line });
    const { spec, text } = buildValid(plan);
    expect(spec.spec.clusters).toHaveLength(1);
    expect(spec.spec.clusters[0]?.name).toBe("backend");
    expect(spec.spec.outputs.fileSd?.path).toBe("/prometheus/sd/ecs_file_sd.yml");
    expect(spec.spec.clusters[0]?.serviceMetrics.enabled).toBe(true);
    expect(spec.spec.clusters[0]?.scrape.labels).toMatchObject({
      scrapes: "PROMETHEUS_SCRAPES",
      labels: "PROMETHEUS_LABELS",
    });
    expect(text).toContain("# prometheus-ecs-sd -c backend (cmd:1)");
    expect(plan.unconverted.map((u) => u.value)).toEqual(["-i 60", "-p 8080", "-l info"]);
    expect(plan.unconverted[1]?.reason).toContain("ECSMON_API_BIND=0.0.0.0:8080");
  });

  it.each([
    ["long options", "prometheus-ecs-sd --file=/tmp/x.yml --cluster prod --interval 30", "/tmp/x.yml", "prod"],
    ["bare flags without the program", "-c prod -f /srv/sd.yml", "/srv/sd.yml", "prod"],
    ["defaults (README's -h only)", dockerRun("-h"), ECS_SD_DEFAULT_FILE, "default"],
  ])("%s", (_name, text, file, cluster) => {
    const { spec } = buildValid(importPrometheusEcsSd({ name: "cmd", text }));
    expect(spec.spec.outputs.fileSd?.path).toBe(file);
    expect(spec.spec.clusters[0]?.name).toBe(cluster);
  });

  it("without -c (every cluster) it names ECS's default cluster and says why", () => {
    const plan = importPrometheusEcsSd({ name: "cmd", text: "-f /tmp/sd.yml" });
    expect(plan.unconverted[0]?.reason).toContain("--cluster");
    expect(buildValid(plan, { cluster: "prod" }).spec.spec.clusters[0]?.name).toBe("prod");
  });

  it.each([
    ["an unknown option", "sepa/ecs-sd \\\n  -f /tmp/a.yml \\\n  --region eu-west-1", 3, "unknown option --region"],
    ["a missing value", "-c prod -f", 1, "-f needs a value"],
    ["a non-numeric interval", "-c prod\n-i 1m", 2, "-i expects whole seconds"],
  ])("%s exits with the line named", (_name, text, line, message) => {
    const error = (() => {
      try {
        importPrometheusEcsSd({ name: "cmd.sh", text });
      } catch (e) {
        return e as ImportParseError;
      }
    })();
    expect(error).toBeInstanceOf(ImportParseError);
    expect(error?.line).toBe(line);
    expect(error?.message).toContain(message);
    expect(error?.message).toMatch(new RegExp(`^cmd\\.sh:${line}: `));
  });

  it("a cluster name ECS would refuse is not written: the build returns the validator's error on the name", () => {
    const result = buildSpec(importPrometheusEcsSd({ name: "cmd", text: "-c prod/eu -f /tmp/sd.yml" }), {
      command: "c",
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => e.path)).toEqual(["spec.clusters[0].name"]);
  });
});
