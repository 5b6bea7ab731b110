import { STATUS_CODES } from "node:http";

/**
 * The one error body of the status API, for every status ≥ 400, whoever produced it (a route, the router, the
 * auth hook, Fastify's URL and body parsers, the HTTP parser): `error` is the HTTP reason phrase in PascalCase
 * (`BadRequest`, `NotFound`, `MethodNotAllowed`, …) and `message` says what was wrong, naming the parameter.
 */
export interface ApiErrorBody {
  error: string;
  message: string;
}

/** `404` → `NotFound`, `405` → `MethodNotAllowed`; an unknown code → `Error`. */
export function errorName(status: number): string {
  const phrase = STATUS_CODES[status];
  if (!phrase) return "Error";
  return phrase.replace(/[^A-Za-z0-9 ]/g, "").replace(/(?:^|\s+)(\w)/g, (_m, c: string) => c.toUpperCase());
}

export function apiError(status: number, message: string): ApiErrorBody {
  return { error: errorName(status), message };
}

/** The raw HTTP response for a request the HTTP parser rejected before Fastify saw it (no reply object exists). */
export function rawErrorResponse(status: number, message: string): string {
  const body = JSON.stringify(apiError(status, message));
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
    "Connection: close\r\nContent-Type: application/json; charset=utf-8\r\n" +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** A route's way to answer 400 through the error handler. */
export class BadRequest extends Error {
  readonly statusCode = 400;
  constructor(message: string) {
    super(message);
    this.name = "BadRequest";
  }
}
