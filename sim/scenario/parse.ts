import { readFileSync } from "node:fs";
import { isNode, LineCounter, parseDocument } from "yaml";
import { type Scenario, type ScenarioInput, ScenarioSchema } from "./schema.js";

/** A scenario that cannot be read or does not validate; the message names the file, field and line. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScenarioError";
  }
}

/** Parses and validates scenario YAML (or JSON) text. `source` names the file in error messages. */
export function parseScenario(text: string, source = "scenario"): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = lineCounter.linePos(first.pos[0]);
    throw new ScenarioError(`${source}:${pos.line}:${pos.col}: invalid YAML: ${first.message.split("\n")[0]}`);
  }
  const result = ScenarioSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    const lines = result.error.issues.slice(0, 10).map((issue) => {
      const path = issue.path.map(String);
      let node: unknown;
      for (let depth = path.length; depth >= 0 && !isNode(node); depth--) {
        node = doc.getIn(
          path.slice(0, depth).map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
          true,
        );
      }
      const at = isNode(node) && node.range ? `:${lineCounter.linePos(node.range[0]).line}` : "";
      return `${source}${at}: ${path.join(".") || "(root)"}: ${issue.message}`;
    });
    throw new ScenarioError(lines.join("\n"));
  }
  return result.data;
}

/** Validates a scenario object (e.g. built in a test). */
export function scenarioFromObject(input: ScenarioInput, source = "scenario"): Scenario {
  const result = ScenarioSchema.safeParse(input);
  if (!result.success) {
    throw new ScenarioError(
      result.error.issues.map((i) => `${source}: ${i.path.map(String).join(".") || "(root)"}: ${i.message}`).join("\n"),
    );
  }
  return result.data;
}

/** Reads and validates a scenario file. */
export function readScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ScenarioError(`cannot read scenario ${path}: ${(error as Error).message}`);
  }
  return parseScenario(text, path);
}
