/**
 * Validation of a metrics path taken from a docker label. A path must be a plain absolute path on the
 * target itself: the agent scrapes `scheme://address + path`, so anything that could change the host,
 * the user info, the query or walk out of the path is rejected.
 */

/** Characters allowed in a metrics path: RFC 3986 unreserved plus a few sub-delims, and "/". */
const ALLOWED = /^[A-Za-z0-9\-._~/!$&'()*+;=:]$/;

/** Why a path is rejected, with the 0-based offset (relative to the path) of the offending character. */
export interface PathProblem {
  message: string;
  offset: number;
}

/**
 * Returns `undefined` when `path` is an acceptable metrics path, otherwise the first problem found.
 * Rejected: not starting with "/", "//" prefixes (network-path references), "://", "@", "?", "#", "%",
 * "\\", whitespace and control characters, and any ".." or "." segment.
 */
export function checkMetricsPath(path: string): PathProblem | undefined {
  if (!path.startsWith("/")) return { message: `path must start with "/"`, offset: 0 };
  if (path.startsWith("//")) return { message: `path must not start with "//"`, offset: 0 };
  const scheme = path.indexOf("://");
  if (scheme >= 0) return { message: `"://" is not allowed in a path`, offset: scheme };
  for (let i = 0; i < path.length; i++) {
    const ch = path.charAt(i);
    if (!ALLOWED.test(ch)) return { message: `character ${describeChar(ch)} is not allowed in a path`, offset: i };
  }
  let offset = 0;
  for (const segment of path.split("/")) {
    if (segment === ".." || segment === ".") {
      return { message: `path segment "${segment}" is not allowed`, offset };
    }
    offset += segment.length + 1;
  }
  return undefined;
}

/** Quotes a character for an error message, showing control characters as escapes. */
export function describeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `"\\x${code.toString(16).padStart(2, "0")}"`;
  return JSON.stringify(ch);
}
