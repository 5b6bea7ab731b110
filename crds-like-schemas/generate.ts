import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { fromRoot } from "../lib/paths.js";
import { renderJsonSchema, SCHEMA_CONTRACT_NAMES, schemaFileName } from "./json-schemas.js";
import { renderSpecReference } from "./spec-reference.js";

/** Where the committed JSON Schema files live. */
export const GENERATED_DIR = fromRoot("crds-like-schemas", "generated");

/** The committed field reference generated from the MonitoringSpec schema. */
export const SPEC_REFERENCE_PATH = fromRoot("docs", "spec-reference.md");

/** Writes every contract's JSON Schema into `dir`; returns the paths written. Run by `npm run schemas:generate`. */
export function writeGeneratedSchemas(dir: string = GENERATED_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  return SCHEMA_CONTRACT_NAMES.map((name) => {
    const path = join(dir, schemaFileName(name));
    writeFileSync(path, renderJsonSchema(name));
    return path;
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const path of writeGeneratedSchemas()) process.stdout.write(`wrote ${path}\n`);
  writeFileSync(SPEC_REFERENCE_PATH, renderSpecReference());
  process.stdout.write(`wrote ${SPEC_REFERENCE_PATH}\n`);
}
