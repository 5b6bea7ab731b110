import type { z } from "zod";
import { describeValue } from "../crds-like-schemas/common.js";
import { ApiErrorBody } from "../crds-like-schemas/contracts/status-api.js";
import { UsageError } from "./context.js";

/**
 * The CLI's client of the controller's status API. Every answer is parsed with its schema from
 * crds-like-schemas/contracts/status-api.ts, never cast: an answer that is not of the contract (a controller of
 * another version, a proxy's error page) fails with an {@link ApiCallError} naming the endpoint and the field.
 */

/** A failed call to the status API, or an answer that is not of its contract: exit 1 with what went wrong. */
export class ApiCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ApiCallError";
  }
}

/** One answer as received: the JSON body when it is JSON (else undefined), and the text. */
export interface ApiAnswer {
  /** e.g. `GET /api/v1/status`, for messages. */
  endpoint: string;
  status: number;
  body: unknown;
  text: string;
}

export interface ApiRequest {
  /** Base URL of the API, e.g. `http://127.0.0.1:9470`. */
  base: string;
  /** Path below the base, without a leading slash, e.g. `api/v1/status`. */
  path: string;
  /** Query parameters; undefined ones are left out. */
  query?: Record<string, string | undefined>;
  token?: string | undefined;
  /** @defaultValue 15000 */
  timeoutMs?: number;
}

/** GETs one path. A bad base URL is a {@link UsageError}; an unreachable controller an {@link ApiCallError}. */
export async function getApi(request: ApiRequest): Promise<ApiAnswer> {
  const { base } = request;
  let url: URL;
  try {
    url = new URL(request.path, base.endsWith("/") ? base : `${base}/`);
  } catch {
    throw new UsageError(`--url: expected an http(s) URL, got ${JSON.stringify(base)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError("--url: expected an http(s) URL");
  for (const [k, v] of Object.entries(request.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  const endpoint = `GET ${url.pathname}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: request.token ? { authorization: `Bearer ${request.token}` } : {},
      signal: AbortSignal.timeout(request.timeoutMs ?? 15_000),
    });
  } catch (error) {
    throw new ApiCallError(`cannot reach the controller at ${url.origin}: ${(error as Error).message}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { endpoint, status: response.status, body, text };
}

/** The API's own `message` of an error answer, else the start of its text. */
export function errorMessage(answer: ApiAnswer): string {
  const parsed = ApiErrorBody.safeParse(answer.body);
  return parsed.success ? parsed.data.message : answer.text.slice(0, 200) || "(empty body)";
}

/** Throws an {@link ApiCallError} with the API's message unless the status is below 400 or allowed. */
export function expectSuccess(answer: ApiAnswer, allow: number[] = []): void {
  if (answer.status < 400 || allow.includes(answer.status)) return;
  throw new ApiCallError(`controller answered ${answer.status} to ${answer.endpoint}: ${errorMessage(answer)}`);
}

/** Most issues listed in one message; the first ones say enough to find a version mismatch. */
const MAX_ISSUES = 3;

/** The body parsed with `schema`, or an {@link ApiCallError} naming the endpoint and each wrong field. */
export function readAnswer<T>(answer: ApiAnswer, schema: z.ZodType<T>): T {
  const where = `the controller's answer to ${answer.endpoint} (${answer.status})`;
  if (answer.body === undefined) {
    const start = answer.text.slice(0, 80);
    throw new ApiCallError(`${where} is not JSON: ${start ? JSON.stringify(start) : "an empty body"}`);
  }
  const parsed = schema.safeParse(answer.body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => describeIssue(issue, answer.body));
  const more = issues.length > MAX_ISSUES ? `; and ${issues.length - MAX_ISSUES} more` : "";
  throw new ApiCallError(
    `${where} does not match the status API contract: ${issues.slice(0, MAX_ISSUES).join("; ")}${more}` +
      " (is the controller the same version as this CLI?)",
  );
}

/** `clusters[0].conditions[1].status`; the body itself is `(body)`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || "(body)";
}

/**
 * One issue as `path: message, got <value>`. A union that matched no branch is described by the branch the value
 * was most likely meant to be (see {@link closestBranch}).
 */
function describeIssue(issue: z.core.$ZodIssue, body: unknown, prefix: readonly PropertyKey[] = []): string {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_union") {
    const first = closestBranch(issue.errors, body, path)?.[0];
    if (first) return describeIssue(first, body, path);
  }
  const value = valueAt(body, path);
  const got = value.found ? describeValue(value.value) : "nothing";
  // zod's "received <type>" says less than the value itself, which the message quotes instead.
  const expected = issue.message.replace(/^Invalid (input|option): /, "").replace(/, received \w+$/, "");
  return `${formatIssuePath(path)}: ${expected}, got ${got}`;
}

/**
 * The union branch whose complaints fit the value best: fewest fields it needs that the value lacks (a pending
 * cluster lacks every summary field; a summary lacks `pending`), then fewest issues, then the earlier branch.
 */
function closestBranch(
  branches: z.core.$ZodIssue[][],
  body: unknown,
  at: readonly PropertyKey[],
): z.core.$ZodIssue[] | undefined {
  const missing = (issues: z.core.$ZodIssue[]) =>
    issues.filter((issue) => !valueAt(body, [...at, ...issue.path]).found).length;
  const closer = (a: z.core.$ZodIssue[], b: z.core.$ZodIssue[]) =>
    missing(a) !== missing(b) ? missing(a) < missing(b) : a.length < b.length;
  let best: z.core.$ZodIssue[] | undefined;
  for (const branch of branches) if (branch.length > 0 && (!best || closer(branch, best))) best = branch;
  return best;
}

function valueAt(body: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let here: unknown = body;
  for (const key of path) {
    if (here === null || typeof here !== "object" || !Object.hasOwn(here, key)) return { found: false };
    here = (here as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value: here };
}
