import { describe, expect, it } from "vitest";
import { parseSpec } from "./parse-spec.js";

/**
 * AWS's own name rules, from the API references (not from the simulator):
 * - CloudWatch Namespace: length 1–255, pattern `[^:].*`, ASCII without control characters, at least one
 *   non-whitespace character; "You cannot specify a namespace that begins with AWS/".
 * - CloudWatch Dimension Value: length 1–1024, ASCII without control characters, one non-whitespace character.
 * - ECS CreateCluster clusterName: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and
 *   hyphens are allowed."
 */

const spec = (cluster: string) =>
  `apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters:\n    - ${cluster}\n`;

function errorsOf(text: string): { path: string; message: string; line?: number | undefined }[] {
  const result = parseSpec(text);
  return result.ok ? [] : result.errors.map(({ path, message, line }) => ({ path, message, line }));
}

describe("CloudWatch namespaces (stats and capacity)", () => {
  it.each([
    { namespace: '"AWS/ECS"', message: 'namespaces starting with "AWS/" are reserved for AWS services' },
    { namespace: '"AWS/"', message: 'starting with "AWS/"' },
    { namespace: '":Custom"', message: 'must not start with ":"' },
    { namespace: '"   "', message: "at least one non-whitespace character" },
    { namespace: '"Café/Stats"', message: "only printable ASCII characters" },
    { namespace: '"Tab\\tStats"', message: "only printable ASCII characters" },
    { namespace: `"${"N".repeat(256)}"`, message: "at most 255 characters" },
    { namespace: '""', message: "must not be empty" },
  ])("rejects $namespace", ({ namespace, message }) => {
    for (const section of ["stats", "capacity"]) {
      const errors = errorsOf(spec(`name: prod\n      ${section}: { namespace: ${namespace} }`));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ path: `spec.clusters[0].${section}.namespace`, line: 6 });
      expect(errors[0]?.message).toContain(message);
    }
  });

  it.each([
    '"ECS/ContainerStats"',
    '"My App: stats #1 (prod).x_y-z"',
    `"${"N".repeat(255)}"`,
    '"aws/lowercase is not the reserved prefix"',
    '"AWSX/Stats"',
  ])("accepts %s", (namespace) => {
    expect(errorsOf(spec(`name: prod\n      stats: { namespace: ${namespace} }`))).toEqual([]);
  });
});

describe("CloudWatch dimension values (capacity task size names)", () => {
  const sized = (name: string) =>
    spec(`name: prod\n      capacity:\n        taskSizes: [{ name: ${name}, cpu: 256, memory: 512 }]`);
  it.each([
    { name: '"   "', message: "at least one non-whitespace character" },
    { name: '"größe"', message: "only printable ASCII characters" },
    { name: `"${"s".repeat(1025)}"`, message: "at most 1024 characters" },
  ])("rejects $name", ({ name, message }) => {
    const errors = errorsOf(sized(name));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe("spec.clusters[0].capacity.taskSizes[0].name");
    expect(errors[0]?.message).toContain(message);
  });

  it("accepts up to 1024 printable characters", () => {
    expect(errorsOf(sized(`"${"s".repeat(1024)}"`))).toEqual([]);
    expect(errorsOf(sized('"small (0.25 vCPU)"'))).toEqual([]);
  });
});

describe("ECS cluster names", () => {
  it.each([
    { name: `"${"c".repeat(300)}"`, message: "at most 255 characters, got 300" },
    { name: '"my cluster"', message: "expected an ECS cluster name" },
    { name: '"prod.eu"', message: "expected an ECS cluster name" },
    { name: '"arn:aws:ecs:eu-west-1:1234:cluster/prod"', message: "or a cluster ARN" },
    { name: '""', message: "expected an ECS cluster name" },
  ])("rejects $name", ({ name, message }) => {
    const errors = errorsOf(spec(`name: ${name}`));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: "spec.clusters[0].name", line: 5 });
    expect(errors[0]?.message).toContain(message);
  });

  it.each([
    "prod",
    "Prod_Cluster-2",
    "c".repeat(255),
    "arn:aws:ecs:eu-west-1:111122223333:cluster/prod",
    "arn:aws-cn:ecs:cn-north-1:111122223333:cluster/prod_1",
  ])("accepts %s", (name) => {
    expect(errorsOf(spec(`name: ${name}`))).toEqual([]);
  });
});
