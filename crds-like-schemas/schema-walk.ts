import type { z } from "zod";

/**
 * Read-only navigation of zod v4 schemas by data path, for error suggestions and the spec reference.
 * Wrappers (default, optional, nullable, pipe/transform, readonly, catch, prefault) are looked through.
 */

type AnySchema = z.core.$ZodType;

interface Def {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  shape?: Record<string, AnySchema>;
  element?: AnySchema;
}

function defOf(schema: AnySchema): Def {
  return schema._zod.def as unknown as Def;
}

/** The schema with every wrapper removed: an object, array, string, enum, … */
export function unwrapSchema(schema: AnySchema): AnySchema {
  let current = schema;
  for (let depth = 0; depth < 32; depth++) {
    const def = defOf(current);
    if (def.innerType) current = def.innerType;
    else if (def.type === "pipe" && def.in) current = def.in;
    else return current;
  }
  return current;
}

/** Field names of an object schema (after unwrapping), or `undefined` when it is not an object. */
export function objectKeys(schema: AnySchema): string[] | undefined {
  const def = defOf(unwrapSchema(schema));
  return def.type === "object" && def.shape ? Object.keys(def.shape) : undefined;
}

/** The schema found at `path` under `root`, or `undefined` when the path leaves the schema. */
export function schemaAt(root: AnySchema, path: readonly PropertyKey[]): AnySchema | undefined {
  let current: AnySchema | undefined = root;
  for (const segment of path) {
    if (!current) return undefined;
    const def = defOf(unwrapSchema(current));
    if (def.type === "object" && def.shape && typeof segment === "string") current = def.shape[segment];
    else if (def.type === "array" && def.element && typeof segment === "number") current = def.element;
    else return undefined;
  }
  return current;
}
