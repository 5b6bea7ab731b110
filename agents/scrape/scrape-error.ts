import type { SCRAPE_ERROR_CLASSES } from "../../crds-like-schemas/index.js";

export type ScrapeErrorClass = (typeof SCRAPE_ERROR_CLASSES)[number];

/** A failed scrape, classified for the TargetHealth report. */
export class ScrapeError extends Error {
  readonly errorClass: ScrapeErrorClass;
  constructor(errorClass: ScrapeErrorClass, message: string) {
    super(message);
    this.name = "ScrapeError";
    this.errorClass = errorClass;
  }
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ETIMEDOUT",
  "EADDRNOTAVAIL",
  "ENOTFOUND",
  "EAI_AGAIN",
  "HPE_INVALID_CONSTANT",
  "ERR_SSL_WRONG_VERSION_NUMBER",
]);

/** Maps a socket/HTTP/TLS error to a class; a ScrapeError keeps its own. */
export function classify(error: unknown): ScrapeError {
  if (error instanceof ScrapeError) return error;
  const err = error as NodeJS.ErrnoException;
  const code = err?.code ?? "";
  const message = err?.message ?? String(error);
  if (
    CONNECTION_CODES.has(code) ||
    code.startsWith("HPE_") ||
    code.startsWith("ERR_SSL") ||
    /socket hang up/.test(message)
  ) {
    return new ScrapeError("connection", `${code || "connection"}: ${message}`);
  }
  if (code.startsWith("ERR_TLS") || /certificate|TLS|SSL/i.test(message)) return new ScrapeError("connection", message);
  if (
    code === "Z_DATA_ERROR" ||
    code === "Z_BUF_ERROR" ||
    /incorrect header check|unexpected end of file/.test(message)
  ) {
    return new ScrapeError("parse", `gzip: ${message}`);
  }
  if (code === "ERR_ENCODING_INVALID_ENCODED_DATA") return new ScrapeError("parse", "body is not valid UTF-8");
  return new ScrapeError("other", message);
}
