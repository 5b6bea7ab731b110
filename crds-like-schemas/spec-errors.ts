import type { z } from "zod";
import { describeValue } from "./common.js";
import { suggestName } from "./suggest.js";

/** One problem in a spec, located by data path and (when known) source position. */
export interface SpecError {
  /** Data path such as `spec.clusters[0].stats.period`; empty for problems with the document as a whole. */
  path: string;
  message: string;
  /** 1-based line in the source text. */
  line?: number | undefined;
  /** 1-based column in the source text. */
  column?: number | undefined;
  /** Where the text came from (a file name or `ssm:/ecsmon/spec`), when the caller said so. */
  source?: string | undefined;
}

/**
 * `spec.clusters[0].stats.period: expected a duration like "1s", got "fast" (line 12, column 15)`,
 * prefixed with `<source>: ` when the error carries a source.
 */
export function formatSpecError(error: SpecError): string {
  const where = error.line !== undefined ? ` (line ${error.line}, column ${error.column ?? 1})` : "";
  const prefix = error.source ? `${error.source}: ` : "";
  const subject = error.path ? `${error.path}: ` : "";
  return `${prefix}${subject}${error.message}${where}`;
}

/** Formats a zod-style path: `["spec", "clusters", 0, "name"]` → `spec.clusters[0].name`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_$][\w$]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  object: "a map",
  array: "a list",
  null: "null",
  bigint: "an integer",
  date: "a date",
};

function plural(count: number | bigint, noun: string): string {
  return `${count} ${noun}${Number(count) === 1 ? "" : "s"}`;
}

/**
 * Per-parse zod error map giving spec-friendly messages. Schema-level messages (durations, literals) take
 * precedence; unknown fields are reworded later, per key, by {@link unknownFieldMessage}.
 */
export const specErrorMap: z.core.$ZodErrorMap = (issue) => {
  const input = issue.input;
  switch (issue.code) {
    case "invalid_type": {
      if (input === undefined) return "required field is missing";
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      return `expected ${expected}, got ${describeValue(input)}`;
    }
    case "invalid_value": {
      const values = issue.values.map((value) => JSON.stringify(value));
      if (values.length === 1) return `expected ${values[0]}, got ${describeValue(input)}`;
      const hint =
        typeof input === "string"
          ? suggestName(
              input,
              issue.values.filter((value): value is string => typeof value === "string"),
            )
          : undefined;
      return `expected one of ${values.join(", ")}, got ${describeValue(input)}${hint ? `; did you mean "${hint}"?` : ""}`;
    }
    case "too_small": {
      if (issue.origin === "string")
        return Number(issue.minimum) === 1
          ? "must not be empty"
          : `must be at least ${plural(issue.minimum, "character")}`;
      if (issue.origin === "array")
        return `must have at least ${plural(issue.minimum, "item")}, got ${Array.isArray(input) ? input.length : 0}`;
      if (issue.origin === "number" && Number(issue.minimum) === 0 && !issue.inclusive)
        return `must be greater than 0, got ${describeValue(input)}`;
      return `must be ${issue.inclusive ? "at least" : "greater than"} ${issue.minimum}, got ${describeValue(input)}`;
    }
    case "too_big": {
      if (issue.origin === "string") return `must be at most ${plural(issue.maximum, "character")}`;
      if (issue.origin === "array") return `must have at most ${plural(issue.maximum, "item")}`;
      return `must be ${issue.inclusive ? "at most" : "less than"} ${issue.maximum}, got ${describeValue(input)}`;
    }
    case "invalid_format": {
      if (issue.format === "url") return `expected a URL, got ${describeValue(input)}`;
      if (issue.format === "regex" && issue.pattern)
        return `does not match ${issue.pattern}, got ${describeValue(input)}`;
      return `expected ${issue.format} format, got ${describeValue(input)}`;
    }
    case "unrecognized_keys":
      return `unknown field${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((key) => `"${key}"`).join(", ")}`;
    default:
      return undefined;
  }
};

/** `unknown field "intervl"; did you mean "interval"?`, or the list of known fields when nothing is close. */
export function unknownFieldMessage(key: string, known: readonly string[]): string {
  const hint = suggestName(key, known);
  if (hint) return `unknown field "${key}"; did you mean "${hint}"?`;
  if (known.length === 0) return `unknown field "${key}"`;
  return `unknown field "${key}"; known fields: ${known.join(", ")}`;
}
