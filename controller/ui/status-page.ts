import { readFileSync } from "node:fs";
import type { FastifyReply, FastifyRequest } from "fastify";

/** The page's files, served from memory; they sit beside this module in `static/` (copied into dist by post-build). */
const ASSETS = [
  { url: "/", file: "index.html", type: "text/html; charset=utf-8" },
  { url: "/ui/status.js", file: "status.js", type: "text/javascript; charset=utf-8" },
  { url: "/ui/status.css", file: "status.css", type: "text/css; charset=utf-8" },
] as const;

/**
 * Paths of the status page's static files. They hold no data, so they are served without the API token: the
 * page itself asks for the token when the API answers 401, and every data request it makes carries it.
 */
export const STATUS_PAGE_PATHS: ReadonlySet<string> = new Set(ASSETS.map((a) => a.url));

/** Same-origin only: the page loads nothing from elsewhere and talks only to this API. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The API server's way of adding a GET route (with its 405 for other methods). */
export type GetRoute = (
  url: string,
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
) => void;

/**
 * Registers the status page (ADR 0058) on the API server: `GET /` and its two assets, read once at start-up so that
 * a missing file fails the controller's start rather than a later request.
 */
export function registerStatusPage(get: GetRoute): void {
  for (const asset of ASSETS) {
    const body = readFileSync(new URL(`./static/${asset.file}`, import.meta.url));
    get(asset.url, async (_request, reply) =>
      reply.type(asset.type).header("content-security-policy", CONTENT_SECURITY_POLICY).send(body),
    );
  }
}
