import { writeFileSync } from "node:fs";
import { Template } from "aws-cdk-lib/assertions";
import { fromRoot } from "../lib/paths.js";
import { buildExampleStack } from "./example-stack.js";

/** Renders the reference template as committed (stable key order, trailing newline). */
export function renderTemplate(): string {
  return `${JSON.stringify(Template.fromStack(buildExampleStack()).toJSON(), null, 2)}\n`;
}

export const TEMPLATE_PATH = fromRoot("charts/dist/ecsmon.template.json");

if (process.argv[1]?.endsWith("synth.ts") || process.argv[1]?.endsWith("synth.js")) {
  writeFileSync(TEMPLATE_PATH, renderTemplate());
  process.stdout.write(`wrote ${TEMPLATE_PATH}\n`);
}
