import { LineCounter, parseDocument } from "yaml";
import { findJsonSyntaxError } from "../../crds-like-schemas/strict-json.js";
import { type ImportInput, ImportParseError } from "./import-plan.js";

/** A value read from an input, with the 1-based line it was on (for comments and messages). */
export interface Located<T = string> {
  value: T;
  line: number;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads `KEY=VALUE` lines as a `.env` file or `docker run --env-file` writes them: blank lines and `#` comments are
 * skipped, an `export ` prefix is allowed, and a value wrapped in matching single or double quotes is unwrapped.
 * Anything else is an {@link ImportParseError} naming the line.
 */
export function readEnvFile(input: ImportInput): Map<string, Located> {
  const env = new Map<string, Located>();
  input.text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const body = line.startsWith("export ") ? line.slice(7).trimStart() : line;
    const eq = body.indexOf("=");
    const name = eq > 0 ? body.slice(0, eq).trim() : "";
    if (!ENV_NAME.test(name)) {
      throw new ImportParseError(input.name, index + 1, `expected NAME=value, got ${JSON.stringify(raw)}`);
    }
    env.set(name, { value: unquote(body.slice(eq + 1).trim()), line: index + 1 });
  });
  return env;
}

function unquote(value: string): string {
  const first = value[0];
  if (value.length >= 2 && (first === '"' || first === "'") && value.endsWith(first)) return value.slice(1, -1);
  return value;
}

/** Parses strict JSON; a syntax error names the line and column of the offending character. */
export function readJson(input: ImportInput): unknown {
  try {
    return JSON.parse(input.text);
  } catch {
    const error = findJsonSyntaxError(input.text);
    const offset = error?.offset ?? 0;
    const before = input.text.slice(0, offset);
    const line = before.split("\n").length;
    const column = offset - before.lastIndexOf("\n");
    throw new ImportParseError(input.name, line, `invalid JSON at column ${column}: ${error?.message ?? "unreadable"}`);
  }
}

/** Parses one YAML document; a syntax error names its line. Returns the document and a line lookup. */
export function readYaml(input: ImportInput): {
  value: unknown;
  lineOf: (path: readonly (string | number)[]) => number;
} {
  const lineCounter = new LineCounter();
  const doc = parseDocument(input.text, { lineCounter, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const { line } = lineCounter.linePos(first.pos[0]);
    throw new ImportParseError(input.name, line, `invalid YAML: ${first.message.split("\n")[0]}`);
  }
  return {
    value: doc.toJS(),
    lineOf: (path) => {
      const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
      return node?.range ? lineCounter.linePos(node.range[0]).line : 1;
    },
  };
}

/** The line on which `needle` first appears in the input (1 when absent), for comments naming the source. */
export function lineOf(input: ImportInput, needle: string): number {
  const offset = input.text.indexOf(needle);
  return offset < 0 ? 1 : input.text.slice(0, offset).split("\n").length;
}

/** A `<PLACEHOLDER>` left in from a README template. */
export function isPlaceholder(value: string): boolean {
  return /<[^<>]+>/.test(value);
}
