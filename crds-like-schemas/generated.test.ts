import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fromRoot } from "../lib/paths.js";
import { contractJsonSchema, renderJsonSchema, SCHEMA_CONTRACT_NAMES, schemaFileName } from "./json-schemas.js";
import { renderSpecReference } from "./spec-reference.js";

const committed = (file: string) => readFileSync(fromRoot("crds-like-schemas", "generated", file), "utf8");

describe("generated JSON Schema files", () => {
  it.each(SCHEMA_CONTRACT_NAMES)(
    "%s matches the zod schema (run `npm run schemas:generate` after changing it)",
    (name) => {
      expect(committed(schemaFileName(name))).toBe(renderJsonSchema(name));
    },
  );

  it("docs/spec-reference.md matches the schema", () => {
    expect(readFileSync(fromRoot("docs", "spec-reference.md"), "utf8")).toBe(renderSpecReference());
  });

  it("the MonitoringSpec schema accepts both examples and rejects unknown fields", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(contractJsonSchema("monitoring-spec"));
    for (const file of ["minimal.yaml", "full.yaml"]) {
      const example = parse(readFileSync(fromRoot("crds-like-schemas", "examples", file), "utf8"));
      expect(validate(example), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    const typo = {
      apiVersion: "ecsmon.dev/v1alpha1",
      kind: "MonitoringSpec",
      spec: { clusters: [{ name: "a", scrap: {} }] },
    };
    expect(validate(typo)).toBe(false);
    expect(validate.errors?.some((error) => error.keyword === "additionalProperties")).toBe(true);
  });
});
