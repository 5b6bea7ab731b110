import { once } from "node:events";
import { StringDecoder } from "node:string_decoder";
import { createGzip } from "node:zlib";

/**
 * Large JSON arrays (the ~17 MB http_sd document of a 10,000-target cluster) element by element, in both
 * directions, so that no document is ever held whole as one string.
 */

/** Elements are fed to gzip in chunks of about this many characters. */
const GZIP_CHUNK_CHARS = 256 * 1024;

/** The gzip of the JSON array of `elements` (each already JSON text), built as they come. */
export async function gzipJsonArray(elements: Iterable<string> | AsyncIterable<string>): Promise<Buffer> {
  const gzip = createGzip();
  const out: Buffer[] = [];
  gzip.on("data", (chunk: Buffer) => out.push(chunk));
  const done = once(gzip, "end");
  let chunk = "[";
  let first = true;
  for await (const element of elements) {
    chunk += (first ? "" : ",") + element;
    first = false;
    if (chunk.length < GZIP_CHUNK_CHARS) continue;
    const flushed = gzip.write(chunk);
    chunk = "";
    if (!flushed) await once(gzip, "drain");
  }
  gzip.end(`${chunk}]`);
  await done;
  return Buffer.concat(out);
}

/**
 * The top-level elements of a JSON array, as JSON text, from the array's bytes in chunks. Only nesting, strings and escapes are tracked to find element boundaries; each element's own syntax is left to
 * the caller's `JSON.parse`. Throws when the text is not an array or ends inside one.
 */
export async function* jsonArrayElements(
  chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let started = false;
  let ended = false;
  /** 1 inside the array; deeper inside an element's own arrays and objects. */
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** The current element's text from earlier chunks, and where it starts in this one (-1: not in an element). */
  let carried = "";
  let start = -1;

  for await (const chunk of chunks) {
    const text = typeof chunk === "string" ? chunk : decoder.write(chunk);
    const ready: string[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (!started || ended) {
        if (isSpace(c)) continue;
        if (ended) throw new Error("text after the end of the JSON array");
        if (c !== OPEN_BRACKET) throw new Error("not a JSON array");
        started = true;
        depth = 1;
        continue;
      }
      const inElement = start >= 0 || carried !== "";
      if (depth === 1 && (c === COMMA || c === CLOSE_BRACKET)) {
        // An element ends at the separator or bracket after it.
        if (inElement) ready.push((carried + text.slice(Math.max(start, 0), i)).trim());
        carried = "";
        start = -1;
        ended = c === CLOSE_BRACKET;
        continue;
      }
      if (!inElement) {
        if (isSpace(c)) continue;
        start = i;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACKET || c === OPEN_BRACE) depth++;
      else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
    }
    if (start >= 0) {
      carried += text.slice(start);
      start = 0;
    }
    yield* ready;
  }
  if (!ended) throw new Error("the JSON array is incomplete");
}

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
