import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Returns a checker for `Authorization: Bearer <token>` that compares SHA-256 digests with
 * `crypto.timingSafeEqual`, so the comparison time depends neither on the token's content nor its length.
 */
export function bearerChecker(token: string): (header: string | undefined) => boolean {
  const expected = createHash("sha256").update(token).digest();
  return (header) => {
    if (typeof header !== "string") return false;
    const match = /^Bearer[ \t]+(.+)$/i.exec(header.trim());
    if (!match?.[1]) return false;
    const given = createHash("sha256").update(match[1]).digest();
    return timingSafeEqual(given, expected);
  };
}
