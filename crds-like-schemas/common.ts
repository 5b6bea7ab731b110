import { z } from "zod";
import { DURATION_PATTERN } from "../lib/duration.js";

/** A duration string such as "1s", "15s", "1m" or "1h30m" (see lib/duration.ts). */
export const Duration = z
  .string({ error: (issue) => `expected a duration like "15s", got ${describeValue(issue.input)}` })
  .regex(DURATION_PATTERN, { error: (issue) => `expected a duration like "1s", got ${describeValue(issue.input)}` });

/** A JavaScript regular expression source, validated by compiling it. */
export const RegexSource = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: `invalid regular expression: ${(error as Error).message}` });
  }
});

/** Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]* */
export const LabelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "expected a Prometheus label name");

/** Labels attached to a target or a series. */
export const LabelSet = z.record(z.string(), z.string());

const MAX_QUOTED = 60;

/**
 * Describes a value for an error message: `"fast"`, `number 5`, `a list`, `an object`, `null`, `nothing`.
 * Long strings are cut: `"aaaa…" (5000 characters)`.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") {
    if (value.length <= MAX_QUOTED) return JSON.stringify(value);
    return `${JSON.stringify(value.slice(0, MAX_QUOTED)).slice(0, -1)}…" (${value.length} characters)`;
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}
