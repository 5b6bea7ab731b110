import { AwsError } from "./service.js";

/**
 * Typed access to an operation's input that works for both JSON (typed values) and query protocols
 * (string values). Bad or missing fields raise `AwsError(errorCode)` naming the field, with the message
 * shape AWS uses for validation failures.
 */
export class InputReader {
  constructor(
    readonly input: Record<string, unknown>,
    /** The service's validation error code, e.g. "ValidationException" or "InvalidParameterValue". */
    readonly errorCode = "ValidationException",
  ) {}

  fail(field: string, value: unknown, constraint: string): never {
    throw new AwsError(
      this.errorCode,
      `1 validation error detected: Value '${typeof value === "string" ? value : JSON.stringify(value)}' at '${lowerFirst(field)}' failed to satisfy constraint: ${constraint}`,
    );
  }

  missing(field: string): never {
    throw new AwsError(
      this.errorCode,
      `1 validation error detected: Value null at '${lowerFirst(field)}' failed to satisfy constraint: Member must not be null`,
    );
  }

  has(field: string): boolean {
    const v = this.input[field];
    return v !== undefined && v !== null;
  }

  str(field: string, opts: { min?: number; max?: number } = {}): string | undefined {
    const v = this.input[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") this.fail(field, v, "Member must be a string");
    if (opts.min !== undefined && v.length < opts.min)
      this.fail(field, v, `Member must have length greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && v.length > opts.max)
      this.fail(field, v, `Member must have length less than or equal to ${opts.max}`);
    return v;
  }

  reqStr(field: string, opts: { min?: number; max?: number } = {}): string {
    return this.str(field, opts) ?? this.missing(field);
  }

  num(field: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
    const raw = this.input[field];
    if (raw === undefined || raw === null || raw === "") return undefined;
    const v = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw) : Number.NaN;
    if (!Number.isFinite(v) || (opts.integer && !Number.isInteger(v)))
      this.fail(field, raw, opts.integer ? "Member must be an integer" : "Member must be a number");
    if (opts.min !== undefined && v < opts.min)
      this.fail(field, raw, `Member must have value greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && v > opts.max)
      this.fail(field, raw, `Member must have value less than or equal to ${opts.max}`);
    return v;
  }

  bool(field: string): boolean | undefined {
    const v = this.input[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "boolean") return v;
    if (v === "true") return true;
    if (v === "false") return false;
    this.fail(field, v, "Member must be a boolean");
  }

  list<T = unknown>(field: string, opts: { max?: number; min?: number } = {}): T[] | undefined {
    const v = this.input[field];
    if (v === undefined || v === null) return undefined;
    const list = Array.isArray(v) ? v : typeof v === "object" && Object.keys(v).length === 0 ? [] : undefined;
    if (!list) this.fail(field, v, "Member must be a list");
    if (opts.min !== undefined && list.length < opts.min)
      this.fail(field, `[${list.length} items]`, `Member must have length greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && list.length > opts.max)
      this.fail(field, `[${list.length} items]`, `Member must have length less than or equal to ${opts.max}`);
    return list as T[];
  }

  obj(field: string): Record<string, unknown> | undefined {
    const v = this.input[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "object" || Array.isArray(v)) this.fail(field, v, "Member must be a structure");
    return v as Record<string, unknown>;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T | undefined {
    const v = this.str(field);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v))
      this.fail(field, v, `Member must satisfy enum value set: [${allowed.join(", ")}]`);
    return v as T;
  }
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s.charAt(0).toLowerCase() + s.slice(1) : s;
}

/** Opaque pagination token for an offset into a stable ordering. */
export function encodeToken(offset: number, salt = ""): string {
  return Buffer.from(JSON.stringify({ o: offset, s: salt })).toString("base64");
}

/** Decodes a token from `encodeToken`; undefined when it is not one. */
export function decodeToken(token: string, salt = ""): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { o?: unknown; s?: unknown };
    if (typeof parsed.o === "number" && Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.s === salt)
      return parsed.o;
  } catch {
    // not a token of ours
  }
  return undefined;
}
