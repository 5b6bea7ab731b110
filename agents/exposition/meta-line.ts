import { quotedName, SampleSyntaxError } from "./sample-line.js";

/** `# KEYWORD name rest`: `rest` keeps inner spaces (HELP text); `quoted` when the name was written in quotes. */
export type MetaLine = [keyword: string, name: string, rest: string, quoted: boolean];

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * Splits the body of a comment (leading `#` removed) into its parts. Returns undefined when the comment is not
 * metadata-shaped. The name may be quoted (`# TYPE "my.metric" gauge`, Prometheus 3), and is then returned
 * unescaped. Throws {@link SampleSyntaxError} for a malformed quoted name.
 */
export function splitMeta(body: string): MetaLine | undefined {
  let i = 0;
  while (i < body.length && isBlank(body.charCodeAt(i))) i++;
  const k = body.indexOf(" ", i);
  const keyword = k < 0 ? body.slice(i) : body.slice(i, k);
  const known = keyword === "HELP" || keyword === "TYPE" || keyword === "UNIT";
  if (k < 0) return known ? [keyword, "", "", false] : undefined;
  let j = k + 1;
  while (j < body.length && isBlank(body.charCodeAt(j))) j++;
  if (known && body.charCodeAt(j) === 34) {
    let quoted: { name: string; end: number };
    try {
      quoted = quotedName(body, j);
    } catch (error) {
      if (error instanceof SampleSyntaxError) throw new SampleSyntaxError(`${error.message} in ${keyword}`);
      throw error;
    }
    const e = quoted.end;
    if (e < body.length && !isBlank(body.charCodeAt(e)))
      throw new SampleSyntaxError(`expected a blank after the quoted name in ${keyword}`);
    return [keyword, quoted.name, e < body.length ? body.slice(e + 1) : "", true];
  }
  let e = j;
  while (e < body.length && !isBlank(body.charCodeAt(e))) e++;
  return [keyword, body.slice(j, e), e < body.length ? body.slice(e + 1) : "", false];
}
