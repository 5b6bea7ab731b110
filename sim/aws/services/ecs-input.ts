import { decodeToken, encodeToken, InputReader } from "../input.js";
import { AwsError, type OperationInput } from "../service.js";

/** ECS reports every request validation failure as InvalidParameterException. */
export function ecsReader(input: OperationInput): InputReader {
  return new InputReader(input, "InvalidParameterException");
}

export function invalid(message: string): AwsError {
  return new AwsError("InvalidParameterException", message);
}

/**
 * The references a Describe* call names in `field`: required, 1 to `max` of them; ECS's messages call them `label`
 * ("Tasks cannot be empty.").
 */
export function describeRefs(r: InputReader, field: string, label: string, max: number): string[] {
  const refs = r.list<string>(field) ?? r.missing(field);
  if (refs.length === 0) throw invalid(`${label} cannot be empty.`);
  if (refs.length > max) throw invalid(`${label} cannot be longer than ${max}.`);
  return refs;
}

/**
 * One page of `items` per ECS's nextToken/maxResults contract. `maxResults` must be 1..`max` (ECS's
 * InvalidParameterException otherwise); a token from another listing is rejected.
 */
export function paginate<T>(
  r: InputReader,
  items: readonly T[],
  salt: string,
  defaults: { max: number; default: number },
): { page: T[]; nextToken: string | undefined } {
  const maxResults = r.num("maxResults", { integer: true });
  if (maxResults !== undefined && (maxResults < 1 || maxResults > defaults.max)) {
    throw invalid(`maxResults must be between 1 and ${defaults.max}.`);
  }
  const limit = maxResults ?? defaults.default;
  const token = r.str("nextToken");
  let offset = 0;
  if (token !== undefined && token !== "") {
    const decoded = decodeToken(token, salt);
    if (decoded === undefined) throw invalid("Invalid nextToken.");
    offset = decoded;
  }
  const page = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? encodeToken(offset + limit, salt) : undefined;
  return { page, nextToken: next };
}

/**
 * Parses ECS's CPU and memory strings: plain numbers ("256", "1024") or with units
 * ("1 vCPU", "0.5 vcpu", "2 GB", "512 MiB"). Returns CPU units / MiB.
 */
export function parseCpuOrMemory(value: unknown, kind: "cpu" | "memory"): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "number") return value;
  if (typeof value !== "string") throw invalid(`Invalid ${kind} value: ${JSON.stringify(value)}`);
  const m = /^\s*(\d+(?:\.\d+)?)\s*(vcpu|gb|gib|mb|mib)?\s*$/i.exec(value);
  if (!m) throw new AwsError("ClientException", `Invalid '${kind}' setting for task.`);
  const n = Number(m[1]);
  const unit = m[2]?.toLowerCase();
  if (unit === "vcpu") return Math.round(n * 1024);
  if (unit === "gb" || unit === "gib") return Math.round(n * 1024);
  return Math.round(n);
}
