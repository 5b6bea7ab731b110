import { type Document, LineCounter, parseDocument } from "yaml";
import { describeValue } from "./common.js";
import { MonitoringSpec } from "./monitoring-spec.js";
import { objectKeys, schemaAt } from "./schema-walk.js";
import { formatPath, type SpecError, specErrorMap, unknownFieldMessage } from "./spec-errors.js";
import { checkSpecSemantics } from "./spec-semantics.js";
import { findJsonSyntaxError } from "./strict-json.js";
import { positionOf } from "./yaml-positions.js";

export type { SpecError } from "./spec-errors.js";
export { formatSpecError } from "./spec-errors.js";

/** The outcome of {@link parseSpec}: a defaulted spec, or every problem found, in source order. */
export type ParseSpecResult = { ok: true; spec: MonitoringSpec } | { ok: false; errors: SpecError[] };

/** How the text is read: YAML (which also accepts JSON), or strict JSON as `JSON.parse` reads it. */
export type SpecFormat = "yaml" | "json";

export interface ParseSpecOptions {
  /** Copied into every error (e.g. a file name or `ssm:/ecsmon/spec`). */
  source?: string | undefined;
  /**
   * "json" rejects what JSON does not allow but YAML would (trailing commas, comments, unquoted keys), naming
   * the line and column. @defaultValue "yaml"
   */
  format?: SpecFormat | undefined;
}

/** Texts above this size are refused before parsing (SSM itself stops at 8 KB). */
export const MAX_SPEC_TEXT_BYTES = 1_048_576;

const NOT_A_SPEC = "expected a MonitoringSpec: a map with apiVersion, kind and spec";

/**
 * Parses a MonitoringSpec from YAML or JSON text, validates it against the zod schema and the cross-field rules,
 * and applies defaults. Every error names the data path and, when it can be located, the line and column
 * (a missing field points at the map that lacks it; an unknown field at its key). Never throws.
 */
export function parseSpec(text: string, options: ParseSpecOptions = {}): ParseSpecResult {
  const source = options.source;
  const fail = (errors: SpecError[]): ParseSpecResult => ({
    ok: false,
    errors: errors.map((error) => (source ? { ...error, source } : error)),
  });
  try {
    if (typeof text !== "string") return fail([{ path: "", message: `${NOT_A_SPEC}, got ${describeValue(text)}` }]);
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > MAX_SPEC_TEXT_BYTES) {
      return fail([{ path: "", message: `spec is ${bytes.toLocaleString("en-US")} bytes; the limit is 1 MiB` }]);
    }
    const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
    if (body.trim() === "")
      return fail([{ path: "", message: `the spec is empty: ${NOT_A_SPEC}`, line: 1, column: 1 }]);

    if (options.format === "json") {
      const jsonError = strictJsonError(body);
      if (jsonError) return fail([jsonError]);
    }
    const lineCounter = new LineCounter();
    const doc = parseDocument(body, { lineCounter, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const syntax = options.format === "json" ? "JSON" : "YAML";
      return fail(
        doc.errors.map((error) => {
          const { line, col } = lineCounter.linePos(error.pos[0]);
          return { path: "", message: `invalid ${syntax}: ${firstLine(error.message)}`, line, column: col };
        }),
      );
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return fail([{ path: "", message: `${NOT_A_SPEC}, got ${describeValue(value)}`, line: 1, column: 1 }]);
    }

    const parsed = MonitoringSpec.safeParse(value, { error: specErrorMap });
    if (!parsed.success) return fail(sortErrors(zodErrors(parsed.error.issues, doc, lineCounter, value)));

    const semantic = checkSpecSemantics(parsed.data);
    if (semantic.length > 0) {
      return fail(
        sortErrors(
          semantic.map((issue) => ({
            path: formatPath(issue.path),
            message: issue.message,
            ...at(doc, lineCounter, issue.path),
          })),
        ),
      );
    }
    return { ok: true, spec: parsed.data };
  } catch (error) {
    return fail([{ path: "", message: `could not read the spec: ${(error as Error)?.message ?? String(error)}` }]);
  }
}

interface IssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}

function zodErrors(issues: readonly IssueLike[], doc: Document, lineCounter: LineCounter, input: unknown): SpecError[] {
  const errors: SpecError[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys" && issue.keys) {
      const schema = schemaAt(MonitoringSpec, issue.path);
      const present = new Set(Object.keys((valueAt(input, issue.path) as object | undefined) ?? {}));
      const known = (schema ? (objectKeys(schema) ?? []) : []).filter((key) => !present.has(key));
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        errors.push({
          path: formatPath(path),
          message: unknownFieldMessage(key, known),
          ...at(doc, lineCounter, path, "key"),
        });
      }
      continue;
    }
    errors.push({ path: formatPath(issue.path), message: issue.message, ...at(doc, lineCounter, issue.path) });
  }
  return errors;
}

function at(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[], target: "value" | "key" = "value") {
  const position = positionOf(doc, lineCounter, path, target);
  return position ? { line: position.line, column: position.column } : {};
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function sortErrors(errors: SpecError[]): SpecError[] {
  return errors
    .map((error, index) => ({ error, index }))
    .sort(
      (a, b) =>
        (a.error.line ?? Number.MAX_SAFE_INTEGER) - (b.error.line ?? Number.MAX_SAFE_INTEGER) ||
        (a.error.column ?? 0) - (b.error.column ?? 0) ||
        a.index - b.index,
    )
    .map(({ error }) => error);
}

/**
 * The first strict-JSON syntax error in `text`, located by line and column (1-based), or `undefined` when
 * `JSON.parse` accepts it.
 */
function strictJsonError(text: string): SpecError | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    const found = findJsonSyntaxError(text) ?? { offset: text.length, message: (error as Error).message };
    const { line, column } = lineAndColumn(text, found.offset);
    return { path: "", message: `invalid JSON: ${found.message}`, line, column };
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

function firstLine(message: string): string {
  return message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "") ?? message;
}
