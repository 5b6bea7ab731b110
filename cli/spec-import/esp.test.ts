import { describe, expect, it } from "vitest";
import { importEsp } from "./esp.js";
import { ImportParseError } from "./import-plan.js";
import { buildValid, seedBlock } from "./spec-import.test-helpers.js";

const SEED = "000-esp";
/** ESP's README: the container definitions with the ESP sidecar, verbatim (it contains `...<snip>...`). */
const readmeJson = () => seedBlock(SEED, '"name": "esp"');
/** The same, filled in as a user would: the snip replaced by an image and a CPU reservation, placeholders set. */
const filledIn = () =>
  readmeJson()
    .replace("...<snip>...", '"image": "shop/app:1", "cpu": 256')
    .replaceAll("<CONTAINER_TO_MONITOR>", "app")
    .replaceAll("<REGION_NAME>", "eu-west-1")
    .replaceAll("<CLOUDWATCH_METRICS_NAMESPACE_NAME>", "Shop/ESP");

function parseError(run: () => unknown): ImportParseError | undefined {
  try {
    run();
  } catch (error) {
    return error as ImportParseError;
  }
}

describe("spec import --from esp (seed 000)", () => {
  it("the README's container list as printed is not JSON: exit 1 naming the ...<snip>... line", () => {
    const text = readmeJson();
    const error = parseError(() => importEsp({ name: "taskdef.json", text }));
    expect(error).toBeInstanceOf(ImportParseError);
    const snipLine = text.split("\n").findIndex((l) => l.includes("...<snip>...")) + 1;
    expect(error?.line).toBe(snipLine);
    expect(error?.message).toMatch(new RegExp(`^taskdef\\.json:${snipLine}: invalid JSON`));
  });

  it("the README's container list, filled in: stats for that container and namespace at 1 s, ESP's CPU meaning", () => {
    const plan = importEsp({ name: "taskdef.json", text: filledIn() });
    const { spec, text } = buildValid(plan, { cluster: "shop" });
    const cluster = spec.spec.clusters[0];
    expect(cluster?.region).toBe("eu-west-1");
    expect(cluster?.stats).toMatchObject({
      enabled: true,
      namespace: "Shop/ESP",
      containers: ["^app$"],
      period: "1s",
      metrics: ["CPUUtilization"],
      dimensions: [],
      cpuMode: "percentOfHost",
    });
    expect(text).toMatch(/# ESP NAMESPACE \(taskdef\.json:\d+\)\n\s+namespace: Shop\/ESP/);
    expect(plan.notes.join(" ")).toContain("sidecar");
    // 1024 / 256: reserved mode would read 4× ESP's figure for this container.
    expect(plan.notes.join(" ")).toContain("256 CPU units, 4× ESP's figure");
    expect(plan.unconverted).toEqual([]);
  });

  it("a register-task-definition document works the same way", () => {
    const containers = JSON.parse(filledIn());
    const plan = importEsp({
      name: "td.json",
      text: JSON.stringify({ family: "shop", containerDefinitions: containers }, null, 2),
    });
    expect(buildValid(plan).spec.spec.clusters[0]?.stats.namespace).toBe("Shop/ESP");
  });

  it("the README's placeholders left in are listed, and the spec validates without them", () => {
    const plan = importEsp({ name: "td.json", text: readmeJson().replace("...<snip>...", '"image": "x"') });
    const { spec } = buildValid(plan);
    expect(plan.unconverted.map((u) => u.value)).toEqual([
      "CONTAINER_NAME=<CONTAINER_TO_MONITOR>",
      "REGION=<REGION_NAME>",
      "NAMESPACE=<CLOUDWATCH_METRICS_NAMESPACE_NAME>",
    ]);
    expect(spec.spec.clusters[0]?.stats.namespace).toBe("ECS/ContainerStats");
  });

  it("an environment file (the README's table) works; other variables are listed", () => {
    const plan = importEsp({
      name: "esp.env",
      text: "# ESP\nCONTAINER_NAME=web\nexport REGION=ap-northeast-1\nNAMESPACE='Web/Stats'\nECS_CONTAINER_METADATA_URI_V4=http://169.254.170.2/v4/x\n",
    });
    const { spec, text } = buildValid(plan);
    expect(spec.spec.clusters[0]).toMatchObject({
      region: "ap-northeast-1",
      stats: { namespace: "Web/Stats", containers: ["^web$"] },
    });
    expect(text).toContain("# ESP CONTAINER_NAME (esp.env:2)");
    expect(plan.unconverted).toEqual([
      {
        value: "ECS_CONTAINER_METADATA_URI_V4=http://169.254.170.2/v4/x",
        reason: expect.stringContaining("not one of ESP's settings"),
      },
    ]);
  });

  it("a namespace CloudWatch refuses is listed with the validator's reason and left out", () => {
    const { spec, result } = buildValid(
      importEsp({ name: "esp.env", text: "CONTAINER_NAME=web\nNAMESPACE=AWS/ECS\n" }),
    );
    expect(spec.spec.clusters[0]?.stats.namespace).toBe("ECS/ContainerStats");
    expect(result.unconverted.find((u) => u.value.startsWith("ESP NAMESPACE"))?.reason).toMatch(/AWS\//);
  });

  it.each([
    ["a line without =", "CONTAINER_NAME=web\nNAMESPACE\n", 2],
    ["a task definition without the ESP container", '[{"name": "app", "image": "x"}]', 1],
  ])("%s: exit 1 naming the line", (_name, text, line) => {
    const error = parseError(() => importEsp({ name: "in", text }));
    expect(error).toBeInstanceOf(ImportParseError);
    expect(error?.line).toBe(line);
  });
});
